"""Benchmark: what one password check costs with each hasher, and what a rush of them does
to the other requests of the same gunicorn worker (issue 18, "the morning rush").

    .venv/bin/python bench/hasher_bench.py [--checks 10] [--rush-threads 3] [--seconds 4]

1. Milliseconds per check (wall and CPU, median of --checks) for PBKDF2-SHA256 at Django's
   iterations, Django's own Argon2id parameters and the portal's (OWASP's: 19 MiB, t=2,
   p=1), with each one's ratio to PBKDF2, all in one run.
2. The rush: --rush-threads threads check passwords without pause, as sign-ins in a gthread
   worker's other threads would; meanwhile the main thread runs a small piece of Python work
   (about a millisecond, a stand-in for a light request) again and again, and its p50/p95 is
   printed beside the same work with nothing else running. The hashes run in C without the
   Python lock (OpenSSL's PBKDF2, argon2-cffi), so a thread that checks a password leaves the
   others to run: the light work slows only by the sharing of the cores. In a sync worker the
   same light request would wait in line for the whole check (the check's own time, printed).

Goals (exit status 1 when one is missed): the portal's Argon2id check costs at most half a
PBKDF2 check's CPU, and the light work's p95 during an Argon2id rush stays under 50 ms.
"""

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django.conf import settings  # noqa: E402

settings.configure(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "empowerment.kernel.hashers.OWASPArgon2PasswordHasher",
    ]
)

from django.contrib.auth.hashers import (  # noqa: E402
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
)

from empowerment.kernel.hashers import OWASPArgon2PasswordHasher  # noqa: E402

PASSWORD = "a-staff-members-password-1404"
HASHERS = {
    f"PBKDF2-SHA256 ({PBKDF2PasswordHasher.iterations:,} iterations)": PBKDF2PasswordHasher(),
    (
        f"Argon2id, Django's (m={Argon2PasswordHasher.memory_cost // 1024} MiB, "
        f"t={Argon2PasswordHasher.time_cost}, p={Argon2PasswordHasher.parallelism})"
    ): Argon2PasswordHasher(),
    (
        f"Argon2id, portal's (m={OWASPArgon2PasswordHasher.memory_cost // 1024} MiB, "
        f"t={OWASPArgon2PasswordHasher.time_cost}, p={OWASPArgon2PasswordHasher.parallelism})"
    ): OWASPArgon2PasswordHasher(),
}
PORTAL = list(HASHERS)[2]
PBKDF2 = list(HASHERS)[0]


def per_check(hasher, checks: int) -> tuple[float, float]:
    """Median wall ms and mean CPU ms of one successful check."""
    encoded = hasher.encode(PASSWORD, hasher.salt())
    walls = []
    cpu_started = time.process_time()
    for _ in range(checks):
        started = time.perf_counter()
        assert hasher.verify(PASSWORD, encoded)
        walls.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu_started) * 1000 / checks
    return statistics.median(walls), cpu


def light_work() -> None:
    # About a millisecond of pure Python: what a small cached page costs the interpreter.
    total = 0
    for i in range(20000):
        total += i % 7
    return total


def light_latencies(seconds: float) -> list[float]:
    times = []
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        started = time.perf_counter()
        light_work()
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.002)  # requests arrive; they do not queue back to back
    return times


def during_rush(hasher, threads: int, seconds: float) -> tuple[list[float], int]:
    """The light work's latencies while `threads` threads check passwords, and how many
    checks they made meanwhile."""
    encoded = hasher.encode(PASSWORD, hasher.salt())
    stop = threading.Event()
    done = [0] * threads

    def sign_in(index: int) -> None:
        while not stop.is_set():
            hasher.verify(PASSWORD, encoded)
            done[index] += 1

    workers = [threading.Thread(target=sign_in, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    try:
        latencies = light_latencies(seconds)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    return latencies, sum(done)


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=10)
    parser.add_argument("--rush-threads", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()

    print(f"One password check, median of {args.checks} (same run):")
    print(f"  {'hasher':58} {'wall ms':>8} {'CPU ms':>8} {'CPU vs PBKDF2':>14}")
    costs = {name: per_check(hasher, args.checks) for name, hasher in HASHERS.items()}
    for name, (wall, cpu) in costs.items():
        ratio = cpu / costs[PBKDF2][1]
        print(f"  {name:58} {wall:8.1f} {cpu:8.1f} {ratio:13.2f}×")

    print(
        f"\nA light request (~1 ms of Python) while {args.rush_threads} threads of the same "
        "process check passwords:"
    )
    idle = light_latencies(args.seconds)
    print(f"  {'alone':58} p50 {p(idle, 50):6.2f} ms  p95 {p(idle, 95):6.2f} ms")
    rushes = {}
    for name in (PBKDF2, PORTAL):
        latencies, checks = during_rush(HASHERS[name], args.rush_threads, args.seconds)
        rushes[name] = latencies
        label = f"during a rush of {name.split(' (')[0]} ({checks / args.seconds:.1f} checks/s)"
        print(f"  {label:58} p50 {p(latencies, 50):6.2f} ms  p95 {p(latencies, 95):6.2f} ms")
    print(
        "  In a sync worker the same request waits behind the check it arrives during: up to "
        f"{costs[PBKDF2][0]:.0f} ms with PBKDF2, {costs[PORTAL][0]:.0f} ms with Argon2id."
    )

    failures = []
    if costs[PORTAL][1] > costs[PBKDF2][1] / 2:
        failures.append("the portal's Argon2id check costs more than half a PBKDF2 check")
    if p(rushes[PORTAL], 95) > 50:
        failures.append("the light request's p95 during an Argon2id rush is over 50 ms")
    for failure in failures:
        print(f"GOAL MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
