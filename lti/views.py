"""LTI 1.3: the LMS's OIDC login initiation, the launch, Rapport's JWKS and setup values, the
deep-linking picker and the roster's "Sync now".

Login, launch and JWKS are called by the platform (or its page, in the person's browser) and so
carry no Rapport session or CSRF token; the id_token's signature, nonce and state are the proof.
"""

import base64
import hashlib
import logging
import re

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import Key, LtiLaunch
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from common.refused import Refused
from courses.models import Role
from courses.permissions import get_course_for_instructor

from . import config, deep_linking, registration
from .forms import DeepLinkForm
from .launch import (
    AccountToLink,
    frame_origins,
    frame_origins_of,
    launch_arrive,
    role_from_claim,
)
from .launch import link_account as link_account_to
from .middleware import SESSION_KEY, mark_embedded
from .models import CourseLink
from .permissions import require_operator
from .tasks import sync_roster, sync_roster_after_launch
from .tool import LaunchRefused, RapportToolConfig, message_launch, restored_launch

log = logging.getLogger(__name__)

COOKIES_BLOCKED = (
    "Your browser keeps Rapport from using cookies inside the LMS page. Open Rapport in a new "
    "window to continue. "
)


def refused(request, reason: str, *, status: int = 403, advice: str = ""):
    """The styled refusal every failed login or launch answers, with one log line."""
    log.warning("LTI launch refused (%s): %s", status, reason)
    return render(
        request,
        "lti/refused.html",
        {"reason": reason, "advice": advice},
        status=status,
    )


def _csp_for_inline(response) -> None:
    """pylti1p3's cookie check page is inline script and style: allow exactly those by hash."""
    html = response.content.decode()

    def hashes(pattern):
        found = {m.group(1) for m in re.finditer(pattern, html, re.S)}
        return [
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in sorted(found)
        ]

    scripts = hashes(r"<script[^>]*>(.*?)</script>")
    styles = hashes(r"<style[^>]*>(.*?)</style>") + hashes(r'style="([^"]*)"')
    response._csp_update = {"script-src": scripts, "style-src": ["'unsafe-hashes'", *styles]}


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def oidc_login(request, registration_uuid=None):
    """Step 1: the platform names itself; we send the browser back to it with state + nonce."""
    params = request.POST if request.method == "POST" else request.GET
    if not params.get("iss") or not params.get("login_hint"):
        return refused(request, "login initiation without iss or login_hint", status=400)
    tool_conf = RapportToolConfig(registration_uuid)
    oidc = DjangoOIDCLogin(request, tool_conf, launch_data_storage=DjangoCacheDataStorage())
    try:
        oidc.validate_oidc_login()  # before the cookie check page, which would hide a refusal
        response = oidc.enable_check_cookies(main_msg=COOKIES_BLOCKED).redirect(
            request.build_absolute_uri(reverse("lti:launch"))
        )
    except (OIDCException, LtiException) as error:
        return refused(request, f"login initiation: {error}", status=400)
    if not isinstance(response, HttpResponseRedirect):
        _csp_for_inline(response)
    if tool_conf.registration is not None:
        mark_embedded(response, frame_origins(tool_conf.registration))
    return response


def _landing(arrival) -> str:
    if arrival.assignment_id is not None:
        return reverse(
            "interviews:assignment_detail",
            kwargs={"course_id": arrival.course.pk, "assignment_id": arrival.assignment_id},
        )
    if arrival.role == Role.STUDENT:
        return reverse("interviews:assignment_list", kwargs={"course_id": arrival.course.pk})
    return reverse("courses:detail", kwargs={"course_id": arrival.course.pk})


