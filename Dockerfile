# One image for web, worker and beat; docker-compose.yml chooses the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt package.json package-lock.json ./
RUN pip install -r requirements.txt && npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN python manage.py compilemessages \
    && DJANGO_DEBUG=1 python manage.py collectstatic --noinput

RUN useradd --create-home portal && mkdir -p /app/media && chown portal /app/media
USER portal
EXPOSE 8000
CMD ["gunicorn", "empowerment.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
