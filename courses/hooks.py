"""How apps above courses hear of course changes their plans depend on (see accounts.hooks)."""

from accounts.hooks import Hook, Query

# hook(course): the course's time zone changed.
course_time_zone_changed = Hook("course time zone changed")

# hook(course): the course was archived or unarchived, so whether it sends reminders changed.
course_reminders_changed = Hook("course reminders changed")

# hook(membership): someone joined, came back, changed role, was removed or left.
membership_changed = Hook("membership changed")

# query(user=, now=) -> dict: what higher apps add to the context of the "My courses" page
# (interviews: what is coming up).
my_courses_context = Query("my courses context")

# query(membership=) -> dict: what higher apps add to the course home of a member (interviews:
# the assignments as that member sees them, ``assignment_rows``).
course_home_context = Query("course home context")

# query(request=, course=, membership=) -> str: HTML higher apps show above the roster of a course
# to its staff (lti: when the roster last synced from the LMS, with "Sync now").
roster_panels = Query("roster panels")

# query(course=, user_ids=) -> {user_id: {"muted": bool, "email_off": bool}}: whose reminders
# about the course are muted or reach the inbox only, for the members page (notifications).
member_reminder_states = Query("member reminder states")
