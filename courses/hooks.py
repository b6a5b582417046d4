"""How apps above courses hear of course changes their plans depend on (see accounts.hooks)."""

from accounts.hooks import Hook

# hook(course): the course's time zone changed.
course_time_zone_changed = Hook("course time zone changed")
