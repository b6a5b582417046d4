"""The form walk's reading of HTML (tests/forms_as_rendered.py) matches what a browser submits
and what assistive technology names."""

from tests.forms_as_rendered import Page

FORM = """
<form method="post" action="../save/">
  <input type="hidden" name="csrfmiddlewaretoken" value="t0k3n">
  <label for="id_title">Title<span class="asteriskField" aria-hidden="true">*</span></label>
  <input id="id_title" name="title" value="Career &amp; You">
  <label><input type="checkbox" name="public" value="yes"> Public</label>
  <input type="checkbox" name="archived" checked aria-label="Archived">
  <input type="radio" name="mode" value="video" aria-labelledby="mode-video">
  <span id="mode-video">Video call</span>
  <input type="radio" name="mode" value="phone" checked title="Phone">
  <select name="zone" aria-label="Zone">
    <option value="UTC">UTC</option><option>Asia/Tokyo</option>
  </select>
  <select name="kind" aria-label="Kind">
    <option value="a">A</option><option value="b" selected>B</option>
  </select>
  <select name="empty" aria-label="Empty"></select>
  <select name="many" multiple aria-label="Many"><option value="1">1</option></select>
  <textarea name="notes" aria-label="Notes">
First line</textarea>
  <input type="file" name="upload" aria-label="File">
  <input name="off" disabled value="x" aria-label="Off">
  <button type="submit" name="action" value="save">Save</button>
  <button type="submit" name="action" value="delete" formaction="/delete/">Delete</button>
</form>
<input form="outside" name="later" value="1" aria-label="Later">
<form id="outside" method="post"></form>
<label for="orphan">Required*</label><input id="orphan" name="orphan">
<input name="nameless">
"""


def test_a_form_submits_what_a_browser_would():
    form = Page(FORM).forms[0]

    assert form.submission() == {
        "csrfmiddlewaretoken": ["t0k3n"],
        "title": ["Career & You"],
        "archived": ["on"],  # checked, without a value
        "mode": ["phone"],
        "zone": ["UTC"],  # nothing selected: the first option
        "kind": ["b"],
        "notes": ["First line"],  # the newline after <textarea> is not content
        "action": ["save"],  # the default button, the first one
    }
    assert form.action("/courses/1/edit/") == "/courses/1/save/"


def test_another_button_posts_to_its_formaction():
    form = Page(FORM).forms[0]
    delete = [c for c in form.controls if c.is_submit][1]

    assert form.action("/courses/1/edit/", delete) == "/delete/"
    assert form.submission(delete)["action"] == ["delete"]


def test_a_control_outside_its_form_belongs_to_the_form_it_names():
    page = Page(FORM)

    assert page.forms[1].submission() == {"later": ["1"]}
    assert page.forms[1].action("/page/?q=1") == "/page/?q=1"


def test_accessible_names_come_from_labels_and_aria_without_hidden_text():
    page = Page(FORM)
    names = {c.name or c.attrs.get("id"): page.accessible_name(c) for c in page.controls}

    assert names["title"] == "Title"  # the aria-hidden asterisk is not part of it
    assert names["public"] == "Public"
    assert names["archived"] == "Archived"
    assert names["mode"] == "Phone"  # the last radio, by title; the first by its labelledby
    assert page.accessible_name(page.forms[0].controls[4]) == "Video call"
    assert names["orphan"] == "Required*"
    assert names["nameless"] == ""


def test_a_select_without_options_is_seen():
    empty = Page(FORM).forms[0].control("empty")

    assert empty.options == []
    assert empty.values() == []


def test_messages_are_the_alerts_and_field_errors_a_page_shows():
    page = Page(
        '<div class="alert alert-danger" role="alert">Nothing was saved.</div>'
        '<span class="invalid-feedback"><strong>This field is required.</strong></span>'
        "<p>Plain text</p>"
    )

    assert page.messages == ["Nothing was saved.", "This field is required."]
