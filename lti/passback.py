"""Released grades back to the LMS gradebook (LTI Assignment and Grade Services 2.0).

Planning and sending are apart, as in the reminder engine:

- ``passback_plan`` runs inside the grading change's transaction (``interviews.hooks.
  grades_changed``) and writes what each placement of the assignment owes each student's LMS
  identity: a ``ScorePassback`` row per (assignment link, grade) holding the released score, or a
  withdrawal once the grade is hidden again. Only ``released_at`` decides: a grade that was never
  released gets no row, so it never leaves Rapport. A row whose content is unchanged stays sent.
- ``passback_plan_all`` (``lti.tasks.plan_scores``, hourly from beat) plans every placed grade
  again: a grade released before the assignment was placed, or before its student first came
  from the LMS, is caught up there.
- ``send_due`` (the ``lti.tasks.send_scores`` task: every minute from beat, and on commit after
  a change) claims due rows with ``SELECT … FOR UPDATE SKIP LOCKED``, takes an access token
  (OAuth2 client credentials with a JWT signed by the tool's key, IMS Security Framework 4.1;
  cached until shortly before it expires), finds or creates the line item, and POSTs the score.
  A platform that is down or answers 5xx/429 is tried again with backoff (1, 2, 4 … minutes, at
  most an hour) for as long as it takes; a 4xx that cannot succeed (line item gone, user unknown)
  marks the row failed, with the LMS's answer shown to operators.

A student who never opened Rapport from the LMS has no LMS identity (``LtiUser``) in Rapport, so
nothing is sent for them: the platform's user id is not known.
"""

import hashlib
import logging
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt
import requests
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from lti_tool.models import LtiLineItem, LtiUser
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade as AgsScore
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector

from interviews.models import Grade

from .models import AssignmentLink, ScorePassback
from .tool import PlatformSession

log = logging.getLogger(__name__)

State = ScorePassback.State

SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
LINE_ITEM_TAG = "rapport"
HTTP_TIMEOUT_SECONDS = 10
TICK_LIMIT = 200
# A worker that died while sending leaves its rows "sending"; they are taken again after this.
STALE_SENDING_AFTER = timedelta(minutes=5)
MAX_RETRY_DELAY = timedelta(hours=1)
# Worth trying again: the platform is down, overloaded, or our token was refused (expired).
TRANSIENT_STATUSES = {401, 408, 425, 429, 500, 502, 503, 504}
TOKEN_EARLY_EXPIRY_SECONDS = 60


class PassbackRefused(Exception):
    """The LMS will never take this score as it stands (a 4xx, no line item to send to)."""


# Planning: inside the grading change's transaction


def passback_plan(*, grade_ids: list[int], now: datetime) -> int:
    """Bring the outbox in line with what ``grade_ids``' students may see; returns how many rows
    became pending. Registered on ``interviews.hooks.grades_changed``."""
    grades = list(Grade.objects.filter(pk__in=grade_ids).select_related("submission"))
    links = AssignmentLink.objects.filter(
        assignment_id__in={grade.submission.assignment_id for grade in grades}
    ).select_related("resource_link__context__deployment")
    links_of = defaultdict(list)
    for link in links:
        links_of[link.assignment_id].append(link)
    if not links_of:
        return 0  # not placed in any LMS: the usual case, two queries
    # (registration, Rapport user) -> their LMS identity, in one query
    identities = {
        (lti_user.registration_id, lti_user.auth_user_id): lti_user
        for lti_user in LtiUser.objects.filter(
            registration_id__in={
                link.resource_link.context.deployment.registration_id for link in links
            },
            auth_user_id__in={grade.submission.student_id for grade in grades},
        )
    }
    changed = 0
    with transaction.atomic():  # usually the caller's already; not every caller opens one
        for grade in grades:
            for link in links_of[grade.submission.assignment_id]:
                registration_id = link.resource_link.context.deployment.registration_id
                lti_user = identities.get((registration_id, grade.submission.student_id))
                if lti_user is None:
                    continue  # never came from this LMS: its user id is unknown, nothing to send
                changed += _plan_one(link=link, grade=grade, lti_user=lti_user, now=now)
    if changed:
        transaction.on_commit(_kick, robust=True)  # a broker outage: the next tick sends
    return changed


