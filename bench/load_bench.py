"""Benchmark: many users at once (issue 18), with Locust against gunicorn, debug off.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/empowerment REDIS_URL=redis://... \
        .venv/bin/python bench/load_bench.py [--users 10,20,40,80,160] [--step-seconds 35]
        [--trainees 20000] [--port 8804] [--p95-ms 1500] [--soak SECONDS] [--keep]

Set-up (about two minutes): a database of its own, `<DATABASE_URL's name>_loadbench`
(dropped and made again, dropped at the end unless --keep), migrated, `seed_demo`, then
`generate_synthetic --trainees N`, the summaries rebuilt once, and the accounts the
simulated people sign in with: a centre staff member per centre and a council member per
city (`bench.staff.<centre>`, `bench.council.<city>`, whose passwords use the portal's
hasher, so a sign-in costs what it costs). The static files are collected by bin/build
static into staticfiles/ (kept from one run to the next while no source is newer: the
compression takes minutes here), and gunicorn serves the portal with gunicorn.conf.py
(gthread, GUNICORN_WORKERS, default 3) and the production settings: debug off, PostgreSQL, the cache
and rate limits on Redis (REDIS_URL, its own key prefix), one trusted proxy in front.

The mix (bench/locustfile.py) follows the people who use the portal: staff on phones
syncing sessions and sending attendance batches, staff in the admin, council members on
the dashboards, residents on the public pages sending ideas and confirming them with the
SMS code (read back from the outbox, as the phone would receive it), and staff signing in
all through the run. Each simulated person comes through the proxy from an address of its
own (X-Forwarded-For): the per-address limits hold as in production and no simulated
person trips another's. Sign-in keeps its real limits; the per-user API limit and the
one-time-code limits are raised for the run (environment), since a few accounts stand for
many phones and residents here.

The users rise in steps (--users; --spawn-rate a second, the sign-ins of the new ones at
once), each held --step-seconds with the statistics reset at its start. Per step: requests
per second and p50/p95/p99 per request kind, failures, and the workers' memory. The
machine saturates at the first step whose throughput rose by less than --min-gain (10 %)
over the step before, or whose p95 over all requests but sign-ins passed --p95-ms (2500). Exit
status 1 when any request failed in a step below that point.

--soak SECONDS holds --soak-users users that long instead (workers never recycled:
GUNICORN_MAX_REQUESTS=0, which would otherwise hide a leak), samples the gunicorn workers'
resident memory every 10 s, and exits 1 when it grew by more than --rss-growth per cent
from the first minutes after warm-up to the last ones, or when requests failed.

The driver (Locust, gevent) runs in a child process of this script, on the same machine:
its own CPU share is printed per step, since on two cores it competes with gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
STAFF_PASSWORD = "bench-load-" + "1404"  # bench accounts on a scratch database only
SIGN_IN_KINDS = ("sign-in",)


# --- Set-up ---------------------------------------------------------------------------------


def bench_url(url: str) -> tuple[str, str, str]:
    """(the bench database's URL, the server's `postgres` database URL, the bench name)."""
    parts = urlparse(url)
    name = parts.path.lstrip("/") + "_loadbench"
    return (
        urlunparse(parts._replace(path="/" + name)),
        urlunparse(parts._replace(path="/postgres")),
        name,
    )


def recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg2

    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def run(args: list[str], env: dict, quiet: bool = True) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.monotonic() - started


def build_fixture(path: str) -> None:
    """Inside Django (debug on, the bench database): the accounts, and what each simulated
    person will ask for, as JSON for bench/locustfile.py."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from centres import services
    from centres.models import Centre, City, StaffRole
    from empowerment.dashboards.views import pages_for
    from empowerment.kernel.jalali import local_today
    from empowerment.kernel.models import OutboxMessage
    from empowerment.public import selectors as public
    from programs.models import CohortSession
    from trainees.models import Enrolment, Trainee

    User = get_user_model()
    today = local_today()

    def account(username: str, role: str, scope):
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(STAFF_PASSWORD)
            user.save(update_fields=["password"])
        services.staff_role_assign(user=user, role=role, scope=scope)
        return User.objects.get(pk=user.pk)

    staff = []
    for centre in Centre.objects.order_by("pk"):
        user = account(f"bench.staff.{centre.pk}", StaffRole.Role.CENTRE_STAFF, centre)
        # The sessions a phone would mark now: held by today, in cohorts still running.
        sessions = []
        candidates = (
            CohortSession.objects.filter(
                cohort__centre=centre,
                date__lte=today,
                cancelled_at=None,
                cohort__enrolments__status=Enrolment.Status.ENROLLED,
            )
            .distinct()
            .order_by("-date")[:20]
        )
        for session in candidates:
            enrolments = list(
                Enrolment.objects.filter(
                    cohort_id=session.cohort_id, status=Enrolment.Status.ENROLLED
                ).values_list("pk", flat=True)[:40]
            )
            if enrolments:
                sessions.append({"id": session.pk, "enrolments": enrolments})
        trainees = list(
            Trainee.objects.visible_to(user).order_by("-pk").values_list("pk", flat=True)[:50]
        )
        if sessions and trainees and user.is_staff:
            staff.append({"username": user.username, "sessions": sessions, "trainees": trainees})
    council = []
    for city in City.objects.order_by("pk"):
        user = account(f"bench.council.{city.pk}", StaffRole.Role.COUNCIL_MEMBER, city)
        pages = [page.slug for page in pages_for(user)]
        if pages:
            council.append({"username": user.username, "pages": pages})
    calls = [call.pk for call in public.open_calls()]
    fixture = {
        "password": STAFF_PASSWORD,
        "staff": staff,
        "council": council,
        "calls": calls,
        "centres": list(Centre.objects.active().order_by("pk").values_list("pk", flat=True)[:20]),
        "articles": _article_slugs(),
        "outbox_table": OutboxMessage._meta.db_table,
    }
    if not (staff and council and calls):
        sys.exit(f"the bench data lacks staff, council or open calls: {fixture}")
    Path(path).write_text(json.dumps(fixture, ensure_ascii=False))


