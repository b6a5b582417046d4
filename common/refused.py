"""One kind of refusal for every app: a workflow function that will not do what was asked raises
``Refused``, and the view shows it with ``show_refusal``.

Forms check the shape of what was typed; the rules (who may, until when, how many) live in the
workflow functions, which raise ``Refused`` with the words for the person who asked and, when the
refusal is about one thing they typed, the form field it belongs next to::

    try:
        enrolment.course_join_by_code(user=request.user, code=form.cleaned_data["code"])
    except Refused as refused:
        show_refusal(refused, form=form)

A subclass is for a caller that must act differently, not merely word it differently (a revision
conflict shows the other version; a shortfall asks for confirmation).
"""

from django.contrib import messages


class Refused(Exception):
    """What was asked is refused; nothing was changed.

    ``message`` is written for the person who asked, ready to show as it is. ``field`` names the
    form field it is about, or is None when it is about the request as a whole.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


def show_refusal(refused: Refused, *, form=None, request=None) -> None:
    """Show ``refused`` where its reader looks: on ``form``, beside its field (or at the top when
    the form has no such field), else as an error message on ``request``'s next page."""
    if form is not None:
        field = refused.field if refused.field in form.fields else None
        form.add_error(field, refused.message)
    elif request is not None:
        messages.error(request, refused.message)
    else:
        raise TypeError("show_refusal needs the form or the request to show the refusal on.")
