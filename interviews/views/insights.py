"""Views: the course Insights page and its CSV export of interview outcomes, for the course's
staff (assistants too). Students never see them: the page is about their classmates."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.converters import MAX_ID
from courses.permissions import get_course_for_staff

from ..downloads import csv_stream_download
from ..insights import insights_page, outcome_rows
from .gradebook import file_stem


class InsightsFilterForm(forms.Form):
    """Which assignment to look at; empty (or not understood): the whole course. Whether it is
    one of the course's published assignments is for ``insights_page`` to say."""

    assignment = forms.IntegerField(
        label="Assignment", required=False, min_value=1, max_value=MAX_ID
    )

    def assignment_id(self) -> int | None:
        return self.cleaned_data.get("assignment") if self.is_valid() else None


@login_required
@require_GET
def insights(request, course_id):
    course, membership = get_course_for_staff(request.user, course_id)
    form = InsightsFilterForm(request.GET)
    page = insights_page(course=course, now=timezone.now(), assignment_id=form.assignment_id())
    return render(
        request,
        "interviews/insights/insights.html",
        {"course": course, "membership": membership, "page": page, "form": form},
    )


@never_cache
@login_required
@require_GET
def insights_csv(request, course_id):
    course, _ = get_course_for_staff(request.user, course_id)
    form = InsightsFilterForm(request.GET)
    assignment_id = form.assignment_id()
    suffix = f"-assignment-{assignment_id}" if assignment_id else ""
    filename = f"{file_stem(course)}-interview-outcomes{suffix}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_stream_download(outcome_rows(course=course, assignment_id=assignment_id), filename)