def _article_slugs() -> list[str]:
    from centres import news

    return [article.slug for article in news.article_list_public()[:10]]


# --- The driver (a child process: Locust patches the standard library with gevent) --------


def _workers_rss(master_pid: int) -> dict[int, int]:
    """Resident memory (bytes) of each gunicorn worker of the master `master_pid`."""
    import psutil

    sizes = {}
    for child in psutil.Process(master_pid).children():
        try:
            sizes[child.pid] = child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return sizes


def _step_stats(env, seconds: float) -> dict:
    kinds = []
    for entry in sorted(env.stats.entries.values(), key=lambda e: e.name):
        if not entry.num_requests:
            continue
        kinds.append(
            {
                "name": entry.name,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "rps": entry.num_requests / seconds,
                "p50": entry.get_response_time_percentile(0.5),
                "p95": entry.get_response_time_percentile(0.95),
                "p99": entry.get_response_time_percentile(0.99),
            }
        )
    # All requests but sign-ins: what everyone else waits for meanwhile.
    from locust.stats import StatsEntry

    others = StatsEntry(env.stats, "others", "", use_response_times_cache=False)
    for entry in env.stats.entries.values():
        if not entry.name.startswith(SIGN_IN_KINDS):
            others.extend(entry)
    total = env.stats.total
    errors = [
        {"kind": error.name, "error": str(error.error)[:200], "count": error.occurrences}
        for error in env.stats.errors.values()
    ]
    return {
        "kinds": kinds,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / seconds,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "others_p95": others.get_response_time_percentile(0.95) if others.num_requests else 0,
        "errors": errors,
    }


