"""Submitting a form as rendered, by the visible text of the button a person presses: a thin
layer over tests/forms_as_rendered.py (which reads the page as a browser does).

    data = form_data(page, containing="text", button="Save draft")
    data["text"] = "My own words"
    client.post(form_action(page, containing="text", page_url=url), data)
"""

from tests.forms_as_rendered import Control, Form, Page, as_post_data


def _page(response_or_html) -> Page:
    content = getattr(response_or_html, "content", response_or_html)
    return Page(content.decode() if isinstance(content, bytes) else content)


def _button(form: Form, text: str | None) -> Control | None:
    if text is None:
        return None
    buttons = [c for c in form.controls if c.is_submit and " ".join(c.text.split()) == text]
    assert buttons, f"no button {text!r} in the form"
    return buttons[0]


def find_form(response_or_html, *, containing: str) -> Form:
    """The one POST form with a field named ``containing``."""
    return _page(response_or_html).form(containing)


def form_data(response_or_html, *, containing: str, button: str | None = None) -> dict:
    """What the browser sends when ``button`` (its visible text) is pressed."""
    form = find_form(response_or_html, containing=containing)
    return as_post_data(form.submission(_button(form, button)))


def form_action(
    response_or_html, *, containing: str, button: str | None = None, page_url: str = ""
) -> str:
    """Where the form posts when ``button`` is pressed (its formaction, else the form's)."""
    form = find_form(response_or_html, containing=containing)
    return form.action(page_url, _button(form, button))


def button_names(response_or_html, *, containing: str) -> list[str]:
    """The visible text of each submit button of the form."""
    form = find_form(response_or_html, containing=containing)
    return [" ".join(c.text.split()) for c in form.controls if c.is_submit]


def press(client, response_or_html, *, button: str, page_url: str, changes=None, **extra):
    """Press the submit button whose visible text is ``button`` on the page, as a browser
    would (the form's fields as rendered, updated with ``changes``; ``extra`` goes to the
    request, e.g. ``REMOTE_ADDR``); returns the response, redirects followed."""
    page = _page(response_or_html)
    for form in page.forms:
        if form.method != "post":
            continue
        pressed = [c for c in form.controls if c.is_submit and " ".join(c.text.split()) == button]
        if pressed:
            data = {**as_post_data(form.submission(pressed[0])), **(changes or {})}
            return client.post(form.action(page_url, pressed[0]), data, follow=True, **extra)
    raise AssertionError(f"no button {button!r} on the page")
