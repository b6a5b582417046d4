"""How apps above interviews hear of grading changes their work depends on (see accounts.hooks).

Each hook runs inside the change's transaction, so a callback can write its own rows in the same
commit (an outbox row is never lost to a crash between the two) and enqueue work on commit.
"""

from accounts.hooks import Hook, Query

# hook(grade_ids=[...], now=datetime): these grades were released, hidden again, or changed
# while released (score, maximum or overall comment). The callback reads each grade's state
# (``released_at`` decides what its student may see) rather than being told what happened.
grades_changed = Hook("grades changed")

# query(grade_ids=[...]) -> {grade_id: [sentence, ...]}: where these grades went beyond Rapport
# and how that went (an LMS gradebook: sent, waiting for the LMS, or refused), for the people
# who release them. Answers come from the apps that send grades on.
grade_destinations = Query("grade destinations")
