"""What an LMS administrator types or pastes to add Rapport: one set of URLs, two shapes."""

from dataclasses import dataclass

from django.urls import reverse

from common.urls import absolute_url

TITLE = "Rapport"
DESCRIPTION = "Informational-interview assignments, write-ups, rubrics and grading."
SCOPES = [
    # What roster sync (NRPS) and grade passback (AGS) will ask for; asked now so that adding
    # them later needs no new developer key.
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


@dataclass(frozen=True)
class ToolUrls:
    tool: str  # the launch URL, also the redirect URI
    login: str
    jwks: str
    canvas_json: str
    domain: str


def tool_urls() -> ToolUrls:
    launch = absolute_url(reverse("lti:launch"))
    return ToolUrls(
        tool=launch,
        login=absolute_url(reverse("lti:login")),
        jwks=absolute_url(reverse("lti:jwks")),
        canvas_json=absolute_url(reverse("lti:canvas_config")),
        domain=launch.split("/")[2],
    )


def canvas_configuration() -> dict:
    """The JSON Canvas's "LTI key" page takes (Method: Paste JSON or Enter URL)."""
    urls = tool_urls()
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.tool,
        "public_jwk_url": urls.jwks,
        "scopes": SCOPES,
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urls.domain,
                "privacy_level": "public",  # name and email: people are recognised in Rapport
                "settings": {
                    "placements": [
                        {
                            "placement": "course_navigation",
                            "message_type": "LtiResourceLinkRequest",
                            "target_link_uri": urls.tool,
                            "text": TITLE,
                        },
                        # Modules → + → External tool, and an assignment's "Submission type:
                        # External tool": the instructor picks a Rapport assignment (deep linking).
                        {
                            "placement": "link_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": urls.tool,
                            "text": TITLE,
                        },
                        {
                            "placement": "assignment_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": urls.tool,
                            "text": TITLE,
                        },
                    ]
                },
            }
        ],
        "custom_fields": {},
    }