@csrf_exempt
@xframe_options_exempt
@require_POST
def launch(request):
    """Step 2: the platform posts the id_token; every check passes or nothing happens."""
    try:
        try:
            validated = message_launch(request)
        except LtiException as error:
            raise LaunchRefused(str(error)) from error
        lti_launch = LtiLaunch(validated)
        is_deep_link = lti_launch.is_deep_link_launch
        if not (lti_launch.is_resource_launch or is_deep_link):
            raise LaunchRefused(
                "only resource-link and deep-linking launches are supported", status=400
            )
        if is_deep_link and role_from_claim(lti_launch.roles_claim or []) != Role.INSTRUCTOR:
            raise LaunchRefused("a deep-linking request from someone not an instructor")
        return _arrived(request, lti_launch, launch_arrive(lti_launch=lti_launch), sign_in=True)
    except AccountToLink as named:
        return _ask_how_to_sign_in(request, lti_launch, named.email)
    except LaunchRefused as refusal:
        return refused(request, refusal.reason, status=refusal.status)
    except Refused as refusal:
        return refused(request, refusal.message, status=403, advice=refusal.message)


def _arrived(request, lti_launch, arrival, *, sign_in: bool):
    """The launch is the person's: signed in (unless they are already, as themselves), into
    the course, on to the assignment, the course or the deep-linking picker. Raises Refused."""
    deep_link_data = None
    if lti_launch.is_deep_link_launch:
        deep_link_data = deep_linking.deep_link_request(
            lti_launch=lti_launch, course_id=arrival.course.pk
        )
    registration = lti_launch.registration
    if sign_in:
        request.session.flush()
        login(request, arrival.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(LINK_SESSION_KEY, None)
    origins = frame_origins(registration)
    request.session[SESSION_KEY] = origins
    log.info(
        "LTI launch: %s (%s) into course %s from %s",
        arrival.user.pk, arrival.role, arrival.course.pk, registration.issuer,
    )  # fmt: skip
    sync_roster_after_launch(CourseLink.objects.get(context=lti_launch.context))
    if deep_link_data is not None:
        # The picker answers the LMS; until then the request waits in the session.
        request.session[deep_linking.SESSION_KEY] = deep_link_data
        response = redirect("lti:deep_link")
    else:
        response = redirect(_landing(arrival))
    mark_embedded(response, origins)
    return response


# An LMS naming an address a Rapport account has ------------------------------------------

LINK_SESSION_KEY = "lti_account_to_link"


def _ask_how_to_sign_in(request, lti_launch, email: str):
    """The verified launch waits in the (server-side) session while its person chooses: sign
    in to the account with this address and link it, or an account of their own."""
    origins = frame_origins(lti_launch.registration)
    request.session.flush()  # whoever was signed in here, nobody is now
    request.session[LINK_SESSION_KEY] = {
        "launch": lti_launch.get_launch_data(), "email": email, "origins": origins,
    }  # fmt: skip
    request.session[SESSION_KEY] = origins
    login_url = f"{reverse('account_login')}?next={reverse('lti:link_account')}"
    response = render(
        request, "lti/account_to_link.html",
        {"email": email, "lms": lti_launch.registration.name, "login_url": login_url},
    )  # fmt: skip
    mark_embedded(response, origins)
    return response


def _pending(request):
    pending = request.session.get(LINK_SESSION_KEY)
    if not pending:
        raise Refused(
            "Nothing is waiting to be linked here: open Rapport from your LMS course again."
        )
    return pending


def _owns(user, email: str) -> bool:
    if user.email.lower() == email:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@login_required
@require_http_methods(["GET", "POST"])
def link_account(request):
    """After signing in: link the LMS identity to this account (it is the one the LMS named),
    then go on as the launch would have."""
    try:
        pending = _pending(request)
        if not _owns(request.user, pending["email"]):
            raise Refused(
                f"You are signed in as {request.user.email}, but your LMS names "
                f"{pending['email']}. Sign out, then sign in to that account, or open Rapport "
                "from the LMS again and choose an account of its own."
            )
        lti_launch = LtiLaunch(restored_launch(request, pending["launch"]))
        if request.method == "GET":
            return render(
                request, "lti/link_confirm.html",
                {"email": pending["email"], "lms": lti_launch.registration.name},
            )  # fmt: skip
        arrival = link_account_to(lti_launch=lti_launch, user=request.user)
        return _arrived(request, lti_launch, arrival, sign_in=False)
    except Refused as refusal:
        return refused(request, refusal.message, status=403, advice=refusal.message)


@require_POST
def link_separate(request):
    """The person keeps the LMS apart: an account of their own for it, without an address."""
    try:
        lti_launch = LtiLaunch(restored_launch(request, _pending(request)["launch"]))
        arrival = launch_arrive(lti_launch=lti_launch, separate=True)
        return _arrived(request, lti_launch, arrival, sign_in=True)
    except Refused as refusal:
        return refused(request, refusal.message, status=403, advice=refusal.message)


@require_GET
def jwks(request):
    """Rapport's public keys (every key not yet retired), for platforms to check our JWTs."""
    return JsonResponse(Key.objects.as_jwks())


@require_GET
def canvas_config(request):
    """The JSON for Canvas's developer key page (paste it, or give Canvas this URL)."""
    return JsonResponse(config.canvas_configuration(), json_dumps_params={"indent": 2})


@login_required
@require_GET
def setup(request):
    """For operators: the values each LMS's form asks for."""
    require_operator(request.user)
    registration_url = request.build_absolute_uri(
        reverse(
            "lti:dynamic_registration", kwargs={"signed": registration.registration_token_new()}
        )
    )
    return render(
        request, "lti/setup.html",
        {"urls": config.tool_urls(), "registration_url": registration_url},
    )  # fmt: skip


@xframe_options_exempt
@require_GET
def dynamic_registration(request, signed):
    """LTI Dynamic Registration, opened by the LMS (often in an iframe) from a link an operator
    made; the signed token stands in for the operator's session, which the iframe lacks."""
    try:
        registration.check_token(signed)
        openid_configuration = request.GET.get("openid_configuration", "")
        if not openid_configuration:
            raise Refused("Open this link from your LMS's tool registration page.")
        registered = registration.dynamic_register(
            token=signed,
            openid_configuration=openid_configuration,
            registration_token=request.GET.get("registration_token", ""),
        )
    except Refused as refusal:
        log.warning("LTI dynamic registration refused: %s", refusal.message)
        response = render(
            request, "lti/registration_refused.html", {"reason": refusal.message}, status=403
        )
        # The LMS shows this page in its iframe; it offers nothing to click, so it may be framed
        # by the page that claims to be the LMS.
        claimed = frame_origins_of(request.GET.get("openid_configuration", ""))
        if claimed:
            mark_embedded(response, claimed)
        return response
    response = render(
        request,
        "lti/registered.html",
        {"registration": registered, "deployments": registered.deployments.all()},
    )
    mark_embedded(response, frame_origins(registered))
    return response


@login_required
@require_http_methods(["GET", "POST"])
def deep_link(request):
    """The instructor picks the assignment the LMS's deep-linking request places; the answer
    is posted back to the LMS (inside its frame) by the page this returns."""
    request_data = request.session.get(deep_linking.SESSION_KEY)
    if not request_data:
        raise Http404('Start from your LMS\'s "add content" button.')
    course, _membership = get_course_for_instructor(request.user, request_data["course_id"])
    form = DeepLinkForm(request.POST or None, assignments=deep_linking.assignments_to_place(course))
    if request.method == "POST" and form.is_valid():
        assignment = form.cleaned_data["assignment"]
        answer = deep_linking.deep_link_answer(request_data=request_data, assignment=assignment)
        del request.session[deep_linking.SESSION_KEY]  # one answer per request
        log.info("LTI deep link: assignment %s placed by %s", assignment.pk, request.user.pk)
        response = render(
            request, "lti/deep_link_return.html", {"answer": answer, "assignment": assignment}
        )
        response._csp_update = {"form-action": frame_origins_of(answer.return_url)}
        return response
    return render(request, "lti/deep_link.html", {"course": course, "form": form})


@login_required
@require_POST
def roster_sync(request, course_id):
    """An instructor's "Sync now" on the roster of a course linked to an LMS."""
    course, _membership = get_course_for_instructor(request.user, course_id)
    links = list(CourseLink.objects.filter(course=course).exclude(context__memberships_url=""))
    if not links:
        raise Http404("This course's roster does not come from an LMS.")
    for link in links:
        sync_roster.delay_on_commit(link.pk)
    messages.success(request, "Roster sync started. Reload this page in a moment to see it.")
    return redirect("courses:roster", course.pk)
