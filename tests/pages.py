"""Reading a response as the person in front of it does: the page's text, one section or field
of it, its messages, and the headers every response must carry."""

import html
import re

from django.conf import settings


def text_of(response_or_html) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    content = getattr(response_or_html, "content", response_or_html)
    if isinstance(content, bytes):
        content = content.decode()
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())
    return re.sub(r" ([.,;:!?])", r"\1", text)


def section(response, heading_id: str) -> str:
    """The text of the ``<section>`` labelled by ``heading_id``."""
    content = response.content.decode()
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', content, re.S)
    assert match, f"no section labelled {heading_id}"
    return text_of(match.group(0))


def field_block(response, name: str) -> str:
    """The HTML of one form field: label, input, help and its error message."""
    content = response.content.decode()
    match = re.search(rf'<div id="div_id_{name}".*?(?=<div id="div_id_|</form>)', content, re.S)
    assert match, f"no field {name}"
    return match.group(0)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def assert_privacy_headers(response, *, signed_in: bool, context: str = "") -> None:
    """What every response must carry; a signed-in person's must also never be stored."""
    assert response.get("Permissions-Policy") == settings.PERMISSIONS_POLICY, context
    assert "Server" not in response, context
    if signed_in:
        cache_control = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        assert {"no-store", "private"} <= cache_control, f"{context}: {cache_control}"
