"""A person's notification choices: kinds, muted courses, email on or off, and unsubscribing."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from courses.models import Membership

from .kinds import registered
from .models import Preference


def preference_for(user) -> Preference:
    """``user``'s saved preference, or an unsaved default one (everything on)."""
    try:
        return Preference.objects.prefetch_related("muted_courses").get(user=user)
    except Preference.DoesNotExist:
        return Preference(user=user)


def preference_save(
    *,
    user,
    enabled_kinds: Iterable[str],
    muted_course_ids: Iterable[int],
    offered_course_ids: Iterable[int],
    email_enabled: bool,
) -> Preference:
    """Store ``user``'s choices. Only the courses offered on the page (``offered_course_ids``)
    change their mute; courses no longer shown (archived, left) keep what they had."""
    enabled = set(enabled_kinds)
    offered = set(offered_course_ids)
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
        known = [kind.value for kind in registered()]
        # A kind no app registers any more keeps the choice it had.
        kept_off = [value for value in preference.disabled_kinds if value not in known]
        preference.disabled_kinds = [v for v in known if v not in enabled] + kept_off
        preference.email_enabled = email_enabled
        preference.save()
        kept = set(preference.muted_courses.exclude(pk__in=offered).values_list("pk", flat=True))
        preference.muted_courses.set(kept | (set(muted_course_ids) & offered))
    return preference


def email_unsubscribe(*, user) -> bool:
    """Turn reminder emails off for ``user`` (they stay in the inbox); returns False if they
    already were off."""
    preference, created = Preference.objects.get_or_create(
        user=user, defaults={"email_enabled": False}
    )
    if created:
        return True
    return (
        Preference.objects.filter(pk=preference.pk, email_enabled=True).update(email_enabled=False)
        == 1
    )


def quiet_members(*, course, user_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    """For the course's staff: which of ``user_ids`` muted ``course`` or turned reminder emails
    off, as ``{user_id: {"muted": bool, "email_off": bool}}`` (others are left out). One query."""
    rows = (
        Preference.objects.filter(user_id__in=list(user_ids))
        .filter(Q(muted_courses=course) | Q(email_enabled=False))
        .values_list("user_id", "email_enabled", "muted_courses")
    )
    found: dict[int, dict[str, bool]] = {}
    for user_id, email_enabled, muted_course_id in rows:
        entry = found.setdefault(user_id, {"muted": False, "email_off": not email_enabled})
        entry["muted"] = entry["muted"] or muted_course_id == course.pk
    return found


def mask_email(email: str) -> str:
    """``stella.student@example.edu`` → ``st•••@example.edu``: enough to recognise one's own
    address on a page anyone holding the link can open, not enough to learn someone else's."""
    local, _, domain = email.partition("@")
    shown = local[:2] if len(local) > 3 else local[:1]
    return f"{shown}•••@{domain}"


def teaches_any_course(user) -> bool:
    """True if ``user`` teaches or assists an active course (and so can get the staff kinds)."""
    return Membership.objects.staff().filter(user=user, course__archived_at__isnull=True).exists()
