"""Shared by the interviews tests: the frozen moment most of them run at."""

from datetime import UTC, datetime

import pytest
import time_machine

# Two weeks after the US and before the EU switch to summer time in 2027.
NOW = datetime(2027, 3, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    """Time stands still at NOW (test files with another moment define their own)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW
