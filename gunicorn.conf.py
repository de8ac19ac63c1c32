"""Gunicorn's settings for the image, docker-compose and bin/prod-check, from the environment.

`gunicorn -c gunicorn.conf.py` is the whole command; every knob is a GUNICORN_* variable with
a default fit for one small container behind one reverse proxy (nginx).
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


wsgi_app = "empowerment.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",")
# Processes × threads: requests mostly wait on PostgreSQL, so a few threads per process
# serve more readers than more processes would, for less memory.
#
# gthread, named (issue 18, "the morning rush"): a password check holds its thread for the
# whole hash, but the hash runs in C without the Python lock, so the process's other threads
# go on serving. With sync workers every request that lands on a worker busy signing someone
# in waits for the whole check: bench/worker_model_bench.py measured a light page's median at
# 4.4 s (PBKDF2) and 548 ms (Argon2id) with sync workers during a rush of six clients signing
# in, 55 ms and 73 ms with gthread, on a loaded 2-CPU machine.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("GUNICORN_WORKERS", 3)
threads = _int("GUNICORN_THREADS", 4)
# A request slower than this is killed and logged; spreadsheet imports and the summary
# rebuild run in Celery, so no page should come near it.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, so a slow leak cannot grow without bound; the jitter keeps
# them from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# "-" is standard output (docker logs); an empty value turns the access log off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The heartbeat files of the workers: /dev/shm in a container (a disk-backed /tmp can stall
# a worker's heartbeat and get it killed).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
# The scheme and client address come from the proxy's headers, which Django reads itself
# (SECURE_PROXY_SSL_HEADER, DJANGO_NUM_PROXIES); gunicorn need not trust anyone for them.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: it would be written to $HOME (not writable in the image) and several
# instances on one host would fight over it.
control_socket_disable = True
