"""Views: the student's contacts and interview workflow (plan, questions, log, thank-you,
follow-up, outcome). Only the owning student opens these; staff see interviews on the student
record pages of their course."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from common.refused import Refused, show_refusal

from .. import planning
from ..forms.planning import (
    FOLLOW_UP_FIELDS,
    BankPickForm,
    ContactForm,
    FollowUpForm,
    LogForm,
    NoteForm,
    OutcomeForm,
    OwnQuestionForm,
    PlanForm,
    QuestionActionForm,
)
from ..models import Contact, Interview
from ..permissions import (
    get_assignment_for_student,
    get_contact_for_owner,
    get_interview_for_student,
)

Step = Interview.NextStep
# Where the detail page sends the student for each next step (see Interview.next_step): an
# interview page, or the contact's page to keep in touch; a cancelled interview has none.
NEXT_STEP_PAGES = {
    Step.AGREE_TIME: "interviews:interview_edit",
    Step.PREPARE_QUESTIONS: "interviews:interview_questions",
    Step.HOLD: "interviews:interview_log",
    Step.THANK: "interviews:thank_you_draft",
    Step.RECORD_OUTCOME: "interviews:interview_outcome",
    Step.FOLLOW_UP: "interviews:interview_follow_up",
}


def _next_step_url(interview: Interview, step: Interview.NextStep) -> str:
    if step == Step.KEEP_IN_TOUCH:
        return reverse("interviews:contact_detail", args=[interview.contact_id])
    page = NEXT_STEP_PAGES.get(step)
    return _interview_url(page, interview) if page else ""


def _interview_url(name: str, interview: Interview) -> str:
    assignment = interview.assignment
    return reverse(name, args=[assignment.course_id, assignment.pk, interview.pk])


def _interview_context(interview: Interview, section: str, **extra) -> dict:
    assignment = interview.assignment
    return {
        "interview": interview,
        "assignment": assignment,
        "course": assignment.course,
        "contact": interview.contact,
        "section": section,
        **extra,
    }


# Contacts -----------------------------------------------------------------------------------


@login_required
@require_GET
def contact_list(request):
    query = request.GET.get("q", "").strip()[:100]
    contacts = list(
        Contact.objects.owned_by(request.user)
        .search(query)
        .select_related("referred_by")
        .annotate(interview_count=Count("interviews"))
    )
    now = timezone.now()
    for contact in contacts:
        contact.touch_due = contact.is_keep_in_touch_due(now)
    return render(
        request,
        "interviews/contacts/list.html",
        {
            "contacts": contacts,
            "due": [c for c in contacts if c.touch_due],
            "query": query,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request):
    form = ContactForm(request.POST or None, owner=request.user, now=timezone.now())
    if request.method == "POST" and form.is_valid():
        try:
            contact = planning.contact_create(owner=request.user, **form.contact_fields())
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            messages.success(request, f"{contact.name} was added to your contacts.")
            return redirect("interviews:contact_detail", contact.pk)
    return render(request, "interviews/contacts/form.html", {"form": form})


@login_required
@require_GET
def contact_detail(request, contact_id):
    contact = get_contact_for_owner(request.user, contact_id)
    interviews = contact.interviews.select_related("assignment__course").order_by("-created_at")
    return render(
        request,
        "interviews/contacts/detail.html",
        {
            "contact": contact,
            "interviews": interviews,
            "referred": planning.contact_referred(contact),
            "keep_in_touch_due": contact.is_keep_in_touch_due(timezone.now()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_id):
    contact = get_contact_for_owner(request.user, contact_id)
    # The form edits a copy: after a rejected save the heading keeps the saved name.
    form = ContactForm(
        request.POST or None, instance=copy.copy(contact), owner=request.user, now=timezone.now()
    )
    if request.method == "POST" and form.is_valid():
        try:
            planning.contact_update(contact=contact, **form.contact_fields())
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            messages.success(request, f"{contact.name}’s details were saved.")
            return redirect("interviews:contact_detail", contact.pk)
    return render(request, "interviews/contacts/form.html", {"form": form, "contact": contact})


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request, contact_id):
    contact = get_contact_for_owner(request.user, contact_id)
    if request.method == "POST":
        try:
            planning.contact_delete(contact=contact)
        except Refused as refused:
            show_refusal(refused, request=request)
            return redirect("interviews:contact_detail", contact.pk)
        messages.success(request, f"{contact.name} was deleted from your contacts.")
        return redirect("interviews:contact_list")
    return render(
        request,
        "interviews/contacts/delete.html",
        {"contact": contact, "interview_count": contact.interviews.count()},
    )


# The plan -----------------------------------------------------------------------------------


def _added_contact_message(request, form: PlanForm, interview: Interview) -> None:
    if form.new_contact.is_filled:
        messages.success(request, f"{interview.contact.name} was added to your contacts.")


@login_required
@require_http_methods(["GET", "POST"])
def interview_create(request, course_id, assignment_id):
    assignment, _ = get_assignment_for_student(request.user, course_id, assignment_id)
    now = timezone.now()
    dates = assignment.dates_for_student(request.user)
    context = {"assignment": assignment, "course": assignment.course, "dates": dates}
    if not dates.accepts_work(now):
        if request.method == "POST":
            messages.error(request, "The hard cut-off has passed; nothing new can be planned.")
        return render(request, "interviews/planning/closed.html", context)
    form = PlanForm(request.POST or None, student=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            interview = planning.interview_plan(
                assignment=assignment, student=request.user, now=now, **form.plan_fields()
            )
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            _added_contact_message(request, form, interview)
            messages.success(request, f"Your interview with {interview.contact.name} is planned.")
            for warning in planning.plan_warnings(interview=interview, dates=dates):
                messages.warning(request, warning)
            return redirect(_interview_url("interviews:interview_detail", interview))
    return render(
        request,
        "interviews/planning/plan_form.html",
        {**context, "form": form, "deadline": planning.interview_deadline(dates)},
    )


@login_required
@require_GET
def interview_detail(request, course_id, assignment_id, interview_id):
    interview, _ = get_interview_for_student(request.user, course_id, assignment_id, interview_id)
    dates = interview.assignment.dates_for_student(request.user)
    next_step = interview.next_step()
    return render(
        request,
        "interviews/planning/detail.html",
        _interview_context(
            interview,
            "overview",
            questions=interview.questions.select_related("bank_question"),
            referrals=interview.referrals.all(),
            dates=dates,
            deadline=planning.interview_deadline(dates),
            warnings=planning.plan_warnings(interview=interview, dates=dates),
            next_step=next_step,
            next_url=_next_step_url(interview, next_step),
            location_is_link=interview.location.startswith(("https://", "http://")),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def interview_edit(request, course_id, assignment_id, interview_id):
    interview, _ = get_interview_for_student(request.user, course_id, assignment_id, interview_id)
    form = PlanForm(request.POST or None, student=request.user, interview=interview)
    if request.method == "POST" and form.is_valid():
        try:
            planning.interview_update_plan(interview=interview, **form.plan_fields())
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            _added_contact_message(request, form, interview)
            messages.success(request, "Your plan was saved.")
            dates = interview.assignment.dates_for_student(request.user)
            for warning in planning.plan_warnings(interview=interview, dates=dates):
                messages.warning(request, warning)
            return redirect(_interview_url("interviews:interview_detail", interview))
    dates = interview.assignment.dates_for_student(request.user)
    return render(
        request,
        "interviews/planning/plan_form.html",
        _interview_context(
            interview, "plan", form=form, dates=dates, deadline=planning.interview_deadline(dates)
        ),
    )


# Prepared questions -------------------------------------------------------------------------


def _question_action(request, interview, action: str):
    """Run one action of the questions page; returns the form with errors, or None."""
    if action == "pick":
        form = BankPickForm(request.POST, assignment=interview.assignment)
        if form.is_valid():
            added = planning.interview_add_bank_questions(
                interview=interview, bank_questions=list(form.cleaned_data["bank_questions"])
            )
            messages.success(
                request,
                f"{added} question{'s' if added != 1 else ''} added."
                if added
                else "Those questions are already on your list.",
            )
            return None
        return form
    if action == "add":
        form = OwnQuestionForm(request.POST)
        if form.is_valid():
            planning.interview_add_question(interview=interview, text=form.cleaned_data["text"])
            messages.success(request, "Your question was added.")
            return None
        return form
    if action in ("up", "down", "remove"):
        form = QuestionActionForm(request.POST, interview=interview)
        if not form.is_valid():
            messages.error(request, "That question is no longer on your list.")
            return None
        question = form.cleaned_data["question"]
        if action == "remove":
            planning.interview_remove_question(interview=interview, question=question)
            messages.success(request, "The question was removed.")
        else:
            planning.interview_move_question(
                interview=interview, question=question, direction=action
            )
        return None
    if action in ("ready", "not_ready"):
        try:
            planning.interview_set_questions_ready(
                interview=interview, ready=action == "ready", at=timezone.now()
            )
        except Refused as refused:
            show_refusal(refused, request=request)
        else:
            messages.success(
                request,
                "Your questions are ready." if action == "ready" else "You can keep editing.",
            )
        return None
    messages.error(request, "Unknown action.")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def interview_questions(request, course_id, assignment_id, interview_id):
    interview, _ = get_interview_for_student(request.user, course_id, assignment_id, interview_id)
    pick_form = BankPickForm(assignment=interview.assignment)
    own_form = OwnQuestionForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        failed = _question_action(request, interview, action)
        if failed is None:
            anchor = "#bank-heading" if action == "pick" else "#prepared-heading"
            return redirect(_interview_url("interviews:interview_questions", interview) + anchor)
        if action == "pick":
            pick_form = failed
        else:
            own_form = failed
    questions = list(interview.questions.select_related("bank_question"))
    picked = {q.bank_question_id for q in questions if q.bank_question_id}
    bank = sorted(interview.assignment.bank_questions.all(), key=planning.bank_order)
    groups = {}
    for question in bank:
        groups.setdefault(question.get_group_display(), []).append(question)
    return render(
        request,
        "interviews/planning/questions.html",
        _interview_context(
            interview,
            "questions",
            questions=questions,
            groups=groups.items(),
            picked=picked,
            pick_form=pick_form,
            own_form=own_form,
            all_picked=bool(bank) and all(q.pk in picked for q in bank),
        ),
    )


# The log, thank-you, follow-up and outcome ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def interview_log(request, course_id, assignment_id, interview_id):
    interview, _ = get_interview_for_student(request.user, course_id, assignment_id, interview_id)
    form = LogForm(
        request.POST or None, interview=interview, student=request.user, now=timezone.now()
    )
    if request.method == "POST" and form.is_valid():
        was_held = interview.status == Interview.Status.HELD
        planning.interview_save_log(
            interview=interview,
            held_at=form.cleaned_data["held_at"],
            notes=form.cleaned_data["notes"],
            went_poorly=form.cleaned_data["went_poorly"],
        )
        if interview.status == Interview.Status.HELD and not was_held:
            messages.success(
                request, "Logged as held. Now send your thank-you note, within 24 hours."
            )
            return redirect(_interview_url("interviews:thank_you_draft", interview))
        messages.success(request, "Your log was saved.")
        return redirect(_interview_url("interviews:interview_detail", interview))
    return render(
        request, "interviews/planning/log.html", _interview_context(interview, "log", form=form)
    )


NOTE_LABELS = {"thank_you": "Draft note to {name}", "follow_up": "Follow-up note to {name}"}
NOTE_PAGES = {
    "thank_you": "interviews:thank_you_draft",
    "follow_up": "interviews:interview_follow_up",
}


def _note_form(request, interview: Interview, kind: str, draft) -> NoteForm:
    label = NOTE_LABELS[kind].format(name=interview.contact.name)
    if request.method == "POST" and "text" in request.POST:
        return NoteForm(request.POST, label=label)
    return NoteForm(initial={"text": draft.body}, label=label)


def _note_action(request, interview: Interview, kind: str, action: str):
    """Save or reset the note (the page's "Save draft" and "Reset" buttons); returns the
    redirect, or None when the post was about something else or the note is refused."""
    if action not in ("save_draft", "reset_draft"):
        return None
    form = NoteForm(request.POST, label="")
    autosave = request.headers.get("X-Autosave") == "note"
    if not form.is_valid():
        return HttpResponse(" ".join(form.errors.get("text", [])), status=400) if autosave else None
    text = "" if action == "reset_draft" else form.cleaned_data["text"]
    kept = planning.interview_save_draft(interview=interview, kind=kind, text=text)
    if autosave:  # the page's script saves as the student types; no page to show
        return HttpResponse(status=204)
    messages.success(
        request,
        "Your draft was saved with the interview."
        if kept
        else "The suggested draft is shown; it follows your log and outcome until you edit it.",
    )
    return redirect(_interview_url(NOTE_PAGES[kind], interview) + "#note")


def _note_context(request, interview: Interview, kind: str, now, form=None) -> dict:
    page = planning.note_page(interview=interview, student=request.user, kind=kind, now=now)
    return {
        "draft": page.draft,
        "timing": page.timing,
        "note_form": form or _note_form(request, interview, kind, page.draft),
        "now": now,
    }


@login_required
@require_http_methods(["GET", "POST"])
def interview_follow_up(request, course_id, assignment_id, interview_id):
    interview, _ = get_interview_for_student(request.user, course_id, assignment_id, interview_id)
    now = timezone.now()
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ("save_draft", "reset_draft"):
        done = _note_action(request, interview, "follow_up", action)
        if done is not None:
            return done
        return render(
            request,
            "interviews/planning/follow_up.html",
            _interview_context(
                interview, "follow_up",
                form=FollowUpForm(interview=interview, student=request.user, now=now),
                **_note_context(request, interview, "follow_up", now),
            ),
            status=400,
        )  # fmt: skip
    data = request.POST if request.method == "POST" else None
    today = request.POST.get("today")
    if today in FOLLOW_UP_FIELDS:
        # A "today" button: that one day becomes today, the others stay as recorded.
        data = {name: day.isoformat() for name, day in FollowUpForm.recorded_days(
            interview=interview, student=request.user
        ).items()}  # fmt: skip
        data[today] = now.astimezone(request.user.zoneinfo).date().isoformat()
    form = FollowUpForm(data, interview=interview, student=request.user, now=now)
    if request.method == "POST" and form.is_valid():
        planning.interview_save_follow_up(interview=interview, **form.moments())
        messages.success(request, "Your thank-you and follow-up dates were saved.")
        return redirect(_interview_url("interviews:interview_follow_up", interview))
    return render(
        request,
        "interviews/planning/follow_up.html",
        _interview_context(
            interview, "follow_up", form=form, **_note_context(request, interview, "follow_up", now)
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def thank_you_draft(request, course_id, assignment_id, interview_id):
    interview, _ = get_interview_for_student(request.user, course_id, assignment_id, interview_id)
    now = timezone.now()
    if request.method == "POST":
        action = request.POST.get("action", "mark_sent")
        done = _note_action(request, interview, "thank_you", action)
        if done is not None:
            return done
        form = NoteForm(request.POST, label="")
        has_text = "text" in request.POST
        if action == "mark_sent" and (not has_text or form.is_valid()):
            # The note as sent is kept with the interview (a post without it, too, marks sent).
            if has_text:
                planning.interview_save_draft(
                    interview=interview, kind="thank_you", text=form.cleaned_data["text"]
                )
            planning.interview_mark_thank_you_sent(interview=interview, at=now)
            messages.success(request, "Thank-you note marked as sent.")
            return redirect(_interview_url("interviews:interview_detail", interview))
    return render(
        request,
        "interviews/planning/thank_you.html",
        _interview_context(
            interview, "thank_you", **_note_context(request, interview, "thank_you", now)
        ),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def interview_outcome(request, course_id, assignment_id, interview_id):
    interview, _ = get_interview_for_student(request.user, course_id, assignment_id, interview_id)
    form = OutcomeForm(
        request.POST or None,
        interview=interview,
        initial={
            "insights": interview.insights,
            "path_fit": interview.path_fit,
            "offer": interview.offer,
            "referrals": list(interview.referrals.values_list("pk", flat=True)),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            added = planning.interview_save_outcome(interview=interview, **form.outcome_fields())
        except Refused as refused:
            show_refusal(refused, form=form)
        else:
            messages.success(request, "The outcome was saved.")
            if added is not None:
                messages.success(
                    request,
                    f"{added.name} was added to your contacts, referred by "
                    f"{interview.contact.name}.",
                )
            return redirect(_interview_url("interviews:interview_detail", interview))
    return render(
        request,
        "interviews/planning/outcome.html",
        _interview_context(interview, "outcome", form=form),
    )