def drive(args) -> None:
    """Run the steps (or the soak) with Locust's library API; print the results as JSON."""
    import gevent
    import psutil
    from locust.env import Environment

    sys.path.insert(0, str(ROOT / "bench"))
    import locustfile

    env = Environment(user_classes=locustfile.USER_CLASSES, host=args.url)
    runner = env.create_local_runner()
    me = psutil.Process()
    results = {"steps": [], "soak": []}
    if args.soak:
        runner.start(args.soak_users, spawn_rate=args.spawn_rate)
        started = time.monotonic()
        while time.monotonic() - started < args.soak:
            gevent.sleep(10)
            rss = _workers_rss(args.master)
            results["soak"].append(
                {"t": round(time.monotonic() - started), "workers": rss, "total": sum(rss.values())}
            )
            print(
                f"  {results['soak'][-1]['t']:5d} s  workers' RSS "
                f"{sum(rss.values()) / 2**20:7.1f} MiB  requests {env.stats.total.num_requests:7d}"
                f"  failures {env.stats.total.num_failures}",
                file=sys.stderr,
                flush=True,
            )
        stats = _step_stats(env, time.monotonic() - started)
        stats.update(
            users=args.soak_users,
            driver_cpu=me.cpu_percent(),
            rss=results["soak"][-1]["total"] if results["soak"] else 0,
        )
        results["steps"].append(stats)
    else:
        for users in args.user_steps:
            env.stats.reset_all()
            me.cpu_percent()
            started = time.monotonic()
            runner.start(users, spawn_rate=args.spawn_rate)
            gevent.sleep(args.step_seconds)
            elapsed = time.monotonic() - started
            stats = _step_stats(env, elapsed)
            stats.update(
                users=users,
                driver_cpu=me.cpu_percent(),
                rss=sum(_workers_rss(args.master).values()),
            )
            results["steps"].append(stats)
            print(
                f"  {users:4d} users: {stats['rps']:6.1f} req/s, p95 {stats['p95']:.0f} ms, "
                f"{stats['failures']} failures",
                file=sys.stderr,
                flush=True,
            )
    runner.quit()
    print("RESULT " + json.dumps(results))


# --- The report ----------------------------------------------------------------------------


def saturation(steps: list[dict], *, min_gain: float, p95_ms: float) -> int | None:
    """The index of the first step where the machine saturated, or None."""
    for index, step in enumerate(steps):
        if step["others_p95"] > p95_ms:
            return index
        if index and step["rps"] < steps[index - 1]["rps"] * (1 + min_gain):
            return index
    return None


def report(steps: list[dict], *, min_gain: float, p95_ms: float, soak: bool = False) -> int:
    kinds = sorted({kind["name"] for step in steps for kind in step["kinds"]})
    print(f"\n{'request kind':34} {'users':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} fail")
    for name in kinds:
        for step in steps:
            row = next((k for k in step["kinds"] if k["name"] == name), None)
            if row is None:
                continue
            print(
                f"{name:34} {step['users']:5d} {row['rps']:7.1f} {row['p50']:6.0f} "
                f"{row['p95']:6.0f} {row['p99']:6.0f} {row['failures']:4d}"
            )
    print(
        f"\n{'all':>5} {'users':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'p95 w/o sign-in':>15} {'fail':>5} {'driver CPU':>10} {'workers RSS':>11}"
    )
    for step in steps:
        print(
            f"{'':5} {step['users']:5d} {step['rps']:7.1f} {step['p50']:6.0f} {step['p95']:6.0f} "
            f"{step['p99']:6.0f} {step['others_p95']:15.0f} {step['failures']:5d} "
            f"{step.get('driver_cpu', 0):9.0f}% {step.get('rss', 0) / 2**20:9.0f} MiB"
        )
    for step in steps:
        for error in step["errors"]:
            print(
                f"  errors at {step['users']} users: {error['count']} x {error['kind']}: "
                f"{error['error']}"
            )
    if soak:  # one step held: the soak's own report judges it
        return 0
    point = saturation(steps, min_gain=min_gain, p95_ms=p95_ms)
    if point is None:
        print(f"\nno saturation up to {steps[-1]['users']} users (add a step: --users)")
        below = steps
    else:
        step = steps[point]
        why = (
            f"p95 without sign-ins {step['others_p95']:.0f} ms > {p95_ms:.0f} ms"
            if step["others_p95"] > p95_ms
            else f"throughput {step['rps']:.1f} req/s, less than {min_gain:.0%} over "
            f"{steps[point - 1]['rps']:.1f} at {steps[point - 1]['users']} users"
        )
        print(f"\nsaturated at {step['users']} users: {why}")
        if point:
            best = steps[point - 1]
            print(
                f"highest step below saturation: {best['users']} users, "
                f"{best['rps']:.1f} req/s, p95 {best['p95']:.0f} ms"
            )
        below = steps[:point]
    status = 0
    failed = [step for step in below if step["failures"]]
    if failed:
        at = ", ".join(str(step["users"]) for step in failed)
        print(f"GOAL MISSED: failures below saturation (at {at} users)")
        status = 1
    return status


