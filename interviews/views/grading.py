"""Views: grading. The queue of submitted write-ups, the grading page of one write-up (saved in
the background by static/js/grading.js, or posted as a plain form), review and release, and the
grader's comment bank.

The grading page answers a background save with the protocol of views/autosave.py (the
write-up's too): the new revision with the score and the release panel, or the errors per
field (400), or who saved first (409).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.numbers import number
from common.paging import page_size
from common.refused import Refused, show_refusal
from courses.permissions import require_instructor

from .. import grading
from ..forms.grading import (
    FILTERS,
    GradeForm,
    ReleaseConfirmForm,
    ReviewSettingForm,
    SavedCommentForm,
)
from ..grading import GradeConflict
from ..hooks import grade_destinations
from ..models import SavedComment
from ..permissions import (
    get_assignment_for_instructor,
    get_assignment_for_staff,
    get_saved_comment_for_owner,
    get_submission_for_grader,
)
from . import autosave
from .feedback import staff_panel


@dataclass(frozen=True)
class _Listing:
    """The queue as the grader left it: filter, search and sort (``grading.QueueChoice``) and
    the page size. The grading pages carry it in their URLs, so Previous / Next walk that list
    and "Grading queue" goes back to it."""

    choice: grading.QueueChoice
    per: int

    @classmethod
    def of(cls, request) -> "_Listing":
        get = request.GET
        choice = grading.QueueChoice.of(
            filter_key=get.get("filter", ""),
            query=get.get("q", ""),
            sort=get.get("sort", ""),
            direction=get.get("dir", ""),
        )
        return cls(choice=choice, per=page_size(get.get("per", ""), grading.QUEUE_PAGE_SIZES))

    def query(self, **extra) -> str:
        """The query string ("?filter=late&sort=score…") of what differs from the plain queue,
        and ``extra`` (page=…); "" when nothing does."""
        choice, params = self.choice, {}
        if choice.filter_key != "all":
            params["filter"] = choice.filter_key
        if choice.query:
            params["q"] = choice.query
        if (choice.sort, choice.direction) != ("name", "asc"):
            params.update(sort=choice.sort, dir=choice.direction)
        if self.per != grading.QUEUE_PAGE_SIZES[0]:
            params["per"] = self.per
        params.update({key: value for key, value in extra.items() if value})
        return f"?{urlencode(params)}" if params else ""


def _grade_url(assignment, student_id, listing: _Listing) -> str:
    url = reverse("interviews:grade", args=[assignment.course_id, assignment.pk, student_id])
    return url + listing.query()


def _queue_url(assignment, listing: _Listing | None = None, *, page: int | None = None) -> str:
    url = reverse("interviews:grading", args=[assignment.course_id, assignment.pk])
    if listing is None:
        return url
    return url + listing.query(page=page if page != 1 else None)


def _decimal(value) -> str | None:
    return None if value is None else number(value)


def _who(user) -> str:
    if user is None:
        return "Someone else"
    return user.display_name


# The queue ---------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_staff(request.user, course_id, assignment_id)
    listing = _Listing.of(request)
    queue = grading.grading_queue(
        assignment=assignment,
        viewer=request.user,
        choice=listing.choice,
        per=listing.per,
        page=request.GET.get("page", ""),
    )
    return render(
        request,
        "interviews/grading/queue.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "queue": queue,
            "rows": queue.rows,
            "filter": listing.choice.filter_key,
            "query": listing.choice.query,
            "filters": [(k, label, queue.counts[k]) for k, label in FILTERS.items()],
            "filter_label": FILTERS[listing.choice.filter_key],
            "listing_query": listing.query(),
            "page_sizes": grading.QUEUE_PAGE_SIZES,
            "is_instructor": membership.is_instructor,
            "review_form": ReviewSettingForm(initial={"require_review": assignment.require_review}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def release_all(request, course_id, assignment_id):
    """GET asks for confirmation, naming how many students will receive feedback; the POST of
    that confirmation releases, unless the number changed meanwhile (then it asks again)."""
    assignment, membership = get_assignment_for_instructor(request.user, course_id, assignment_id)
    releasable = grading.queue_counts(assignment=assignment, viewer=request.user)["releasable"]
    changed = False
    if request.method == "POST":
        form = ReleaseConfirmForm(request.POST)
        if form.is_valid() and form.cleaned_data["count"] == releasable:
            released = grading.feedback_release(
                assignment=assignment, by=request.user, now=timezone.now()
            )
            if released:
                messages.success(
                    request,
                    f"Feedback released to {released} student{'s'[: released != 1]}. "
                    "They are notified.",
                )
            else:
                messages.info(
                    request, "Nothing to release: no complete, reviewed grade is waiting."
                )
            return redirect(_queue_url(assignment))
        # Confirmed for another number of students than are ready now: ask again.
        changed = form.is_valid()
    return render(
        request,
        "interviews/grading/release_confirm.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "releasable": releasable,
            "changed": changed,
            "form": ReleaseConfirmForm(initial={"count": releasable}),
            "queue_url": _queue_url(assignment),
        },
        status=409 if changed else 200,
    )


@login_required
@require_POST
def review_setting(request, course_id, assignment_id):
    assignment, _ = get_assignment_for_instructor(request.user, course_id, assignment_id)
    form = ReviewSettingForm(request.POST)
    form.is_valid()  # a checkbox: anything but "on" means off
    required = form.cleaned_data.get("require_review", False)
    grading.assignment_require_review(
        assignment=assignment, required=required, by=request.user, now=timezone.now()
    )
    if required:
        messages.success(
            request,
            "An instructor now reviews assistants' grades before they are released.",
        )
    else:
        messages.success(request, "Assistants' grades no longer wait for review.")
    return redirect(_queue_url(assignment))


# The grading page --------------------------------------------------------------------------


def _form(submission, rubric, data=None, *, initial=None) -> GradeForm:
    criteria = grading.criteria_of(rubric)
    possible = rubric.total_points() if criteria else submission.assignment.points
    return GradeForm(data, initial=initial, criteria=criteria, points_possible=possible)


def _grade_of(submission):
    return getattr(submission, "grade", None)


def _page(request, submission, membership, *, rubric, form, conflict=None, status=200):
    assignment = submission.assignment
    course = assignment.course
    student = submission.student
    listing = _Listing.of(request)
    page = grading.grading_page(
        submission=submission, viewer=request.user, choice=listing.choice, now=timezone.now()
    )
    previous, following = page.previous, page.following
    fields = [
        {
            "criterion": criterion,
            "levels": list(criterion.levels.all()),
            "field": form[grading.criterion_field(criterion)],
            "comment": form[grading.comment_field(criterion)],
        }
        for criterion in grading.criteria_of(rubric)
    ]
    context = {
        "course": course,
        "membership": membership,
        "assignment": assignment,
        "submission": submission,
        "student": student,
        "grade": _grade_of(submission),
        "row": page.row,
        "is_removed": page.is_removed,
        "version": page.version,
        "shown": page.shown,
        "answers": page.answers,
        "attachments": page.attachments,
        "evidence": page.evidence,
        "rubric": rubric,
        "criteria_fields": fields,
        "form": form,
        "saved_comments": page.saved_comments,
        "conflict": conflict,
        "conflict_by": _who(conflict.saved_by) if conflict else "",
        "filter": listing.choice.filter_key,
        "filter_label": FILTERS[listing.choice.filter_key],
        "listing_query": listing.query(),
        # Back to the page of the queue this student is on (or would be, if still listed).
        "queue_url": _queue_url(assignment, listing, page=page.place.before // listing.per + 1),
        "form_action": _grade_url(assignment, student.pk, listing),
        "previous_url": _grade_url(assignment, previous.student.pk, listing) if previous else "",
        "next_url": _grade_url(assignment, following.student.pk, listing) if following else "",
        "previous_row": previous,
        "next_row": following,
        "is_instructor": membership.is_instructor,
        "elsewhere": _elsewhere(_grade_of(submission)),
        "panel": staff_panel(submission, _grade_of(submission)),
    }
    return render(request, "interviews/grading/grade.html", context, status=status)


def _elsewhere(grade) -> list[str]:
    """What the apps that send grades on say of this one (an LMS gradebook)."""
    if grade is None:
        return []
    answers = grade_destinations(grade_ids=[grade.pk])
    return [line for answer in answers for line in answer.get(grade.pk, [])]


def _invalid(request, submission, membership, rubric, form):
    if autosave.wants_json(request):
        first = next((e for errors in form.errors.values() for e in errors), "check the form")
        return autosave.invalid(form, message=f"Not saved: {first} — your input is kept.")
    return _page(request, submission, membership, rubric=rubric, form=form, status=400)


def _conflicted(request, submission, membership, rubric, form, conflict: GradeConflict):
    if autosave.wants_json(request):
        when = autosave.clock(conflict.saved_at) if conflict.saved_at else ""
        return autosave.conflict(
            revision=conflict.revision,
            saved_at=conflict.saved_at,
            message=(
                f"Not saved: {_who(conflict.saved_by)} saved this grade at {when} while you "
                "were working — your input is kept."
            ),
            saved_by=_who(conflict.saved_by),
            saved_clock=when,
        )
    return _page(
        request, submission, membership, rubric=rubric, form=form, conflict=conflict, status=409
    )


def _after_save(request, submission, form, action: str) -> str:
    """Do what the pressed button asked beyond saving; returns a message ("" for none)."""
    if action.startswith("bank:"):
        target = action.removeprefix("bank:")
        text = form.cleaned_data.get(target, "") if target in dict(form.comment_targets()) else ""
        try:
            grading.saved_comment_add(owner=request.user, text=text, now=timezone.now())
        except Refused:
            return "Saved. That comment box is empty, so nothing was added to your bank."
        return "Saved, and the comment is in your comment bank."
    return ""


def _insert_saved(request, form) -> bool:
    """Without JavaScript, "Insert" puts the chosen saved comment into the chosen box before
    the save; True when it did."""
    comment_id = form.cleaned_data.get("insert_saved")
    target = form.cleaned_data.get("insert_into") or "overall_comment"
    if comment_id is None:
        form.add_error("insert_saved", "Choose a saved comment to insert.")
        return False
    comment = SavedComment.objects.filter(pk=comment_id, owner=request.user).first()
    if comment is None:
        form.add_error("insert_saved", "Choose one of your saved comments.")
        return False
    form.append_to(target, comment.text)
    grading.saved_comment_use(comment=comment)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def grade(request, course_id, assignment_id, student_id):
    submission, membership = get_submission_for_grader(
        request.user, course_id, assignment_id, student_id
    )
    assignment = submission.assignment
    rubric = grading.rubric_of(assignment)
    grade = _grade_of(submission)
    if request.method == "GET":
        scores = list(grade.scores.all()) if grade else []
        form = _form(submission, rubric, initial=GradeForm.initial_for(grade, scores))
        return _page(request, submission, membership, rubric=rubric, form=form)

    form = _form(submission, rubric, request.POST)
    if not form.is_valid():
        return _invalid(request, submission, membership, rubric, form)
    action = request.POST.get("action", "save")
    if action == "insert" and not _insert_saved(request, form):
        return _invalid(request, submission, membership, rubric, form)
    data = form.cleaned_data
    now = timezone.now()
    listing = _Listing.of(request)
    # "Next" as the page showed it: once graded, the student may sort elsewhere (by state).
    place = (
        grading.queue_place(
            assignment=assignment, viewer=request.user,
            student_id=submission.student_id, choice=listing.choice,
        )
        if action == "next"
        else None
    )  # fmt: skip
    try:
        grade = grading.grade_save(
            submission=submission, grader=request.user, levels=form.levels(),
            points=form.points(), criterion_comments=form.comments(),
            overall_comment=data["overall_comment"], private_note=data["private_note"],
            score=data.get("score"), penalty_override_percent=data["penalty_override_percent"],
            penalty_override_reason=data["penalty_override_reason"],
            expected_revision=form.expected_revision, now=now,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return _invalid(request, submission, membership, rubric, form)
    except GradeConflict as conflict:
        return _conflicted(request, submission, membership, rubric, form, conflict)

    if autosave.wants_json(request):
        return autosave.saved(
            revision=grade.revision,
            saved_at=now,
            message=f"Saved at {autosave.clock(now)}",
            state=grade.get_state_display(),
            score=_decimal(grade.score),
            final_score=_decimal(grade.final_score),
            points_possible=_decimal(grade.points_possible),
            penalty_percent=_decimal(grade.penalty_percent),
            # Review and release follow the grade just saved ("Release" once it is complete).
            release_html=render_to_string(
                "interviews/grading/_release.html",
                {
                    "grade": grade,
                    "course": assignment.course,
                    "assignment": assignment,
                    "student": submission.student,
                    "listing_query": listing.query(),
                    "is_instructor": membership.is_instructor,
                    "elsewhere": _elsewhere(grade),
                },
                request=request,
            ),
        )
    note = _after_save(request, submission, form, action)
    if place is not None:
        messages.success(request, f"Saved the grade of {_who(submission.student)}.")
        if place.following is None:
            messages.info(request, "That was the last write-up in this list.")
            return redirect(_queue_url(assignment, listing, page=place.before // listing.per + 1))
        return redirect(_grade_url(assignment, place.following.student.pk, listing))
    messages.success(request, note or f"Saved at {autosave.clock(now)}.")
    return redirect(_grade_url(assignment, submission.student_id, listing))


def _graded_submission(request, course_id, assignment_id, student_id):
    """(submission, grade) for an instructor-only action on one student's grade."""
    submission, membership = get_submission_for_grader(
        request.user, course_id, assignment_id, student_id
    )
    require_instructor(membership)
    grade = _grade_of(submission)
    if grade is None:
        raise Http404("Not graded yet.")
    grade.submission = submission
    return submission, grade


