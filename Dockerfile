# Production image: gunicorn serving Django with whitenoise for static files.
# No secret is baked in: .env stays out (.dockerignore) and every setting comes from the
# environment at run time (.env.example, docs/operations.md).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    RAPPORT_VAR_DIR=/var/lib/rapport

WORKDIR /app
# A fixed uid/gid, so docker-compose.yml (user: "10001:10001") and volume permissions agree.
RUN groupadd --system --gid 10001 rapport \
    && useradd --system --uid 10001 --gid rapport --create-home --home-dir /home/rapport rapport \
    && mkdir -p /var/lib/rapport/media && chown -R rapport:rapport /var/lib/rapport

COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .
# collectstatic needs settings but no real secrets or services: these values exist only for
# this one command and are not kept in the image's environment.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
    && chown -R rapport:rapport /var/lib/rapport

USER 10001:10001
EXPOSE 8000
# Bind address, workers, threads, timeouts and --max-requests come from gunicorn.conf.py,
# which reads them from the environment (GUNICORN_*).
CMD ["gunicorn", "config.wsgi:application"]
