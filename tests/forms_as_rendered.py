"""A page's forms as a browser sees them: what each would submit, and each control's
accessible name. Used by the form walk (tests/test_form_walk.py) and by tests that submit a
form as rendered: GET the page, ``page.form(...).submission()``, change what a person would,
POST it.

Built on :mod:`html.parser`: Django's templates write well-formed HTML, so tag soup recovery
is not needed; void elements and ``aria-hidden`` subtrees are.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
BUTTON_TYPES = {"submit", "image"}
UNNAMED_TYPES = {"hidden", "submit", "button", "reset", "image"}  # need no label
MESSAGE_CLASSES = {"alert", "invalid-feedback", "errorlist", "text-danger"}
MESSAGE_ROLES = {"alert", "status"}


@dataclass
class Control:
    tag: str  # input, select, textarea, button
    attrs: dict
    form: "Form | None" = None
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)
    text: str = ""  # textarea content, button label
    label_text: list[str] = field(default_factory=list)  # wrapping and for= labels
    hidden: bool = False  # inside (or itself) an element with hidden or aria-hidden

    @property
    def name(self) -> str:
        return self.attrs.get("name") or ""

    @property
    def type(self) -> str:
        if self.tag == "input":
            return (self.attrs.get("type") or "text").lower()
        if self.tag == "button":
            return (self.attrs.get("type") or "submit").lower()
        return self.tag

    @property
    def is_submit(self) -> bool:
        return self.tag in ("input", "button") and self.type in BUTTON_TYPES

    @property
    def needs_label(self) -> bool:
        return self.tag != "button" and self.type not in UNNAMED_TYPES

    def values(self) -> list[str]:
        """What this control contributes to a submission (buttons excepted)."""
        if self.is_submit or self.tag == "button" or "disabled" in self.attrs:
            return []
        if self.tag == "select":
            chosen = [value for value, selected in self.options if selected]
            if not chosen and self.options and "multiple" not in self.attrs:
                chosen = [self.options[0][0]]  # a browser submits the first option
            return chosen if "multiple" in self.attrs else chosen[-1:]
        if self.tag == "textarea":
            text = self.text[1:] if self.text.startswith("\n") else self.text
            return [text]
        if self.type in ("checkbox", "radio"):
            return [self.attrs.get("value", "on")] if "checked" in self.attrs else []
        if self.type in ("file", "reset", "button"):
            return []  # no file chosen: the part carries no file, Django ignores it
        return [self.attrs.get("value") or ""]

    def describe(self) -> str:
        return f"<{self.tag} name={self.name!r} id={self.attrs.get('id')!r} type={self.type}>"


@dataclass
class Form:
    attrs: dict
    controls: list[Control] = field(default_factory=list)

    @property
    def method(self) -> str:
        return (self.attrs.get("method") or "get").lower()

    def default_button(self) -> Control | None:
        return next((c for c in self.controls if c.is_submit and "disabled" not in c.attrs), None)

    def action(self, page_url: str, button: Control | None = None) -> str:
        """The path (and query) the form posts to, resolved against the page's URL."""
        target = (button.attrs.get("formaction") if button else None) or self.attrs.get("action")
        split = urlsplit(urljoin(page_url, target or page_url))
        return split.path + (f"?{split.query}" if split.query else "")

    def enctype(self, button: Control | None = None) -> str:
        return (button.attrs.get("formenctype") if button else None) or self.attrs.get(
            "enctype", "application/x-www-form-urlencoded"
        )

    def fields(self) -> dict[str, list[str]]:
        """Every named control's values (buttons excepted), in document order."""
        data: dict[str, list[str]] = {}
        for control in self.controls:
            if control.name and not control.is_submit and control.tag != "button":
                data.setdefault(control.name, []).extend(control.values())
        return data

    def submission(self, button: Control | None = None) -> dict[str, list[str]]:
        """What a browser sends when ``button`` (default: the form's default button) is used."""
        button = button or self.default_button()
        data = {name: values for name, values in self.fields().items() if values}
        if button is not None and button.name:
            data.setdefault(button.name, []).append(button.attrs.get("value", ""))
        return data

    def control(self, name: str) -> Control | None:
        return next((c for c in self.controls if c.name == name), None)

    def describe(self, page_url: str) -> str:
        names = sorted({c.name for c in self.controls if c.name})
        return f"<form method={self.method} action={self.action(page_url)}> with {names}"


