"""Developer machine: the zero-setup default used by ``make run``."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Trying the app on a laptop: whoever signs up may create a course (a college deployment keeps
# the "domains" default of base.py). The demo people (make run) are at example.edu.
COURSE_CREATORS = env.str("COURSE_CREATORS", default="anyone")
ALLOWED_COURSE_CREATOR_DOMAINS = env.list("ALLOWED_COURSE_CREATOR_DOMAINS", default=["example.edu"])
