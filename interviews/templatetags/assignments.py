"""``{% course_assignments course as rows %}``: a course's assignments as its viewer sees them,
for pages outside ``interviews`` (the course home)."""

from django import template

from interviews.authoring import assignments_for_viewer

register = template.Library()


@register.simple_tag
def course_assignments(course):
    """Rows for ``course.viewer_membership``: staff see drafts too, students their own dates."""
    return assignments_for_viewer(course=course)
