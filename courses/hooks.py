"""How apps above courses hear of course changes their plans depend on (see accounts.hooks)."""

from accounts.hooks import Hook

# hook(course): the course's time zone changed.
course_time_zone_changed = Hook("course time zone changed")

# hook(course): the course was archived or unarchived, so whether it sends reminders changed.
course_reminders_changed = Hook("course reminders changed")

# hook(membership): someone joined, came back, changed role, was removed or left.
membership_changed = Hook("membership changed")
