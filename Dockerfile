# One image for web, worker, beat and the one-shot migrate; docker-compose.yml picks the
# command. Built in stages by bin/build, the script CI's `make prod-check` runs too:
#   assets  Node and npm fetch the browser assets from the npm lock (nothing else has Node)
#   runtime the slim Python base with the shared libraries the portal loads (Pango)
#   build   (on runtime) the runtime lock (requirements.txt only) into /opt/venv, the
#           translations compiled and the static files collected with debug off (hashed)
#   final   the runtime stage with the venv, the code and those build products: no Node,
#           gettext, pip cache, test tools or node_modules; runs as an unprivileged user
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY bin/build bin/build
RUN bin/build assets

# The runtime's shared libraries, and nothing else: Pango and HarfBuzz, with which
# WeasyPrint lays out and shapes the certificates' Persian PDFs (no compiler, no cache).
FROM ${PYTHON_IMAGE} AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

# The build loads the portal too (compilemessages, collectstatic), so it starts from it.
FROM runtime AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BUILD_VENV=/opt/venv
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The requirements layer first, so a change of code does not reinstall them.
COPY requirements.txt ./
COPY bin/build bin/build
RUN bin/build requirements
COPY . .
COPY --from=assets /app/node_modules node_modules
RUN bin/build messages static \
    && rm -rf node_modules \
    && /opt/venv/bin/pip uninstall --yes --quiet pip setuptools

FROM runtime
# Beat's schedule file goes to /tmp: /app is read-only for the portal's user.
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH=/opt/venv/bin:$PATH \
    DJANGO_DEBUG=0 GUNICORN_WORKER_TMP_DIR=/dev/shm \
    CELERY_BEAT_SCHEDULE_FILENAME=/tmp/celerybeat-schedule
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent portal
COPY --from=build /opt/venv /opt/venv
# Code and static files belong to root: the portal's user may read them, not change them.
COPY --from=build /app /app
WORKDIR /app
# Uploaded media and the private import files are the only places it writes (volumes).
RUN mkdir -p /app/media /app/private_media && chown portal:portal /app/media /app/private_media
USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "bin/healthcheck"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
