"""Views: authoring. Instructors write, publish, duplicate and extend assignments; every member
of the course reads them (students only once published, with their own dates).

Each module lists its own URL patterns; interviews/urls.py joins them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.permissions import get_course_for_instructor, get_course_for_member

from .. import authoring
from ..authoring import (
    DEFAULT_PROMPTS,
    DEFAULT_QUESTIONS,
    MILESTONE_ORDER,
    PromptInput,
    assignments_for_viewer,
    date_order_warnings,
    students_with_work,
)
from ..forms.authoring import (
    AssignmentForm,
    DuplicateForm,
    ExtensionForm,
    prompt_formset,
    question_formset,
)
from ..markdown import render_markdown
from ..milestones import milestone_states
from ..models import Assignment, AttachmentType, BankQuestion
from ..permissions import (
    get_assignment_for_instructor,
    get_assignment_for_member,
    get_assignment_for_staff,
    get_extension_for_instructor,
)


@login_required
@require_GET
def assignment_list(request, course_id):
    course = get_course_for_member(request.user, course_id)
    return render(
        request,
        "interviews/authoring/assignment_list.html",
        {
            "course": course,
            "membership": course.viewer_membership,
            "rows": assignments_for_viewer(course=course),
        },
    )


def _authoring_page(request, assignment: Assignment, *, prompts, questions):
    """The create and edit pages: one form for the assignment, its prompts and its bank."""
    course = assignment.course
    saved_title = assignment.title  # validation writes typed values onto the instance
    data = request.POST if request.method == "POST" else None
    form = AssignmentForm(data, instance=assignment, course=course)
    prompt_forms = prompt_formset(data, prompts=prompts)
    question_forms = question_formset(data, questions=questions)
    creating = assignment.pk is None
    wants_preview = "preview" in request.POST
    if data is not None and not wants_preview:
        valid = [f.is_valid() for f in (form, prompt_forms, question_forms)]
        if all(valid):
            authoring.assignment_save(
                assignment=form.instance,
                prompts=prompt_forms.inputs(),
                questions=question_forms.inputs(),
                reminders=form.reminder_schedule(),
            )
            messages.success(
                request,
                "Assignment created as a draft: students see it once you publish it."
                if creating
                else "Assignment saved.",
            )
            for warning in form.warnings:
                messages.warning(request, warning)
            return redirect("interviews:assignment_detail", course.pk, assignment.pk)
    return render(
        request,
        "interviews/authoring/assignment_form.html",
        {
            "course": course,
            "assignment": assignment,
            "saved_title": saved_title,
            "creating": creating,
            "form": form,
            "prompt_forms": prompt_forms,
            "question_forms": question_forms,
            "preview": render_markdown(request.POST.get("instructions", ""))
            if wants_preview
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request, course_id):
    course = get_course_for_instructor(request.user, course_id)
    assignment = Assignment(course=course, created_by=request.user)
    return _authoring_page(
        request, assignment, prompts=[PromptInput(t) for t in DEFAULT_PROMPTS],
        questions=DEFAULT_QUESTIONS,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request, course_id, assignment_id):
    assignment = get_assignment_for_instructor(request.user, course_id, assignment_id)
    return _authoring_page(
        request, assignment, prompts=assignment.prompts.all(),
        questions=assignment.bank_questions.order_by("position", "pk"),
    )  # fmt: skip


def _bank_by_group(assignment) -> list[tuple[str, list[BankQuestion]]]:
    questions = list(assignment.bank_questions.all())
    return [
        (label, [q for q in questions if q.group == group])
        for group, label in BankQuestion.Group.choices
        if any(q.group == group for q in questions)
    ]


@login_required
@require_GET
def assignment_detail(request, course_id, assignment_id):
    assignment = get_assignment_for_member(request.user, course_id, assignment_id)
    course = assignment.course
    bank = _bank_by_group(assignment)
    context = {
        "course": course,
        "membership": course.viewer_membership,
        "assignment": assignment,
        "prompts": assignment.prompts.all(),
        "bank": bank,
        "has_behavioural": any(q.is_behavioural for _, group in bank for q in group),
        "attachment_labels": [
            AttachmentType(t).label
            for t in assignment.attachment_types
            if t in AttachmentType.values
        ],
    }
    if course.viewer_membership.is_staff:
        context |= {
            "dates": assignment.dates_for(None),
            "date_warnings": date_order_warnings(
                {field: getattr(assignment, field) for field, _ in MILESTONE_ORDER},
                zone_name=course.time_zone,
            ),
            "students_with_work": students_with_work(assignment),
            "extension_count": assignment.extensions.count(),
            "progress_url": reverse("interviews:progress", args=[course.pk, assignment.pk]),
        }
        return render(request, "interviews/authoring/assignment_staff.html", context)
    extension = assignment.extension_for(request.user)
    dates = assignment.dates_for(extension)
    interviews = list(assignment.interviews.filter(student=request.user).select_related("contact"))
    submission = assignment.submissions.filter(student=request.user).first()
    now = timezone.now()
    context |= {
        "extension": extension,
        "dates": dates,
        "states": milestone_states(
            assignment=assignment,
            dates=dates,
            interviews=interviews,
            submission=submission,
            now=now,
        ),
        "accepts_work": dates.accepts_work(now),
        "interviews": [
            (
                interview,
                reverse(
                    "interviews:interview_detail", args=[course.pk, assignment.pk, interview.pk]
                ),
            )
            for interview in interviews
        ],
        "active_interviews": sum(1 for i in interviews if i.is_active),
        "submission": submission,
        "plan_url": reverse("interviews:interview_create", args=[course.pk, assignment.pk]),
        "writeup_url": reverse("interviews:writeup", args=[course.pk, assignment.pk]),
    }
    return render(request, "interviews/authoring/assignment_student.html", context)


@login_required
@require_POST
def assignment_publish(request, course_id, assignment_id):
    assignment = get_assignment_for_instructor(request.user, course_id, assignment_id)
    past = authoring.past_dates_at_publish(assignment=assignment, now=timezone.now())
    if assignment.is_published:
        messages.info(request, "This assignment is already published.")
    elif past and request.POST.get("confirm_past_dates") != "yes":
        return render(
            request,
            "interviews/authoring/assignment_publish_confirm.html",
            {"course": assignment.course, "assignment": assignment, "past": past},
        )
    else:
        assignment.publish()
        messages.success(request, "Published: the students of the course can see it now.")
    return redirect("interviews:assignment_detail", course_id, assignment.pk)


@login_required
@require_POST
def assignment_unpublish(request, course_id, assignment_id):
    assignment = get_assignment_for_instructor(request.user, course_id, assignment_id)
    if not assignment.is_published:
        messages.info(request, "This assignment is already a draft.")
        return redirect("interviews:assignment_detail", course_id, assignment.pk)
    started = students_with_work(assignment)
    assignment.unpublish()
    if started:
        messages.warning(
            request,
            f"Back to draft. {started} student{'s'[: started != 1]} had already started work: "
            "it is kept, but hidden from them until you publish again.",
        )
    else:
        messages.success(request, "Back to draft: students no longer see this assignment.")
    return redirect("interviews:assignment_detail", course_id, assignment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_duplicate(request, course_id, assignment_id):
    assignment = get_assignment_for_instructor(request.user, course_id, assignment_id)
    form = DuplicateForm(request.POST or None, assignment=assignment, user=request.user)
    if request.method == "POST" and form.is_valid():
        target = get_course_for_instructor(request.user, form.cleaned_data["target_course"].pk)
        copy = authoring.assignment_duplicate(
            assignment=assignment,
            into=target,
            shift=form.shift(),
            created_by=request.user,
            title=form.cleaned_data["title"],
        )
        messages.success(
            request,
            f"Copied into {target} as a draft with its prompts and question bank. "
            "Check the dates, then publish it.",
        )
        return redirect("interviews:assignment_detail", target.pk, copy.pk)
    return render(
        request,
        "interviews/authoring/assignment_duplicate.html",
        {"course": assignment.course, "assignment": assignment, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def extension_list(request, course_id, assignment_id):
    if request.method == "POST":
        assignment = get_assignment_for_instructor(request.user, course_id, assignment_id)
    else:
        assignment = get_assignment_for_staff(request.user, course_id, assignment_id)
    form = ExtensionForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        granted = authoring.extension_grant(
            assignment=assignment,
            students=form.cleaned_data["students"],
            dates=form.dates(),
            reason=form.cleaned_data["reason"],
            granted_by=request.user,
        )
        names = ", ".join(e.student.full_name or e.student.email for e in granted)
        messages.success(request, f"Extension granted to {names}.")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("interviews:extension_list", course_id, assignment.pk)
    return render(
        request,
        "interviews/authoring/extension_list.html",
        {
            "course": assignment.course,
            "membership": assignment.course.viewer_membership,
            "assignment": assignment,
            "extensions": assignment.extensions.select_related("student", "granted_by").order_by(
                "student__full_name", "student__email"
            ),
            "form": form,
        },
    )


@login_required
@require_POST
def extension_delete(request, course_id, assignment_id, extension_id):
    extension = get_extension_for_instructor(request.user, course_id, assignment_id, extension_id)
    authoring.extension_revoke(extension=extension)
    student = extension.student.full_name or extension.student.email
    messages.success(request, f"{student} is back on the assignment's own dates.")
    return redirect("interviews:extension_list", course_id, assignment_id)


ASSIGNMENT = "courses/<id:course_id>/assignments/<id:assignment_id>/"
urlpatterns = [
    path("courses/<id:course_id>/assignments/", assignment_list, name="assignment_list"),
    path("courses/<id:course_id>/assignments/new/", assignment_create, name="assignment_create"),
    path(ASSIGNMENT, assignment_detail, name="assignment_detail"),
    path(ASSIGNMENT + "edit/", assignment_edit, name="assignment_edit"),
    path(ASSIGNMENT + "publish/", assignment_publish, name="assignment_publish"),
    path(ASSIGNMENT + "unpublish/", assignment_unpublish, name="assignment_unpublish"),
    path(ASSIGNMENT + "duplicate/", assignment_duplicate, name="assignment_duplicate"),
    path(ASSIGNMENT + "extensions/", extension_list, name="extension_list"),
    path(
        ASSIGNMENT + "extensions/<id:extension_id>/delete/",
        extension_delete,
        name="extension_delete",
    ),
]
