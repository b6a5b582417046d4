"""gunicorn reads this file from its working directory (``/app`` in the image) unless told
otherwise; the Dockerfile and docker-compose.yml start gunicorn there.

gunicorn 27 has no setting for its ``Server`` header and always sends ``Server: gunicorn``. The
value is read from ``gunicorn.http.wsgi.SERVER`` for every response, so it is blanked here,
before the workers fork. The app itself sends none (config/headers.py); a proxy in front may
drop the empty header altogether.
"""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = ""

# Everything below comes from the environment (docs/operations.md, "Gunicorn"); GUNICORN_CMD_ARGS
# and the command line still win over this file.
import os  # noqa: E402


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes (about two per core) and threads in each (more than 1 switches to gthread workers:
# Rapport's requests mostly wait on PostgreSQL, so threads help on a small machine).
workers = _int("GUNICORN_WORKERS", 3)
threads = _int("GUNICORN_THREADS", 1)
# Longer than the slowest page (an export of 10,000 students) and shorter than the proxy's own.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each worker is replaced after about this many requests, at a jittered point so the workers
# never restart together: bounds whatever memory a long-lived process gathers.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# gunicorn's own lines are JSON too, like the app's (config/settings/production.py); an access
# line names the request id the app sent back, to find the app's lines for that request.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
_json = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": _json},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    # gunicorn's default names a "console" handler for the root logger; Django configures the
    # root logger again in each worker (LOGGING).
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}
# Behind one proxy (compose, a load balancer): trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Samples of a previous run's processes would be added to this run's (ops/metrics.py)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    """A dead worker's request samples stay in the sum, but its live gauges go (ops/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
