"""LTI Deep Linking 2.0: an instructor picks the Rapport assignment to place in the LMS.

The LtiDeepLinkingRequest launch is checked as any launch is (``lti.tool``) and signs the
instructor in; what the answer needs (the platform's return URL, its opaque ``data``, the
registration and deployment) waits in their session until they pick. The answer is an
LtiDeepLinkingResponse JWT signed with Rapport's current key (pylti1p3 ``DeepLink``) holding one
``ltiResourceLink`` whose launches carry ``rapport_assignment=<id>`` and whose line item the LMS
creates in its gradebook. The first launch of the placed link records the ``AssignmentLink``
(``lti.launch``).
"""

from dataclasses import dataclass

from lti_tool.models import LtiLaunch, LtiRegistration
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from common.refused import Refused
from interviews.models import Assignment

from .config import tool_urls

SESSION_KEY = "lti_deep_link"
SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LINE_ITEM_TAG = "rapport"


@dataclass(frozen=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str


def deep_link_request(*, lti_launch: LtiLaunch, course_id: int) -> dict:
    """What the answer to this deep-linking launch needs, to keep in the session."""
    settings = lti_launch.get_claim(SETTINGS_CLAIM) or {}
    if not settings.get("deep_link_return_url"):
        raise Refused("The LMS sent no deep_link_return_url with its deep-linking request.")
    if "ltiResourceLink" not in (settings.get("accept_types") or ["ltiResourceLink"]):
        raise Refused("The LMS does not accept LTI resource links here.")
    return {
        "registration_id": lti_launch.registration.pk,
        "deployment_id": lti_launch.deployment.deployment_id,
        "course_id": course_id,
        "settings": {
            "deep_link_return_url": settings["deep_link_return_url"],
            "data": settings.get("data"),
        },
    }


def assignments_to_place(course):
    """What an instructor may place in the LMS: the course's published assignments."""
    return course.assignments.published().order_by("title", "pk")


def deep_link_answer(*, request_data: dict, assignment: Assignment) -> DeepLinkAnswer:
    """The signed LtiDeepLinkingResponse placing ``assignment``."""
    registration = LtiRegistration.objects.active().get(pk=request_data["registration_id"])
    settings = request_data["settings"]
    line_item = (
        LineItem()
        .set_score_maximum(float(assignment.points))
        .set_label(assignment.title)
        .set_resource_id(str(assignment.pk))
        .set_tag(LINE_ITEM_TAG)
    )
    resource = (
        DeepLinkResource()
        .set_title(assignment.title)
        .set_url(tool_urls().tool)
        .set_custom_params({"rapport_assignment": str(assignment.pk)})
        .set_lineitem(line_item)
    )
    deep_link = DeepLink(registration.to_registration(), request_data["deployment_id"], settings)
    return DeepLinkAnswer(
        return_url=settings["deep_link_return_url"], jwt=deep_link.get_response_jwt([resource])
    )
