"""Benchmark: gunicorn's worker model during a rush of sign-ins (issue 18, "the morning rush").

    .venv/bin/python bench/worker_model_bench.py [--seconds 6] [--signins 6] [--port 8317]

Serves a two-route WSGI app (this file) with gunicorn, as sync workers and as gthread
workers (same number of processes), under each hasher: --signins clients sign in without
pause (POST /signin checks a password, as the token endpoint does), while one client asks
for a light page (GET /light, about a millisecond) every 50 ms, as everyone else does. It
prints, per model and hasher, the light page's p50/p95/max and the sign-ins per second.

Nothing of the portal runs here but the hasher, so the figures show the worker model alone:
a sync worker holds the light request in line behind a whole password check; a gthread
worker's other threads serve it meanwhile, since the hash runs in C without the Python lock.
Goal (exit status 1 when missed): under each hasher, gthread serves the light page at least
twice as fast as sync at the median, and no slower at the p95. (Absolute figures follow the
machine's load, printed first: on a shared machine they are not the portal's.)
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import hashers

ROOT = Path(__file__).resolve().parent.parent
HASHERS = {
    "PBKDF2": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "Argon2id": "empowerment.kernel.hashers.OWASPArgon2PasswordHasher",
}
PASSWORD = "a-staff-members-password-1404"


def _app():
    """The WSGI app gunicorn serves (BENCH_HASHER names the hasher)."""
    sys.path.insert(0, str(ROOT))  # the portal's hasher
    settings.configure(PASSWORD_HASHERS=[HASHERS[os.environ["BENCH_HASHER"]]])
    encoded = hashers.make_password(PASSWORD)

    def application(environ, start_response):
        if environ["PATH_INFO"] == "/signin":
            body = b"ok" if hashers.check_password(PASSWORD, encoded) else b"no"
        else:
            body = str(sum(i % 7 for i in range(20000))).encode()
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    return application


if os.environ.get("BENCH_HASHER"):
    application = _app()


def _get(port: int, path: str, method: str = "GET") -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    finally:
        connection.close()
    return (time.perf_counter() - started) * 1000


def _serve(model: str, hasher: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "worker_model_bench:application",
        "--chdir", str(ROOT / "bench"), "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", model, "--log-level", "warning",
        "--backlog", "512",
    ]  # fmt: skip
    if model == "gthread":
        command += ["--threads", str(threads)]
    # Started in bench/, so that gunicorn does not read the portal's gunicorn.conf.py.
    server = subprocess.Popen(
        command, cwd=ROOT / "bench", env={**os.environ, "BENCH_HASHER": hasher}
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(port, "/light")
            return server
        except (OSError, AssertionError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit(f"gunicorn ({model}, {hasher}) did not start") from None
            time.sleep(0.2)


def _rush(port: int, signins: int, seconds: float) -> tuple[list[float], int]:
    stop = threading.Event()
    counts = [0] * signins

    def sign_in(index: int) -> None:
        while not stop.is_set():
            _get(port, "/signin", "POST")
            counts[index] += 1

    clients = [threading.Thread(target=sign_in, args=(i,)) for i in range(signins)]
    for client in clients:
        client.start()
    time.sleep(0.5)  # the rush is under way
    light = []
    until = time.monotonic() + seconds
    while time.monotonic() < until or len(light) < 20:
        light.append(_get(port, "/light"))
        time.sleep(0.05)
    elapsed = time.monotonic() - until + seconds + 0.5
    done = sum(counts)
    stop.set()
    for client in clients:
        client.join()
    return light, done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--signins", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8317)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{args.signins} clients signing in without pause; a light page every 50 ms "
        f"({args.workers} processes; gthread: {args.threads} threads each)"
    )
    print(f"  {'model':8} {'hasher':9} {'light p50':>10} {'p95':>9} {'max':>9} {'sign-ins/s':>11}")
    results = {}
    for hasher in HASHERS:
        for model in ("sync", "gthread"):
            server = _serve(model, hasher, args.port, args.workers, args.threads)
            try:
                light, signed = _rush(args.port, args.signins, args.seconds)
            finally:
                server.terminate()
                server.wait(timeout=30)
            p95 = statistics.quantiles(light, n=100)[94]
            results[model, hasher] = (statistics.median(light), p95)
            print(
                f"  {model:8} {hasher:9} {statistics.median(light):8.1f}ms {p95:7.1f}ms "
                f"{max(light):7.1f}ms {signed:11.1f}"
            )
    missed = [
        hasher
        for hasher in HASHERS
        if results["gthread", hasher][0] * 2 > results["sync", hasher][0]
        or results["gthread", hasher][1] > results["sync", hasher][1]
    ]
    for hasher in missed:
        print(f"GOAL MISSED: with {hasher}, gthread does not serve the light page faster")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