def _back_to_grade(request, submission):
    """Back to the grading page of ``submission``, in the queue list the action came from."""
    assignment, listing = submission.assignment, _Listing.of(request)
    return redirect(_grade_url(assignment, submission.student_id, listing))


@login_required
@require_POST
def grade_release(request, course_id, assignment_id, student_id):
    submission, grade = _graded_submission(request, course_id, assignment_id, student_id)
    try:
        released = grading.grade_release(grade=grade, by=request.user, now=timezone.now())
    except Refused as refused:
        show_refusal(refused, request=request)
    else:
        if released:
            messages.success(
                request, f"Feedback released to {_who(submission.student)}. They are notified."
            )
        else:
            messages.info(request, "This feedback was already released.")
    return _back_to_grade(request, submission)


@login_required
@require_POST
def grade_unrelease(request, course_id, assignment_id, student_id):
    submission, grade = _graded_submission(request, course_id, assignment_id, student_id)
    if grading.grade_unrelease(grade=grade, by=request.user, now=timezone.now()):
        messages.success(request, f"The feedback is hidden from {_who(submission.student)} again.")
    else:
        messages.info(request, "This feedback was not released.")
    return _back_to_grade(request, submission)


@login_required
@require_POST
def grade_review(request, course_id, assignment_id, student_id):
    submission, grade = _graded_submission(request, course_id, assignment_id, student_id)
    grade = grading.grade_review(grade=grade, reviewer=request.user, now=timezone.now())
    if grade.is_released:
        messages.success(
            request,
            f"Reviewed and released again to {_who(submission.student)}. They are notified.",
        )
    else:
        messages.success(request, "Reviewed: this grade can be released.")
    return _back_to_grade(request, submission)


