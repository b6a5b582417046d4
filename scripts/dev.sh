#!/usr/bin/env bash
# Run Rapport on the zero-setup default: SQLite, kombu's filesystem broker, a Celery worker
# with beat, email printed to this console. Stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.local
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"
BIN=.venv/bin

$BIN/python manage.py migrate --noinput
$BIN/python manage.py seed_demo
# The worker prints outgoing email (console backend) into this terminal.
$BIN/celery -A config worker --beat --loglevel=WARNING --concurrency=2 \
  --schedule=var/celerybeat-schedule &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "Celery worker and beat running (pid $worker); emails they send are printed here."
echo "Open $SITE_URL/ — press Ctrl-C to stop."
$BIN/python manage.py runserver "127.0.0.1:${PORT}"
