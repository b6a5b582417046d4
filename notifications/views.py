"""Views: the inbox, the notification settings, and the unsubscribe link from every email."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .emails import user_id_from_unsubscribe_token
from .forms import PreferenceForm
from .inbox import inbox_mark_all_read, internal_path, notification_mark_read
from .models import Notification
from .permissions import get_notification_for_recipient
from .preferences import (
    email_unsubscribe,
    mask_email,
    preference_for,
    preference_save,
    teaches_any_course,
)

PAGE_SIZE = 25


def _inbox_url(page: str | None) -> str:
    url = reverse("notifications:inbox")
    return f"{url}?page={page}" if page and page.isdigit() and page != "1" else url


@login_required
@require_GET
def inbox(request):
    rows = Notification.objects.for_inbox(request.user).only(
        "pk", "subject", "body", "url", "shown_at", "read_at"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request, notification_id):
    notification = get_notification_for_recipient(request.user, notification_id)
    notification_mark_read(notification=notification, now=timezone.now())
    if request.htmx:
        return render(request, "notifications/_item_swap.html", {"notification": notification})
    return redirect(_inbox_url(request.POST.get("page")))


@login_required
@require_POST
def mark_all_read(request):
    count = inbox_mark_all_read(user=request.user, now=timezone.now())
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications:inbox")


@login_required
@require_GET
def open_notification(request, notification_id):
    """Follow a notification's link, marking it read on the way; only paths on this site."""
    notification = get_notification_for_recipient(request.user, notification_id)
    notification_mark_read(notification=notification, now=timezone.now())
    return redirect(internal_path(notification.url) or reverse("notifications:inbox"))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = preference_for(request.user)
    data = request.POST if request.method == "POST" else None  # all boxes off is a choice too
    form = PreferenceForm(
        data,
        user=request.user,
        preference=preference,
        show_staff_kinds=teaches_any_course(request.user),
    )
    if request.method == "POST" and form.is_valid():
        preference_save(
            user=request.user,
            enabled_kinds=form.enabled_kinds(),
            muted_course_ids=[c.pk for c in form.cleaned_data["muted_courses"]],
            offered_course_ids=[c.pk for c in form.offered_courses],
            email_enabled=form.cleaned_data["email_enabled"],
        )
        messages.success(request, "Notification settings saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # RFC 8058 one-click: mail clients post without cookies; the signed token is the key
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, unsubscribe_token):
    """Stop reminder emails from a link in one, without signing in (GET asks, POST does it)."""
    user_id = user_id_from_unsubscribe_token(unsubscribe_token)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    context = {"masked_email": mask_email(user.email), "token": unsubscribe_token}
    if request.method == "POST":
        email_unsubscribe(user=user)
        return render(request, "notifications/unsubscribed.html", context)
    return render(request, "notifications/unsubscribe.html", context)