# The comment bank --------------------------------------------------------------------------


def _comment_json(comment: SavedComment, status=200) -> JsonResponse:
    return JsonResponse(
        {
            "id": comment.pk,
            "text": comment.text,
            "use_count": comment.use_count,
            "use_url": reverse("interviews:saved_comment_use", args=[comment.pk]),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_bank(request):
    grading.require_grader(request.user)
    form = SavedCommentForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                comment = grading.saved_comment_add(
                    owner=request.user, text=form.cleaned_data["text"], now=timezone.now()
                )
            except Refused as refused:
                show_refusal(refused, form=form)
            else:
                if autosave.wants_json(request):
                    return _comment_json(comment, status=201)
                messages.success(request, "Added to your comment bank.")
                return redirect("interviews:comment_bank")
        if autosave.wants_json(request):
            return autosave.invalid(form, message="Not added to your comment bank.")
        status = 400
    else:
        status = 200
    return render(
        request,
        "interviews/grading/comment_bank.html",
        {"form": form, "comments": SavedComment.objects.filter(owner=request.user)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def saved_comment_edit(request, comment_id):
    comment = get_saved_comment_for_owner(request.user, comment_id)
    form = SavedCommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            grading.saved_comment_update(comment=comment, text=form.cleaned_data["text"])
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            messages.success(request, "Comment updated.")
            return redirect("interviews:comment_bank")
    return render(
        request,
        "interviews/grading/comment_edit.html",
        {"form": form, "comment": comment},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def saved_comment_delete(request, comment_id):
    comment = get_saved_comment_for_owner(request.user, comment_id)
    grading.saved_comment_delete(comment=comment)
    messages.success(request, "Comment deleted from your bank.")
    return redirect("interviews:comment_bank")


@login_required
@require_POST
def saved_comment_use(request, comment_id):
    """Counts a use when the grading page's script inserts the comment."""
    comment = get_saved_comment_for_owner(request.user, comment_id)
    return _comment_json(grading.saved_comment_use(comment=comment))
