from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What an operator watches: /readyz/, /metrics/, request ids in the logs, the beat's last
    tick. The top layer: it reads the other apps' rows and none of them knows it."""

    name = "ops"

    def ready(self):
        import config.checks  # noqa: F401  (registers the deployment checks)

        from . import heartbeat, requestid

        heartbeat.connect()
        requestid.connect()
