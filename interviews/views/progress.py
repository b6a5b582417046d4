"""Views: progress. The class grid and one student's record for staff, and the calendar feed."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from common.paging import PAGE_SIZES, listing_params
from common.urls import absolute_url

from ..calendar import calendar_for
from ..milestones import Status
from ..models import Milestone
from ..permissions import get_assignment_for_staff, get_student_for_staff
from ..progress import assignment_progress, student_record


class ProgressFilterForm(forms.Form):
    milestone = forms.ChoiceField(
        label="Milestone", required=False, choices=[("", "Any milestone"), *Milestone.choices]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.LABELS.items()]
    )
    q = forms.CharField(label="Name or email", required=False, max_length=100, strip=True)
    removed = forms.BooleanField(label="Include removed students", required=False)

    def filters(self) -> dict:
        """The filters to apply; a value not understood is left out, the others still apply."""
        self.is_valid()  # cleaned_data keeps the fields that were valid
        data = self.cleaned_data
        return {
            "milestone": data.get("milestone", ""),
            "status": data.get("status", ""),
            "query": data.get("q", ""),
            "include_removed": data.get("removed", False),
        }


@login_required
@require_GET
def progress(request, course_id, assignment_id):
    assignment, membership = get_assignment_for_staff(request.user, course_id, assignment_id)
    form = ProgressFilterForm(request.GET)
    filters = form.filters()
    table = assignment_progress(
        assignment=assignment,
        now=timezone.now(),
        **filters,
        **listing_params(request),
    )
    return render(
        request,
        "interviews/progress/progress.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "table": table,
            "form": form,
            "filters": filters,
            "filtered": any(filters[k] for k in ("milestone", "status", "query")),
            "page_sizes": PAGE_SIZES,
        },
    )


@login_required
@require_GET
def student_record_view(request, course_id, assignment_id, student_id):
    assignment, student, membership = get_student_for_staff(
        request.user, course_id, assignment_id, student_id
    )
    record = student_record(assignment=assignment, student=student, now=timezone.now())
    return render(
        request,
        "interviews/progress/student_record.html",
        {
            "course": assignment.course,
            "membership": membership,
            "assignment": assignment,
            "record": record,
        },
    )


@login_required
@require_GET
def calendar(request):
    # The public address, as in emails: it is pasted into calendar apps outside this site.
    feed_url = absolute_url(reverse("interviews:calendar_feed", args=[request.user.calendar_token]))
    return render(request, "interviews/calendar/calendar.html", {"feed_url": feed_url})


@login_required
@require_POST
def calendar_rotate(request):
    request.user.rotate_calendar_token()
    messages.success(request, "Your calendar has a new address. The old address no longer works.")
    return redirect("interviews:calendar")


@never_cache
@require_GET
def calendar_feed(request, feed_token):
    """The personal feed: no sign-in, since calendar apps cannot sign in; the secret token
    in the address is the key."""
    user = get_user_model().objects.filter(calendar_token=feed_token, is_active=True).first()
    if user is None:
        raise Http404("No such calendar.")
    body = calendar_for(user=user, base_url=absolute_url(), now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rapport.ics"'
    return response