class Page(HTMLParser):
    """``Page(html)``: its ``forms``, every ``controls`` (in a form or not), and the
    accessible name of each control."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.controls: list[Control] = []
        self.text_by_id: dict[str, list[str]] = {}
        self.labels_for: dict[str, list[str]] = {}
        self.form_by_id: dict[str, Form] = {}
        self.messages: list[str] = []  # text of alerts and field errors, in page order
        self._stack: list[tuple[str, dict]] = []  # open elements
        self._form: Form | None = None
        self._labels: list[tuple[str | None, list[str], list[Control]]] = []  # open labels
        self._select: Control | None = None
        self._option: list | None = None  # [value or None, selected, text]
        self._textarea: Control | None = None
        self._button: Control | None = None
        self._late: list[Control] = []  # controls with form="id", attached at the end
        self.feed(html)
        self.close()
        for control in self._late:
            form = self.form_by_id.get(control.attrs["form"])
            if form is not None:
                control.form = form
                form.controls.append(control)

    # Parsing

    def _hidden(self, own: dict | None = None) -> bool:
        return any(
            "hidden" in attrs or attrs.get("aria-hidden") == "true"
            for attrs in [*(a for _, a in self._stack), own or {}]
        )

    def handle_starttag(self, tag, attr_list):
        attrs = {key: "" if value is None else value for key, value in attr_list}
        if tag == "form":
            self._form = Form(attrs)
            self.forms.append(self._form)
            if attrs.get("id"):
                self.form_by_id[attrs["id"]] = self._form
        elif tag in ("input", "select", "textarea", "button"):
            control = Control(tag, attrs, hidden=self._hidden(attrs))
            self.controls.append(control)
            if "form" in attrs:
                self._late.append(control)
            elif self._form is not None:
                control.form = self._form
                self._form.controls.append(control)
            for _, _, inside in self._labels:
                inside.append(control)
            if tag == "select":
                self._select = control
            elif tag == "textarea":
                self._textarea = control
            elif tag == "button":
                self._button = control
        elif tag == "option" and self._select is not None:
            self._end_option()  # an option's end tag may be left out
            self._option = [attrs.get("value"), "selected" in attrs, ""]
        elif tag == "label":
            self._labels.append((attrs.get("for") or None, [], []))
        if tag not in VOID:
            self._stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._end_option()
            self._select = None
        elif tag == "option":
            self._end_option()
        elif tag == "textarea":
            self._textarea = None
        elif tag == "button":
            self._button = None
        elif tag == "label" and self._labels:
            target, texts, inside = self._labels.pop()
            text = "".join(texts).strip()
            if target is not None:
                self.labels_for.setdefault(target, []).append(text)
            for control in inside:
                if target is None or control.attrs.get("id") == target:
                    control.label_text.append(text)
        if tag in VOID or tag not in (open_tag for open_tag, _ in self._stack):
            return  # a stray end tag closes nothing
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break

    def _end_option(self):
        if self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select.options.append((text.strip() if value is None else value, selected))
        self._option = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.text += data
            return
        if self._option is not None:
            self._option[2] += data
        if self._button is not None:
            self._button.text += data
        if data.strip() and any(_is_message(attrs) for _, attrs in self._stack):
            self.messages.append(data.strip())
        if self._hidden():
            return  # not part of any accessible name
        for _, texts, _ in self._labels:
            texts.append(data)
        for _, attrs in self._stack:
            if attrs.get("id"):
                self.text_by_id.setdefault(attrs["id"], []).append(data)

    # Reading

    def accessible_name(self, control: Control) -> str:
        """The control's name as assistive technology computes it (the common cases)."""
        attrs = control.attrs
        if attrs.get("aria-labelledby"):
            parts = ["".join(self.text_by_id.get(i, [])) for i in attrs["aria-labelledby"].split()]
            return " ".join(" ".join(parts).split())
        if attrs.get("aria-label", "").strip():
            return " ".join(attrs["aria-label"].split())
        texts = list(control.label_text)
        if attrs.get("id") and not texts:
            texts = self.labels_for.get(attrs["id"], [])
        if not texts and attrs.get("title"):
            texts = [attrs["title"]]
        return " ".join(" ".join(texts).split())

    def form(self, *names: str) -> Form:
        """The one POST form with all of ``names`` among its controls."""
        found = [
            form
            for form in self.forms
            if form.method == "post" and set(names) <= {c.name for c in form.controls}
        ]
        assert len(found) == 1, f"{len(found)} POST forms have the fields {names}"
        return found[0]


def _is_message(attrs: dict) -> bool:
    return bool(
        MESSAGE_CLASSES & set(attrs.get("class", "").split()) or attrs.get("role") in MESSAGE_ROLES
    )


def as_post_data(submission: dict[str, list[str]]) -> dict[str, list[str] | str]:
    """A submission in the shape Django's test client posts."""
    return {name: values[0] if len(values) == 1 else values for name, values in submission.items()}
