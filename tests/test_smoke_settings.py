from django.conf import settings
from django.db import connection

from tests.conftest import CI


def test_suite_runs_on_postgresql_on_ci():
    if CI:
        assert connection.vendor == "postgresql"
    assert settings.USE_TZ is True
