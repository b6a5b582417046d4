"""``common/urls.py``: the addresses in emails and feeds, built from ``SITE_URL``."""

import pytest

from common.urls import absolute_url


@pytest.mark.parametrize("site", ["https://rapport.example.edu", "https://rapport.example.edu/"])
def test_an_absolute_url_is_the_path_on_the_site_setting(settings, site):
    settings.SITE_URL = site

    assert absolute_url("/courses/7/") == "https://rapport.example.edu/courses/7/"
    assert absolute_url() == "https://rapport.example.edu"


def test_an_absolute_url_follows_a_site_under_a_path(settings):
    settings.SITE_URL = "https://careers.example.edu/rapport/"

    assert absolute_url("/notifications/") == "https://careers.example.edu/rapport/notifications/"
