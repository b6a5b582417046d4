"""Views: the course gradebook and its CSV exports, for the course's staff (assistants too)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.paging import PAGE_SIZES, listing_params
from courses.permissions import get_course_for_staff

from ..downloads import csv_stream_download
from ..forms.gradebook import ExportForm
from ..gradebook import (
    ExportFormat,
    criteria_lines,
    gradebook_lines,
    gradebook_page,
    gradebook_stream,
)
from ..permissions import get_assignment_for_staff


def file_stem(course) -> str:
    return slugify(course.code or course.title)[:40] or "course"


@login_required
@require_GET
def gradebook(request, course_id):
    course, membership = get_course_for_staff(request.user, course_id)
    query = request.GET.get("q", "").strip()[:100]
    book = gradebook_page(
        course=course,
        query=query,
        **listing_params(request),
    )
    return render(
        request,
        "interviews/gradebook/gradebook.html",
        {
            "course": course,
            "membership": membership,
            "book": book,
            "query": query,
            "page_sizes": PAGE_SIZES,
            "form": ExportForm(),
        },
    )


@never_cache
@login_required
@require_GET
def gradebook_export(request, course_id):
    course, _ = get_course_for_staff(request.user, course_id)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "Unknown export: use format=canvas or format=moodle, and released=all or "
            "released=only.",
            content_type="text/plain; charset=utf-8",
        )
    export_format, released_only = form.cleaned_data["format"], form.cleaned_data["released"]
    book = gradebook_stream(
        course=course,
        released_only=released_only,
        with_comments=export_format == ExportFormat.MOODLE,
    )
    which = "released" if released_only else "graded"
    filename = f"{file_stem(course)}-{export_format}-{which}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_stream_download(gradebook_lines(book, export_format), filename)


@never_cache
@login_required
@require_GET
def criteria_export(request, course_id, assignment_id):
    assignment, _ = get_assignment_for_staff(request.user, course_id, assignment_id)
    title = slugify(assignment.title)[:40] or f"assignment-{assignment.pk}"
    filename = f"{file_stem(assignment.course)}-{title}-criteria.csv"
    return csv_stream_download(criteria_lines(assignment=assignment), filename)
