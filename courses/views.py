import copy

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from common.paging import listing_params
from common.refused import Refused, show_refusal

from . import editing, enrolment, hooks
from .forms import CourseForm, InviteForm, JoinForm, RoleForm, RosterUploadForm
from .models import Membership, Role
from .permissions import (
    course_creation_refusal,
    get_course_for_instructor,
    get_course_for_member,
    get_course_for_staff,
    get_invitation_for_instructor,
    get_membership_for_instructor,
    get_roster_import_for_instructor,
)
from .roster import roster_import_create, roster_import_start
from .tasks import roster_import_progress_key


def _merged(answers: list[dict]) -> dict:
    """The answers of a ``hooks.Query`` as one dict (a later answer wins a shared key)."""
    merged = {}
    for answer in answers:
        merged.update(answer)
    return merged


def home(request):
    if request.user.is_authenticated:
        return redirect("courses:mine")
    return render(request, "home.html")


@login_required
def my_courses(request):
    memberships = (
        Membership.objects.active()
        .filter(user=request.user)
        .select_related("course")
        .annotate(
            student_count=Count(
                "course__memberships",
                filter=Q(
                    course__memberships__role=Role.STUDENT,
                    course__memberships__removed_at__isnull=True,
                ),
            )
        )
        # Active courses first: PostgreSQL would sort the NULLs (active) last.
        .order_by(F("course__archived_at").asc(nulls_first=True), "-course__created_at")
    )
    teaching = [m for m in memberships if m.role != Role.STUDENT]
    taking = [m for m in memberships if m.role == Role.STUDENT]
    return render(
        request,
        "courses/mine.html",
        {
            "teaching": teaching,
            "taking": taking,
            "invitations": enrolment.pending_invitations_for(request.user),
            "may_create_courses": course_creation_refusal(request.user) is None,
            "join_form": JoinForm(),
            **_merged(hooks.my_courses_context(user=request.user, now=timezone.now())),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    refusal = course_creation_refusal(request.user)
    if refusal:
        return render(request, "courses/course_form.html", {"refusal": refusal}, status=403)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        course = enrolment.course_create(creator=request.user, **form.cleaned_data)
        messages.success(request, f"Course “{course.title}” created. Now bring your students in.")
        return redirect("courses:detail", course.pk)
    return render(request, "courses/course_form.html", {"form": form})


@login_required
def course_detail(request, course_id):
    course, membership = get_course_for_member(request.user, course_id)
    members = course.memberships.active()
    context = {
        "course": course,
        "membership": membership,
        # A page costs what it shows: the staff by name, the students as a count.
        "staff": members.exclude(role=Role.STUDENT).select_related("user"),
        "student_count": members.filter(role=Role.STUDENT).count(),
        "pending_invitations": course.invitations.pending().count() if membership.is_staff else 0,
        "join_url": request.build_absolute_uri(
            reverse("courses:join_link", args=[course.join_code])
        ),
        **_merged(hooks.course_home_context(membership=membership)),
    }
    return render(request, "courses/detail.html", context)


@login_required
def roster(request, course_id):
    course, membership = get_course_for_staff(request.user, course_id)
    query = request.GET.get("q", "").strip()[:100]
    roster = enrolment.roster_page(
        course=course,
        query=query,
        **listing_params(request),
    )
    active = roster.members.items
    # Only this page's rows: the badges cost what the page shows.
    quiet = _merged(
        hooks.member_reminder_states(course=course, user_ids=[m.user_id for m in active])
    )
    for m in active:
        m.reminders = quiet.get(m.user_id)  # muted this course or emails off; None: all on
    return render(
        request,
        "courses/roster.html",
        {
            "course": course,
            "membership": membership,
            "roster": roster,
            "active": active,
            "sole_instructor_id": roster.sole_instructor_id,
            "anyone_quiet": bool(quiet),
            "removed": roster.removed,
            "invitations": roster.invitations,
            "query": query,
            "roles": Role.choices,
            "page_sizes": enrolment.ROSTER_PAGE_SIZES,
            "roster_panels": hooks.roster_panels(
                request=request, course=course, membership=membership
            ),
        },
    )


@login_required
@require_POST
def member_change_role(request, course_id, membership_id):
    membership, _ = get_membership_for_instructor(request.user, course_id, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose instructor, assistant or student.")
    else:
        try:
            enrolment.member_change_role(membership=membership, role=form.cleaned_data["role"])
            messages.success(
                request, f"{membership.user} is now {membership.get_role_display().lower()}."
            )
        except Refused as refused:
            show_refusal(refused, request=request)
    return redirect("courses:roster", course_id)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, course_id, membership_id):
    membership, _ = get_membership_for_instructor(request.user, course_id, membership_id)
    if request.method == "POST":
        try:
            enrolment.member_remove(membership=membership)
            messages.success(request, f"{membership.user} was removed. Their past work is kept.")
            if membership.user == request.user:
                return redirect("courses:mine")
        except Refused as refused:
            show_refusal(refused, request=request)
        return redirect("courses:roster", course_id)
    return render(
        request,
        "courses/member_remove.html",
        {
            "course": membership.course,
            "member": membership,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request, course_id):
    course, membership = get_course_for_instructor(request.user, course_id)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment.invitations_create(
                course=course,
                emails=form.cleaned_data["emails"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            count = len(form.cleaned_data["emails"])
            messages.success(request, f"{count} invitation{'s'[: count != 1]} sent.")
            return redirect("courses:roster", course.pk)
    return render(
        request,
        "courses/invite.html",
        {"course": course, "membership": membership, "form": form},
    )


@login_required
@require_POST
def invitation_resend(request, course_id, invitation_id):
    invitation, _ = get_invitation_for_instructor(request.user, course_id, invitation_id)
    try:
        enrolment.invitation_resend(invitation=invitation, by=request.user)
        messages.success(request, f"A new invitation was sent to {invitation.email}.")
    except Refused as refused:
        show_refusal(refused, request=request)
    return redirect("courses:roster", course_id)


@login_required
@require_POST
def invitation_revoke(request, course_id, invitation_id):
    invitation, _ = get_invitation_for_instructor(request.user, course_id, invitation_id)
    try:
        enrolment.invitation_revoke(invitation=invitation)
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    except Refused as refused:
        show_refusal(refused, request=request)
    return redirect("courses:roster", course_id)


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_upload(request, course_id):
    course, membership = get_course_for_instructor(request.user, course_id)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = roster_import_create(
                course=course, uploaded_by=request.user, upload=form.cleaned_data["file"]
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            return redirect("courses:roster_import", course.pk, roster_import.pk)
    return render(
        request,
        "courses/roster_import_upload.html",
        {"course": course, "membership": membership, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_detail(request, course_id, import_id):
    roster_import, membership = get_roster_import_for_instructor(request.user, course_id, import_id)
    if request.method == "POST":
        if roster_import.can_commit:
            roster_import_start(roster_import=roster_import)
        elif roster_import.state == roster_import.State.PREVIEW:
            # Rows with errors; a second click on an import already started needs no message.
            messages.error(request, "Fix the rows marked below and upload the file again.")
        return redirect("courses:roster_import", course_id, import_id)
    rows = roster_import.rows
    return render(
        request,
        "courses/roster_import_detail.html",
        {
            "course": roster_import.course,
            "membership": membership,
            "roster_import": roster_import,
            "rows": rows,
            "error_rows": [row for row in rows if row["errors"]],
            "counts": {
                action: sum(1 for r in rows if r["action"] == action and not r["errors"])
                for action in ("invite", "already")
            },
            "done": cache.get(roster_import_progress_key(roster_import.pk), 0),
        },
    )


@login_required
def roster_import_progress(request, course_id, import_id):
    """The progress fragment polled by the detail page while the import runs."""
    roster_import, _ = get_roster_import_for_instructor(request.user, course_id, import_id)
    response = render(
        request,
        "courses/_roster_import_progress.html",
        {
            "course": roster_import.course,
            "roster_import": roster_import,
            "done": roster_import.processed
            if roster_import.is_finished
            else cache.get(roster_import_progress_key(roster_import.pk), 0),
        },
    )
    if roster_import.is_finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request, course_id):
    course, membership = get_course_for_instructor(request.user, course_id)
    # The form edits a copy: after a rejected save the header still shows the saved course.
    form = CourseForm(request.POST or None, instance=copy.copy(course))
    if request.method == "POST" and form.is_valid():
        editing.course_update(form=form)
        messages.success(request, "Course settings saved.")
        return redirect("courses:settings", course.pk)
    return render(
        request,
        "courses/settings.html",
        {
            "course": course,
            "membership": membership,
            "form": form,
            "join_url": request.build_absolute_uri(
                reverse("courses:join_link", args=[course.join_code])
            ),
        },
    )


@login_required
@require_POST
def course_joining(request, course_id):
    course, _ = get_course_for_instructor(request.user, course_id)
    action = request.POST.get("action")
    if action == "rotate":
        course.rotate_join_code()
        messages.success(
            request, f"New join code {course.join_code}. The old code and link no longer work."
        )
    elif action in ("enable", "disable"):
        course.set_joining(enabled=action == "enable")
        messages.success(
            request, "Joining by code and link is " + ("on." if course.join_enabled else "off.")
        )
    else:
        messages.error(request, "Unknown action.")
    return redirect("courses:settings", course.pk)


@login_required
@require_POST
def course_archive(request, course_id):
    course, _ = get_course_for_instructor(request.user, course_id)
    if request.POST.get("action") == "unarchive":
        editing.course_unarchive(course=course, by=request.user)
        messages.success(request, f"“{course.title}” is active again.")
    else:
        editing.course_archive(course=course, by=request.user, now=timezone.now())
        messages.success(
            request, f"“{course.title}” is archived: nobody new can join; all work is kept."
        )
    return redirect("courses:settings", course.pk)


@login_required
@require_http_methods(["GET", "POST"])
def join(request):
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            membership, created = enrolment.course_join_by_code(
                user=request.user,
                code=form.cleaned_data["code"],
                client_ip=get_adapter(request).get_client_ip(request),
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            course = membership.course
            messages.success(
                request,
                f"You joined {course}." if created else f"You are already in {course}.",
            )
            return redirect("courses:detail", course.pk)
    return render(request, "courses/join.html", {"form": form})


@login_required
def join_link(request, code):
    """A shareable link: confirm before joining so a prefetch never enrols anyone."""
    return redirect(f"{reverse('courses:join')}?code={code}")


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    found = enrolment.invitation_by_token(token)
    problem = enrolment.invitation_problem(found)
    context = {"invitation": found, "problem": problem, "token": token}
    if problem:
        return render(request, "courses/invitation.html", context, status=410 if found else 404)
    if not request.user.is_authenticated:
        # Whoever holds the emailed link owns that address, so sign-up with it needs no
        # second verification email.
        get_adapter(request).stash_verified_email(request, found.email)
        return render(request, "courses/invitation.html", context)
    if not enrolment.user_owns_email(request.user, found.email):
        return render(request, "courses/invitation.html", {**context, "mismatch": True})
    if request.method == "POST":
        return _accept_and_enter(request, found)
    return render(request, "courses/invitation.html", context)


def _accept_and_enter(request, invitation):
    try:
        membership = enrolment.invitation_accept(invitation=invitation, user=request.user)
    except Refused as refused:
        show_refusal(refused, request=request)
        return redirect("courses:mine")
    messages.success(request, f"Welcome to {membership.course}.")
    return redirect("courses:detail", membership.course.pk)


@require_POST
def invitation_switch_account(request, token):
    """Signed in as someone else: sign out and come back to the same invitation."""
    logout(request)
    return redirect("courses:invitation", token)


@login_required
@require_POST
def invitation_accept_mine(request, invitation_id):
    """Accept from My courses an invitation sent to one of the user's own addresses."""
    found = enrolment.pending_invitations_for(request.user).filter(pk=invitation_id).first()
    if found is None:
        raise Http404("No such invitation.")
    return _accept_and_enter(request, found)


@login_required
@require_POST
def invitation_decline_mine(request, invitation_id):
    """Decline from My courses an invitation sent to one of the user's own addresses."""
    found = enrolment.pending_invitations_for(request.user).filter(pk=invitation_id).first()
    if found is None:
        raise Http404("No such invitation.")
    try:
        enrolment.invitation_decline(invitation=found, user=request.user)
        messages.success(request, f"You declined the invitation to {found.course}.")
    except Refused as refused:
        show_refusal(refused, request=request)
    return redirect("courses:mine")


@login_required
@require_http_methods(["GET", "POST"])
def course_leave(request, course_id):
    course, membership = get_course_for_member(request.user, course_id)
    if request.method == "POST":
        try:
            enrolment.member_leave(membership=membership)
        except Refused as refused:
            show_refusal(refused, request=request)
            return redirect("courses:detail", course.pk)
        messages.success(request, f"You left {course}. Your work in it is kept.")
        return redirect("courses:mine")
    return render(
        request,
        "courses/leave.html",
        {
            "course": course,
            "membership": membership,
            "sole_instructor": enrolment.member_is_sole_instructor(membership),
        },
    )


@login_required
@require_POST
def member_readmit(request, course_id, membership_id):
    membership, _ = get_membership_for_instructor(request.user, course_id, membership_id)
    try:
        enrolment.member_readmit(membership=membership)
        messages.success(
            request,
            f"{membership.user} is back in the course as "
            f"{membership.get_role_display().lower()}, with their past work.",
        )
    except Refused as refused:
        show_refusal(refused, request=request)
    return redirect("courses:roster", course_id)
