"""Template helpers of the gradebook page.

``{% grade_cells row %}`` writes a row's grade cells: a thousand students × ten assignments
are ten thousand cells, and building each in Python costs a tenth of a template loop with its
conditions (see bench/bench_gradebook.py).
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from interviews.gradebook import CellState, Row

register = template.Library()

LINK_TEXT = {CellState.SUBMITTED: "To grade", CellState.IN_PROGRESS: "In progress"}
NOT_SUBMITTED = (
    '<span aria-hidden="true">—</span><span class="visually-hidden">Not submitted</span>'
)
UNRELEASED = ' <span class="badge text-bg-warning">Unreleased</span>'
REVIEW = ' <span class="badge text-bg-info">Review</span>'
LATE = ' <span class="badge text-bg-danger">Late</span>'


@register.simple_tag
def grade_cells(row: Row) -> SafeString:
    """One ``<td>`` per assignment: the final score (or what stands in for it) linking to the
    grading page, then the marks the legend explains."""
    cells = []
    for cell in row.cells:
        if cell.url:
            text = cell.text or LINK_TEXT[cell.state]
            html = f'<a href="{escape(cell.url)}">{escape(text)}</a>'
            if cell.graded_as:
                html += f' <span class="small">(graded {escape(cell.graded_as)})</span>'
            if cell.needs_review:
                html += REVIEW
            elif cell.state == CellState.UNRELEASED:
                html += UNRELEASED
        else:
            html = NOT_SUBMITTED
        if cell.is_late:
            html += LATE
        cells.append(f"<td>{html}</td>")
    return mark_safe("".join(cells))  # every value in it is escaped above
