"""A person's own profile: name and time zone."""

from django.db import transaction

from . import hooks


@transaction.atomic
def profile_save(*, form) -> None:
    """Save a valid ``ProfileForm``; a changed time zone re-plans what depends on it (the
    hooks registered in ``accounts.hooks``: reminders' hours and wording)."""
    user = form.save()
    if "time_zone" in form.changed_data:
        hooks.time_zone_changed(user)