def passback_plan_all(*, now: datetime, chunk: int = 200) -> int:
    """The safety net (beat, hourly): plan every grade of every placed assignment that is
    released or was sent, so a grade released before its assignment was placed, or before its
    student first came from the LMS, still reaches the gradebook. Unchanged rows stay as they
    are, so nothing is sent twice."""
    ids = list(
        Grade.objects.filter(submission__assignment__lti_links__isnull=False)
        .filter(Q(released_at__isnull=False) | Q(lti_passbacks__isnull=False))
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    changed = 0
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            changed += passback_plan(grade_ids=ids[start : start + chunk], now=now)
    return changed


def _kick() -> None:
    from .tasks import send_scores  # tasks imports this module

    send_scores.delay()


def _plan_one(*, link: AssignmentLink, grade: Grade, lti_user: LtiUser, now: datetime) -> int:
    row = (
        ScorePassback.objects.select_for_update().filter(assignment_link=link, grade=grade).first()
    )
    if grade.is_released and grade.final_score is not None:
        owed = {
            "score_given": grade.final_score,
            "points_possible": grade.points_possible,
            "comment": grade.overall_comment,
        }
        # A grade edited while released keeps its release time; the edit is the newer version.
        stamp = max(grade.released_at, grade.graded_at or grade.released_at)
    elif row is None or row.is_withdrawal:
        return 0  # never released here, or already withdrawn: nothing to send
    elif row.sent_revision is None and row.state != State.SENDING:
        row.delete()  # hidden before any score left: the LMS has nothing to withdraw
        return 0
    else:
        owed = {"score_given": None, "points_possible": row.points_possible, "comment": ""}
        stamp = now
    if row is None:
        ScorePassback.objects.create(
            assignment_link=link, grade=grade, lti_user=lti_user, timestamp=stamp,
            next_attempt_at=now, created_at=now, **owed,
        )  # fmt: skip
        return 1
    if all(getattr(row, field) == value for field, value in owed.items()):
        return 0  # what the LMS has (or is about to get) already: sent once, not again
    ScorePassback.objects.filter(pk=row.pk).update(
        **owed, lti_user=lti_user, timestamp=stamp, revision=F("revision") + 1,
        state=State.PENDING, attempts=0, next_attempt_at=now, last_error="",
    )  # fmt: skip
    return 1


# Sending: the task


def recover_stale(*, now: datetime) -> int:
    return ScorePassback.objects.filter(
        state=State.SENDING, claimed_at__lt=now - STALE_SENDING_AFTER
    ).update(state=State.PENDING, next_attempt_at=now)


def take_due(*, now: datetime, limit: int = TICK_LIMIT) -> list[int]:
    """Mark due rows ``sending`` and return their ids; a second runner at the same moment skips
    the locked rows and gets others (or none)."""
    due = ScorePassback.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
    with transaction.atomic():
        candidates = due.order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            due.filter(pk__in=ids).update(state=State.SENDING, claimed_at=now)
    return ids


def send_due(*, now: datetime) -> dict[str, int]:
    """Send every due score once; returns counts by outcome."""
    recover_stale(now=now)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for pk in take_due(now=now):
        counts[send_one(pk, now=now)] += 1
    return counts


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the first, second, third failure; at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def send_one(pk: int, *, now: datetime) -> str:
    """Send the row ``pk`` (claimed by ``take_due``): "sent", "retry" or "failed"."""
    row = (
        ScorePassback.objects.select_related(
            "lti_user",
            "line_item",
            "grade",
            "assignment_link__assignment",
            "assignment_link__resource_link__context__deployment__registration",
        )
        .filter(pk=pk, state=State.SENDING)
        .first()
    )
    if row is None:
        return "retry"  # changed since it was claimed: pending again, sent at the next tick
    claimed = ScorePassback.objects.filter(pk=pk, revision=row.revision, state=State.SENDING)
    try:
        line_item = _line_item(row)
        _post_score(row, line_item)
    except PassbackRefused as error:
        log.warning("LTI score %s refused by the LMS: %s", pk, error)
        claimed.update(
            state=State.FAILED, attempts=F("attempts") + 1, last_error=str(error)[:2000],
            next_attempt_at=None,
        )  # fmt: skip
        return "failed"
    except DatabaseError:
        raise  # the task is retried; the row is taken again once it is stale
    except Exception as error:  # the LMS down or odd; one bad row must not stop the others
        if isinstance(error, LtiException | requests.RequestException):
            log.info("LTI score %s not sent, will retry: %s", pk, error)
        else:
            log.exception("LTI score %s not sent, will retry", pk)
        attempts = row.attempts + 1
        claimed.update(
            state=State.PENDING, attempts=attempts, last_error=str(error)[:2000],
            next_attempt_at=now + retry_delay(attempts),
        )  # fmt: skip
        return "retry"
    claimed.update(
        state=State.SENT, attempts=F("attempts") + 1, sent_at=now, sent_revision=row.revision,
        line_item=line_item, last_error="", next_attempt_at=None,
    )  # fmt: skip
    return "sent"


def score_for(row: ScorePassback, line_item: LtiLineItem) -> AgsScore:
    """The AGS score of ``row`` on ``line_item``'s scale (AGS 2.0, score publish service)."""
    score = (
        AgsScore()
        .set_user_id(row.lti_user.sub)
        .set_timestamp(row.timestamp.isoformat(timespec="milliseconds"))
    )
    if row.is_withdrawal:
        # No scoreGiven: the platform clears the result; the progress says there is none yet.
        return score.set_activity_progress("Initialized").set_grading_progress("NotReady")
    # 0: a column named by a launch, its maximum unknown (lti/launch.py): the score goes on the
    # grade's own scale, which the platform rescales to the column's (AGS: given / maximum).
    maximum = (
        Decimal(str(line_item.maximum_score))
        or row.points_possible
        or row.assignment_link.assignment.points
    )
    given = row.score_given
    if row.points_possible and maximum != row.points_possible:
        given = (given * maximum / row.points_possible).quantize(Decimal("0.01"), ROUND_HALF_UP)
    score.set_score_given(float(given)).set_score_maximum(float(maximum))
    if row.comment:
        score.set_comment(row.comment)
    return score.set_activity_progress("Completed").set_grading_progress("FullyGraded")


def _post_score(row: ScorePassback, line_item: LtiLineItem) -> None:
    context = row.assignment_link.resource_link.context
    ags = AssignmentsGradesService(
        _connector(row), {"scope": _scopes(context), "lineitem": line_item.url}
    )
    try:
        ags.put_grade(score_for(row, line_item))
    except LtiServiceException as error:
        _raise_refused_unless_transient(error, row)
        raise


def _raise_refused_unless_transient(error: LtiServiceException, row: ScorePassback) -> None:
    status = error.response.status_code
    if status == 401:
        _forget_token(row)
    if status not in TRANSIENT_STATUSES:
        body = error.response.text[:500]
        raise PassbackRefused(f"The LMS answered {status} {error.response.reason}: {body}")


# Line items


def _line_item(row: ScorePassback) -> LtiLineItem:
    """The line item of the row's resource link: the one recorded (deep linking, a launch, an
    earlier send), else found through the line items service (``?resource_link_id=``), else
    created there with the assignment's points, title and id."""
    if row.line_item is not None:
        return row.line_item
    resource_link = row.assignment_link.resource_link
    recorded = LtiLineItem.objects.filter(resource_link=resource_link).first()
    if recorded is not None:
        return recorded
    context = resource_link.context
    if not context.lineitems_url or not (
        context.can_query_lineitems or context.can_manage_lineitems
    ):
        raise PassbackRefused(
            "The LMS gave Rapport no line items service for this course, and no gradebook "
            "column is recorded for this placement."
        )
    assignment = row.assignment_link.assignment
    connector = _connector(row)
    scopes = _scopes(context)
    link_id = resource_link.id_on_platform
    filtered = _with_query(context.lineitems_url, resource_link_id=link_id)
    ags = AssignmentsGradesService(connector, {"scope": scopes, "lineitems": filtered})
    try:
        found = ags.find_lineitem_by_resource_link_id(link_id)
        if found is None:
            if not context.can_manage_lineitems:
                raise PassbackRefused(
                    "The LMS has no gradebook column for this placement and does not let "
                    "Rapport create one."
                )
            wanted = (
                LineItem()
                .set_score_maximum(float(assignment.points))
                .set_label(assignment.title)
                .set_resource_id(str(assignment.pk))  # as deep linking names it
                .set_resource_link_id(link_id)
                .set_tag(LINE_ITEM_TAG)
            )
            answer = connector.make_service_request(
                scopes, context.lineitems_url, is_post=True, data=wanted.get_value(),
                content_type="application/vnd.ims.lis.v2.lineitem+json",
                accept="application/vnd.ims.lis.v2.lineitem+json",
            )  # fmt: skip
            found = LineItem(answer["body"])
    except LtiServiceException as error:
        _raise_refused_unless_transient(error, row)
        raise
    item, _ = LtiLineItem.objects.update_or_create(
        url=found.get_id(),
        defaults={
            "context": context, "resource_link": resource_link,
            "maximum_score": float(found.get_score_maximum() or assignment.points),
            "label": (found.get_label() or assignment.title)[:255],
            "tag": (found.get_tag() or "")[:255],
            "resource_id": (found.get_resource_id() or "")[:255],
        },
    )  # fmt: skip
    return item


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


# Access tokens


def _scopes(context) -> list[str]:
    """What this course's launch claim says Rapport may do: post scores, and manage or read
    line items. Asking for more than granted makes some platforms refuse the token."""
    scopes = [SCOPE_SCORE]
    if context.can_manage_lineitems:
        scopes.append(SCOPE_LINEITEM)
    elif context.can_query_lineitems:
        scopes.append(SCOPE_LINEITEM_READ)
    return scopes


class _Connector(ServiceConnector):
    """pylti1p3's service client, with its access tokens kept in the cache until they expire
    (pylti1p3 keeps them on the instance only, forever)."""

    def __init__(self, registration, *, registration_pk: int):
        super().__init__(
            registration, requests_session=PlatformSession(timeout=HTTP_TIMEOUT_SECONDS)
        )
        self._registration_pk = registration_pk

    def get_access_token(self, scopes) -> str:
        key = _token_key(self._registration_pk, self._registration.get_auth_token_url(), scopes)
        token = cache.get(key)
        if token:
            return token
        token, expires_in = self._fetch_token(sorted(scopes))
        lifetime = max(int(expires_in) - TOKEN_EARLY_EXPIRY_SECONDS, 1)
        cache.set(key, token, lifetime)
        return token

    def _fetch_token(self, scopes: list[str]) -> tuple[str, int]:
        """IMS Security Framework 4.1: the client-credentials grant with a signed JWT."""
        registration = self._registration
        client_id = registration.get_client_id()
        token_url = registration.get_auth_token_url()
        now = int(time.time())
        assertion = jwt.encode(
            {
                "iss": client_id, "sub": client_id,
                "aud": registration.get_auth_audience() or token_url,
                "iat": now - 5, "exp": now + 60, "jti": f"rapport-{uuid.uuid4()}",
            },
            registration.get_tool_private_key(), algorithm="RS256",
            headers={"kid": registration.get_kid()},
        )  # fmt: skip
        answer = self._requests_session.post(token_url, data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": " ".join(scopes),
        })  # fmt: skip
        if not answer.ok:
            raise LtiServiceException(answer)
        body = answer.json()
        return body["access_token"], int(body.get("expires_in") or 3600)


def _token_key(registration_pk: int, token_url: str, scopes) -> str:
    digest = hashlib.sha256(f"{token_url}|{'|'.join(sorted(scopes))}".encode()).hexdigest()
    return f"lti-ags-token:{registration_pk}:{digest[:32]}"


def _connector(row: ScorePassback) -> _Connector:
    registration = row.assignment_link.resource_link.context.deployment.registration
    return _Connector(registration.to_registration(), registration_pk=registration.pk)


def _forget_token(row: ScorePassback) -> None:
    registration = row.assignment_link.resource_link.context.deployment.registration
    context = row.assignment_link.resource_link.context
    cache.delete(_token_key(registration.pk, registration.token_url, _scopes(context)))
