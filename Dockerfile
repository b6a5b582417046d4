# Production image: gunicorn serving Django with whitenoise for static files.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    RAPPORT_VAR_DIR=/var/lib/rapport

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/rapport rapport \
    && mkdir -p /var/lib/rapport/media && chown -R rapport /var/lib/rapport

COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .
# collectstatic needs settings but no real secrets or services.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
    && chown -R rapport /var/lib/rapport

USER rapport
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
