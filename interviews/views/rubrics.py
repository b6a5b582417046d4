"""Views: rubrics. Instructors build an assignment's rubric (criteria, levels, the ready-made
rubric, a copy from another assignment, CSV import and export); assistants and students of the
course read it (students once the assignment is published).

Every page works without JavaScript: each change is a plain form that posts and comes back to
the rubric page, at the criterion it changed.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.numbers import number
from common.refused import Refused, show_refusal

from .. import rubrics
from ..downloads import csv_download
from ..forms.rubrics import (
    CopyForm,
    CriterionForm,
    ImportForm,
    LevelForm,
    MoveForm,
    ReplaceForm,
    RubricTitleForm,
)
from ..models import Assignment, Rubric
from ..permissions import (
    get_assignment_for_instructor,
    get_assignment_for_member,
    get_assignment_for_staff,
    get_criterion_for_instructor,
    get_level_for_instructor,
    get_rubric_for_instructor,
)
from ..rubrics import (
    IMPORT_MAX_BYTES,
    TEMPLATE,
    RubricFileRefused,
    graded_count,
    rubric_sources_for,
)

MAX_PROBLEMS_SHOWN = 50


@dataclass
class Row:
    """One criterion as the pages show it: a saved ``Criterion`` or a template's
    ``CriterionInput``, with its levels and, for instructors, the form adding a level."""

    item: object
    levels: list
    level_form: LevelForm | None = None
    first: bool = False
    last: bool = False
    padding: int = 0  # empty level cells, so every row spans the table


def _rubric_of(assignment: Assignment) -> Rubric | None:
    rubric = (
        Rubric.objects.filter(assignment=assignment).prefetch_related("criteria__levels").first()
    )
    if rubric is not None:
        rubric.assignment = assignment
    return rubric


def _rubric_url(assignment: Assignment, anchor: str = "") -> str:
    url = reverse("interviews:rubric", args=[assignment.course_id, assignment.pk])
    return f"{url}#{anchor}" if anchor else url


def _posted(request, *, files: bool = False):
    """What was posted, or None on GET: a POST with no fields (a bare confirmation) still
    binds the form, unlike ``request.POST or None``."""
    if request.method != "POST":
        return None
    return request.FILES if files else request.POST


def _done(
    request, assignment: Assignment, before: Decimal, text: str, anchor: str = "", *, whole=False
):
    """Say what changed, and the assignment's new worth when the rubric's total moved it (or,
    after replacing the ``whole`` rubric, its worth in any case)."""
    worth = number(assignment.points)
    if assignment.points != before:
        text += f" This assignment is now worth {worth} points."
    elif whole:
        text += f" This assignment is worth {worth} points, the rubric's total."
    messages.success(request, text)
    return redirect(_rubric_url(assignment, anchor))


def _table(items, levels_of) -> dict:
    rows = [Row(item, list(levels_of(item))) for item in items]
    max_levels = max((len(row.levels) for row in rows), default=0) or 1
    for row in rows:
        row.padding = max_levels - len(row.levels) if row.levels else 0
    return {
        "rows": rows,
        "max_levels": max_levels,
        "total": sum((row.item.points for row in rows), Decimal(0)),
    }


def _rubric_page(request, assignment: Assignment, membership, *, bound: dict | None = None):
    """The rubric page; ``bound`` holds the forms that were posted with errors, by key."""
    bound = bound or {}
    course = assignment.course
    rubric = _rubric_of(assignment)
    can_edit = membership.is_instructor
    table = _table(rubric.criteria.all() if rubric else [], lambda c: c.levels.all())
    context = {
        "course": course,
        "membership": membership,
        "assignment": assignment,
        "rubric": rubric,
        "can_edit": can_edit,
        **table,
    }
    if can_edit:
        rows = table["rows"]
        for index, row in enumerate(rows):
            criterion = row.item
            row.first, row.last = index == 0, index == len(rows) - 1
            row.level_form = bound.get(("level", criterion.pk)) or LevelForm(
                auto_id=f"id_level_{criterion.pk}_%s"
            )
        default_title = rubric.title if rubric else f"Rubric for {assignment.title}"[:200]
        context |= {
            "title_form": bound.get("rubric")
            or RubricTitleForm(initial={"title": default_title}, auto_id="id_rubric_%s"),
            "criterion_form": bound.get("criterion")
            or (CriterionForm(auto_id="id_criterion_%s") if rubric else None),
            "graded": graded_count(assignment) if rubric else 0,
            "points_differ": bool(table["rows"]) and assignment.points != table["total"],
        }
    return render(request, "interviews/rubrics/rubric.html", context)


# The rubric page and the rubric as a whole --------------------------------------------------


@login_required
@require_GET
def rubric(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_member(request.user, course_id, assignment_id)
    return _rubric_page(request, assignment, membership)


@login_required
@require_POST
def rubric_create(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_instructor(request.user, course_id, assignment_id)
    if Rubric.objects.filter(assignment=assignment).exists():
        messages.info(request, "This assignment already has a rubric.")
        return redirect(_rubric_url(assignment))
    form = RubricTitleForm(request.POST, auto_id="id_rubric_%s")
    if not form.is_valid():
        return _rubric_page(request, assignment, membership, bound={"rubric": form})
    rubrics.rubric_create(assignment=assignment, title=form.cleaned_data["title"])
    messages.success(request, "Rubric created. Add its criteria below.")
    return redirect(_rubric_url(assignment, "add-criterion-heading"))


@login_required
@require_POST
def rubric_title(request, course_id, assignment_id):
    rubric, membership = get_rubric_for_instructor(request.user, course_id, assignment_id)
    form = RubricTitleForm(request.POST, auto_id="id_rubric_%s")
    if not form.is_valid():
        return _rubric_page(request, rubric.assignment, membership, bound={"rubric": form})
    rubrics.rubric_update(rubric=rubric, title=form.cleaned_data["title"])
    messages.success(request, "Rubric title saved.")
    return redirect(_rubric_url(rubric.assignment))


def _confirm_delete(
    request, assignment, membership, *, heading: str, lines: list[str], cancel: str
):
    return render(
        request,
        "interviews/rubrics/confirm_delete.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "heading": heading,
            "lines": lines,
            "cancel_url": cancel,
            "graded": graded_count(assignment),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rubric_delete(request, course_id, assignment_id):
    rubric, membership = get_rubric_for_instructor(request.user, course_id, assignment_id)
    assignment = rubric.assignment
    if request.method == "POST":
        rubrics.rubric_delete(rubric=rubric)
        messages.success(
            request,
            f"Rubric deleted. The assignment stays worth {number(assignment.points)} "
            "points; change that on its edit page if you need to.",
        )
        return redirect(_rubric_url(assignment))
    count = rubric.criteria.count()
    return _confirm_delete(
        request,
        assignment,
        membership,
        heading=f"Delete the rubric “{rubric.title}”?",
        lines=[
            f"Its {count} criteri{'on' if count == 1 else 'a'} and their levels are deleted. "
            "Copies of it on other assignments stay as they are.",
        ],
        cancel=_rubric_url(assignment),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rubric_template(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_instructor(request.user, course_id, assignment_id)
    current = _rubric_of(assignment)
    form = ReplaceForm(_posted(request), current=current)
    if request.method == "POST" and form.is_valid():
        before = assignment.points
        rubrics.rubric_adopt_template(assignment=assignment)
        return _done(
            request,
            assignment,
            before,
            "The informational-interview rubric is in place: adjust it to your course below.",
            whole=True,
        )
    return render(
        request,
        "interviews/rubrics/template.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "form": form,
            "template_title": rubrics.TEMPLATE_TITLE,
            **_table(TEMPLATE, lambda c: c.levels),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rubric_copy(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_instructor(request.user, course_id, assignment_id)
    current = _rubric_of(assignment)
    sources = rubric_sources_for(user=request.user, exclude=assignment)
    form = CopyForm(_posted(request), current=current, sources=sources)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        before = assignment.points
        rubrics.rubric_copy(source=source.rubric, into=assignment)
        return _done(
            request,
            assignment,
            before,
            f"Copied the rubric of “{source.title}” ({source.course}). This copy is this "
            "assignment's own: changing it leaves the original as it is, and the other way "
            "round.",
            whole=True,
        )
    return render(
        request,
        "interviews/rubrics/copy.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "form": form,
        },
    )


@login_required
@require_GET
def rubric_export(request, course_id, assignment_id):
    assignment, _ = get_assignment_for_staff(request.user, course_id, assignment_id)
    rubric = _rubric_of(assignment)
    if rubric is None:
        raise Http404("This assignment has no rubric.")
    filename = f"{slugify(assignment.title) or 'assignment'}-rubric.csv"
    return csv_download(rubrics.rubric_export_csv(rubric=rubric), filename)


@login_required
@require_http_methods(["GET", "POST"])
def rubric_import(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_instructor(request.user, course_id, assignment_id)
    current = _rubric_of(assignment)
    form = ImportForm(_posted(request), _posted(request, files=True), current=current)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        before = assignment.points
        try:
            rubrics.rubric_import_csv(
                assignment=assignment,
                data=upload.read(IMPORT_MAX_BYTES + 1),
                filename=(upload.name or "")[:200],
            )
        except RubricFileRefused as refused:
            problems = refused.problems
            show_refusal(refused, form=form)
        else:
            return _done(request, assignment, before, "Rubric imported.", whole=True)
    return render(
        request,
        "interviews/rubrics/import.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "form": form,
            "rubric": current,
            "problems": problems[:MAX_PROBLEMS_SHOWN],
            "more_problems": max(len(problems) - MAX_PROBLEMS_SHOWN, 0),
        },
    )


# Criteria -----------------------------------------------------------------------------------


def _edit_page(request, assignment, membership, *, heading: str, intro: str, form, cancel: str):
    return render(
        request,
        "interviews/rubrics/edit.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "heading": heading,
            "intro": intro,
            "form": form,
            "cancel_url": cancel,
        },
    )


@login_required
@require_POST
def criterion_add(request, course_id, assignment_id):
    rubric, membership = get_rubric_for_instructor(request.user, course_id, assignment_id)
    assignment = rubric.assignment
    form = CriterionForm(request.POST, auto_id="id_criterion_%s")
    if not form.is_valid():
        return _rubric_page(request, assignment, membership, bound={"criterion": form})
    before = assignment.points
    data = form.cleaned_data
    try:
        criterion = rubrics.criterion_add(
            rubric=rubric,
            title=data["title"],
            description=data["description"],
            points=data["points"],
            levels=form.level_inputs(),
        )
    except Refused as refused:
        show_refusal(refused, form=form)
        return _rubric_page(request, assignment, membership, bound={"criterion": form})
    return _done(
        request,
        assignment,
        before,
        f"Criterion “{criterion.title}” added.",
        f"edit-criterion-{criterion.pk}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request, course_id, assignment_id, criterion_id):
    criterion, membership = get_criterion_for_instructor(
        request.user, course_id, assignment_id, criterion_id
    )
    rubric = criterion.rubric
    assignment = rubric.assignment
    form = CriterionForm(
        _posted(request),
        criterion=criterion,
        initial={
            "title": criterion.title,
            "description": criterion.description,
            "points": criterion.points,
        },
    )
    anchor = f"edit-criterion-{criterion.pk}"
    if request.method == "POST" and form.is_valid():
        before = assignment.points
        data = form.cleaned_data
        try:
            rubrics.criterion_update(
                criterion=criterion,
                title=data["title"],
                description=data["description"],
                points=data.get("points"),
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            return _done(
                request, assignment, before, f"Criterion “{criterion.title}” saved.", anchor
            )
    has_levels = "points" not in form.fields
    return _edit_page(
        request,
        assignment,
        membership,
        heading=f"Edit the criterion “{criterion.title}”",
        intro=(
            f"It is worth its highest level, {number(criterion.points)} points: change "
            "the levels on the rubric page to change that."
            if has_levels
            else "Without levels, the grader types points from 0 up to the maximum."
        ),
        form=form,
        cancel=_rubric_url(assignment, anchor),
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_delete(request, course_id, assignment_id, criterion_id):
    criterion, membership = get_criterion_for_instructor(
        request.user, course_id, assignment_id, criterion_id
    )
    assignment = criterion.rubric.assignment
    if request.method == "POST":
        before = assignment.points
        rubrics.criterion_delete(criterion=criterion)
        return _done(request, assignment, before, f"Criterion “{criterion.title}” deleted.")
    count = criterion.levels.count()
    return _confirm_delete(
        request,
        assignment,
        membership,
        heading=f"Delete the criterion “{criterion.title}”?",
        lines=[
            f"It is worth {number(criterion.points)} points"
            + (f" and has {count} level{'' if count == 1 else 's'}." if count else ".")
        ],
        cancel=_rubric_url(assignment, f"edit-criterion-{criterion.pk}"),
    )


@login_required
@require_POST
def criterion_move(request, course_id, assignment_id, criterion_id):
    criterion, _ = get_criterion_for_instructor(
        request.user, course_id, assignment_id, criterion_id
    )
    assignment = criterion.rubric.assignment
    form = MoveForm(request.POST)
    if form.is_valid() and rubrics.criterion_move(criterion=criterion, up=form.up):
        messages.success(request, f"Moved “{criterion.title}” {form.cleaned_data['direction']}.")
    return redirect(_rubric_url(assignment, f"edit-criterion-{criterion.pk}"))


# Levels -------------------------------------------------------------------------------------


@login_required
@require_POST
def level_add(request, course_id, assignment_id, criterion_id):
    criterion, membership = get_criterion_for_instructor(
        request.user, course_id, assignment_id, criterion_id
    )
    rubric = criterion.rubric
    assignment = rubric.assignment
    form = LevelForm(request.POST, auto_id=f"id_level_{criterion.pk}_%s")
    if not form.is_valid():
        return _rubric_page(request, assignment, membership, bound={("level", criterion.pk): form})
    before = assignment.points
    data = form.cleaned_data
    try:
        level = rubrics.level_add(
            criterion=criterion,
            title=data["title"],
            points=data["points"],
            description=data["description"],
        )
    except Refused as refused:
        show_refusal(refused, form=form)
        return _rubric_page(request, assignment, membership, bound={("level", criterion.pk): form})
    return _done(
        request,
        assignment,
        before,
        f"Level “{level.title}” added to “{criterion.title}”.",
        f"edit-criterion-{criterion.pk}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def level_edit(request, course_id, assignment_id, level_id):
    level, membership = get_level_for_instructor(request.user, course_id, assignment_id, level_id)
    criterion = level.criterion
    assignment = criterion.rubric.assignment
    form = LevelForm(
        _posted(request),
        initial={"title": level.title, "points": level.points, "description": level.description},
    )
    anchor = f"edit-criterion-{criterion.pk}"
    if request.method == "POST" and form.is_valid():
        before = assignment.points
        data = form.cleaned_data
        try:
            rubrics.level_update(
                level=level,
                title=data["title"],
                points=data["points"],
                description=data["description"],
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            return _done(request, assignment, before, f"Level “{level.title}” saved.", anchor)
    return _edit_page(
        request,
        assignment,
        membership,
        heading=f"Edit the level “{level.title}” of “{criterion.title}”",
        intro="The criterion is worth its highest level.",
        form=form,
        cancel=_rubric_url(assignment, anchor),
    )


@login_required
@require_http_methods(["GET", "POST"])
def level_delete(request, course_id, assignment_id, level_id):
    level, membership = get_level_for_instructor(request.user, course_id, assignment_id, level_id)
    criterion = level.criterion
    assignment = criterion.rubric.assignment
    anchor = f"edit-criterion-{criterion.pk}"
    if request.method == "POST":
        before = assignment.points
        rubrics.level_delete(level=level)
        return _done(
            request,
            assignment,
            before,
            f"Level “{level.title}” deleted from “{criterion.title}”.",
            anchor,
        )
    last = criterion.levels.count() == 1
    return _confirm_delete(
        request,
        assignment,
        membership,
        heading=f"Delete the level “{level.title}” of “{criterion.title}”?",
        lines=[
            f"It is worth {number(level.points)} points.",
            "It is the criterion's only level: without levels, the grader types points up to "
            f"{number(criterion.points)}."
            if last
            else "The criterion is then worth its highest remaining level.",
        ],
        cancel=_rubric_url(assignment, anchor),
    )


@login_required
@require_POST
def level_move(request, course_id, assignment_id, level_id):
    level, _ = get_level_for_instructor(request.user, course_id, assignment_id, level_id)
    assignment = level.criterion.rubric.assignment
    form = MoveForm(request.POST)
    if form.is_valid() and rubrics.level_move(level=level, up=form.up):
        messages.success(request, f"Moved “{level.title}” {form.cleaned_data['direction']}.")
    return redirect(_rubric_url(assignment, f"edit-criterion-{level.criterion_id}"))
