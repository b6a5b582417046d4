"""Views: authoring. Instructors write, publish, duplicate and extend assignments; every member
of the course reads them (students only once published, with their own dates)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.permissions import get_course_for_instructor, get_course_for_member

from .. import authoring
from ..assignment_page import assignment_page
from ..authoring import (
    DEFAULT_PROMPTS,
    DEFAULT_QUESTIONS,
    PromptInput,
    assignments_for_viewer,
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
from ..models import Assignment
from ..permissions import (
    get_assignment_for_instructor,
    get_assignment_for_member,
    get_assignment_for_staff,
    get_extension_for_instructor,
)


@login_required
@require_GET
def assignment_list(request, course_id):
    course, membership = get_course_for_member(request.user, course_id)
    return render(
        request,
        "interviews/authoring/assignment_list.html",
        {
            "course": course,
            "membership": membership,
            "rows": assignments_for_viewer(membership=membership),
        },
    )


def _authoring_page(request, assignment: Assignment, membership, *, prompts, questions):
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
            "membership": membership,
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
    course, membership = get_course_for_instructor(request.user, course_id)
    assignment = Assignment(course=course, created_by=request.user)
    return _authoring_page(
        request, assignment, membership, prompts=[PromptInput(t) for t in DEFAULT_PROMPTS],
        questions=DEFAULT_QUESTIONS,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_instructor(request.user, course_id, assignment_id)
    return _authoring_page(
        request, assignment, membership, prompts=assignment.prompts.all(),
        questions=assignment.bank_questions.order_by("position", "pk"),
    )  # fmt: skip


@login_required
@require_GET
def assignment_detail(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_member(request.user, course_id, assignment_id)
    page = assignment_page(
        assignment=assignment, viewer=request.user, membership=membership, now=timezone.now()
    )
    template = "assignment_staff" if membership.is_staff else "assignment_student"
    context = {"course": assignment.course, "membership": membership, **page.context()}
    return render(request, f"interviews/authoring/{template}.html", context)


@login_required
@require_POST
def assignment_publish(request, course_id, assignment_id):
    assignment, _ = get_assignment_for_instructor(request.user, course_id, assignment_id)
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
        authoring.assignment_publish(assignment=assignment, by=request.user, now=timezone.now())
        messages.success(request, "Published: the students of the course can see it now.")
    return redirect("interviews:assignment_detail", course_id, assignment.pk)


@login_required
@require_POST
def assignment_unpublish(request, course_id, assignment_id):
    assignment, _ = get_assignment_for_instructor(request.user, course_id, assignment_id)
    if not assignment.is_published:
        messages.info(request, "This assignment is already a draft.")
        return redirect("interviews:assignment_detail", course_id, assignment.pk)
    started = students_with_work(assignment)
    authoring.assignment_unpublish(assignment=assignment, by=request.user)
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
    assignment, membership = get_assignment_for_instructor(request.user, course_id, assignment_id)
    form = DuplicateForm(request.POST or None, assignment=assignment, user=request.user)
    if request.method == "POST" and form.is_valid():
        target, _ = get_course_for_instructor(request.user, form.cleaned_data["target_course"].pk)
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
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def extension_list(request, course_id, assignment_id):
    if request.method == "POST":
        assignment, membership = get_assignment_for_instructor(
            request.user, course_id, assignment_id
        )
    else:
        assignment, membership = get_assignment_for_staff(request.user, course_id, assignment_id)
    form = ExtensionForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        granted = authoring.extension_grant(
            assignment=assignment,
            students=form.cleaned_data["students"],
            dates=form.dates(),
            reason=form.cleaned_data["reason"],
            granted_by=request.user,
        )
        names = ", ".join(e.student.display_name for e in granted)
        messages.success(request, f"Extension granted to {names}.")
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("interviews:extension_list", course_id, assignment.pk)
    return render(
        request,
        "interviews/authoring/extension_list.html",
        {
            "course": assignment.course,
            "membership": membership,
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
    extension, _ = get_extension_for_instructor(
        request.user, course_id, assignment_id, extension_id
    )
    authoring.extension_revoke(extension=extension)
    student = extension.student.display_name
    messages.success(request, f"{student} is back on the assignment's own dates.")
    return redirect("interviews:extension_list", course_id, assignment_id)
