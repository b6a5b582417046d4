"""``common/refused.py``: one refusal type, shown on the form beside its field or as a message."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from common.refused import Refused, show_refusal


class CodeForm(forms.Form):
    code = forms.CharField()


def bound_form() -> CodeForm:
    form = CodeForm({"code": "K7MP4QRX"})
    assert form.is_valid()
    return form


def test_a_refusal_reads_as_its_message_and_names_its_field():
    refused = Refused("No course has that code.", field="code")

    assert str(refused) == refused.message == "No course has that code."
    assert refused.field == "code"
    assert Refused("Archived.").field is None


def test_a_refusal_about_a_field_is_shown_beside_it():
    form = bound_form()

    show_refusal(Refused("No course has that code.", field="code"), form=form)

    assert form.errors == {"code": ["No course has that code."]}


def test_a_refusal_about_the_whole_request_or_a_field_the_form_lacks_goes_on_top():
    form = bound_form()

    show_refusal(Refused("This course is archived."), form=form)
    show_refusal(Refused("Choose a file.", field="file"), form=form)

    assert form.non_field_errors() == ["This course is archived.", "Choose a file."]


def test_without_a_form_the_refusal_is_an_error_message_on_the_next_page():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)

    show_refusal(Refused("Not released. Score every criterion first."), request=request)

    shown = [(m.level_tag, m.message) for m in get_messages(request)]
    assert shown == [("error", "Not released. Score every criterion first.")]


def test_a_refusal_needs_somewhere_to_be_shown():
    with pytest.raises(TypeError):
        show_refusal(Refused("Nowhere to go."))