def soak_report(samples: list[dict], growth_limit: float) -> int:
    warm = [s for s in samples if s["t"] >= 60] or samples
    if len(warm) < 4:
        print("the soak was too short to judge memory")
        return 1
    share = max(len(warm) // 5, 1)
    first = sorted(s["total"] for s in warm[:share])[share // 2]
    last = sorted(s["total"] for s in warm[-share:])[share // 2]
    growth = (last - first) / first * 100
    pids = [set(s["workers"]) for s in samples]
    restarted = any(p != pids[0] for p in pids)
    print(
        f"\nworkers' RSS (sum): {first / 2**20:.1f} MiB after warm-up -> {last / 2**20:.1f} MiB "
        f"at the end ({growth:+.1f} %; limit {growth_limit:.0f} %)"
        + ("; workers were restarted during the soak" if restarted else "")
    )
    for sample in samples[:: max(len(samples) // 12, 1)]:
        print(f"  {sample['t']:5d} s {sample['total'] / 2**20:8.1f} MiB")
    if growth > growth_limit or restarted:
        print("GOAL MISSED: the workers' memory is not flat")
        return 1
    print("memory flat")
    return 0


# --- The run -------------------------------------------------------------------------------


def _static_stale(static: Path) -> bool:
    """Whether bin/build must collect again: compressing every file takes minutes here, so
    a collection newer than every source (own files, the asset and requirement locks) is
    kept from one run to the next."""
    manifest = static / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = [ROOT / "package-lock.json", ROOT / "requirements.txt"]
    sources += [path for path in (ROOT / "static").rglob("*") if path.is_file()]
    return max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime


def _wait_for(url: str, server: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            request = urllib.request.Request(
                url + "/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("gunicorn did not answer /healthz")
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="10,20,40,80,160")
    parser.add_argument("--step-seconds", type=float, default=35)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--trainees", type=int, default=20000)
    parser.add_argument("--port", type=int, default=8804)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", 3)))
    parser.add_argument("--p95-ms", type=float, default=2500)
    parser.add_argument("--min-gain", type=float, default=0.10)
    parser.add_argument("--soak", type=float, default=0, help="seconds of soak instead of steps")
    parser.add_argument("--soak-users", type=int, default=20)
    parser.add_argument("--rss-growth", type=float, default=10, help="per cent")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="use the kept database as it is")
    parser.add_argument("--fixture", help=argparse.SUPPRESS)
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--master", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.user_steps = [int(u) for u in args.users.split(",")]
    if args.fixture:
        build_fixture(args.fixture)
        return 0
    if args.drive:
        drive(args)
        return 0

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL; the bench makes <name>_loadbench) and REDIS_URL.")
    target, admin_url, name = bench_url(url)
    work = Path(tempfile.mkdtemp(prefix="load-bench."))
    fixture = work / "fixture.json"
    setup_env = {**os.environ, "DATABASE_URL": target, "DJANGO_DEBUG": "1"}
    setup_env.pop("REDIS_URL", None)  # set-up only: nothing queued, no cache to share
    started = time.monotonic()
    server = None
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    try:
        if not args.reuse:
            print(f"set-up: database {name}, demo data and {args.trainees:,} trainees", flush=True)
            recreate(admin_url, name)
            run(["manage.py", "migrate", "--noinput", "-v0"], setup_env)
            # The synthetic data first: its national codes (900000001 on) would collide with
            # the demo's; the demo then finds its places by name and its codes taken.
            generate = run(
                ["manage.py", "generate_synthetic", "--trainees", str(args.trainees)], setup_env
            )
            run(["manage.py", "seed_demo"], {**setup_env, "SEED_DEMO_ALLOWED": "1"})
            run(["manage.py", "summaries_refresh"], setup_env)
            print(f"  generated in {generate:.0f} s", flush=True)
        run(["bench/load_bench.py", "--fixture", str(fixture)], setup_env)
        static = ROOT / "staticfiles"  # bin/build's own folder (ignored by git)
        server_env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_STATIC_ROOT": str(static),
            "DJANGO_MEDIA_ROOT": str(work / "media"),
            "DATABASE_URL": target,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{args.port}",
            # One proxy in front: each simulated person's own address, as nginx would pass it.
            "DJANGO_NUM_PROXIES": "1",
            "DJANGO_CACHE_PREFIX": "loadbench",
            # The SMS and jobs are queued in the database's outbox; no worker runs here, and
            # the broker is each process's memory, so nothing is left behind in Redis.
            "CELERY_BROKER_URL": "memory://",
            # Raised for the run: a few accounts stand for many phones, and the residents'
            # codes come from many addresses. Sign-in keeps its real limit.
            "API_THROTTLE_USER": "100000/minute",
            "API_THROTTLE_OTP_REQUEST_MOBILE": "1000/hour",
            "API_THROTTLE_OTP_REQUEST_IP": "1000/hour",
            "API_THROTTLE_OTP_VERIFY": "1000/minute",
            "OTP_MAX_PER_MOBILE": "1000",
            "GUNICORN_BIND": f"127.0.0.1:{args.port}",
            "GUNICORN_WORKERS": str(args.workers),
            "GUNICORN_ACCESS_LOG": "",
            # nginx would hold the browsers' idle connections; here each simulated person
            # talks to gunicorn itself, so its keep-alive outlasts their longest pause (a
            # connection closed under a request about to reuse it is a reset, not a load).
            "GUNICORN_KEEPALIVE": "30",
            "GUNICORN_LOG_LEVEL": "warning",
        }
        if args.soak:
            server_env["GUNICORN_MAX_REQUESTS"] = "0"
        if _static_stale(static):
            print("  collecting the static files (bin/build static; minutes the first time)")
            subprocess.run(
                ["bin/build", "static"],
                cwd=ROOT,
                env=server_env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        else:
            print("  static files: staticfiles/ as collected last time (nothing newer)")
        print(f"set-up done in {time.monotonic() - started:.0f} s", flush=True)
        log = open(work / "gunicorn.log", "w")
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_for(f"http://127.0.0.1:{args.port}", server)
        # The simulated browsers speak HTTPS to the proxy that the locustfile plays.
        base = f"https://127.0.0.1:{args.port}"
        what = (
            f"soak: {args.soak_users} users for {args.soak:.0f} s"
            if args.soak
            else f"steps of {args.step_seconds:.0f} s at {args.users} users"
        )
        print(f"gunicorn: {args.workers} workers (gthread); {what}", flush=True)
        command = [
            sys.executable, "bench/load_bench.py", "--drive", "--url", base,
            "--master", str(server.pid), "--users", args.users,
            "--step-seconds", str(args.step_seconds), "--spawn-rate", str(args.spawn_rate),
            "--soak", str(args.soak), "--soak-users", str(args.soak_users),
        ]  # fmt: skip
        output = subprocess.run(
            command,
            cwd=ROOT,
            env={**server_env, "BENCH_LOAD_FIXTURE": str(fixture), "DJANGO_DEBUG": "0"},
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        results = json.loads(output.split("RESULT ", 1)[1])
        status = report(
            results["steps"], min_gain=args.min_gain, p95_ms=args.p95_ms, soak=bool(args.soak)
        )
        if args.soak:
            status = soak_report(results["soak"], args.rss_growth) or status
            if results["steps"][0]["failures"]:
                print("GOAL MISSED: requests failed during the soak")
                status = 1
        print(f"\nload bench: {time.monotonic() - started:.0f} s in all")
        return status
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            if server.returncode not in (0, None, -15):
                print((work / "gunicorn.log").read_text()[-3000:])
        if not (args.keep or args.reuse):
            recreate(admin_url, name, drop_only=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
