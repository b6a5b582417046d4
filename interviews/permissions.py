"""Who may see or do what with assignments, interviews, contacts and write-ups.

Builds on ``courses.permissions``: course staff see their students' work for that course only;
students see published assignments of their courses and only their own work. Every
``interviews`` view goes through these helpers. A helper that checks the viewer's role in the
course returns their membership beside what it found, ``(object, membership)``; the owner's own
things (contacts, saved comments, a downloaded file) need no role and come alone.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from courses.models import Membership
from courses.permissions import (
    get_course_for_instructor,
    get_course_for_member,
    get_course_for_staff,
)

from .models import (
    Assignment,
    Attachment,
    Contact,
    Criterion,
    Extension,
    Grade,
    Interview,
    Level,
    RegradeRequest,
    Rubric,
    SavedComment,
    Submission,
    SubmissionVersion,
)


def _assignment_in(course, assignment_id) -> Assignment:
    try:
        assignment = course.assignments.get(pk=assignment_id)
    except Assignment.DoesNotExist as exc:
        raise Http404("No such assignment.") from exc
    assignment.course = course
    return assignment


def get_assignment_for_instructor(user, course_id, assignment_id) -> tuple[Assignment, Membership]:
    """An assignment of a course ``user`` instructs (drafts included)."""
    course, membership = get_course_for_instructor(user, course_id)
    return _assignment_in(course, assignment_id), membership


def get_assignment_for_staff(user, course_id, assignment_id) -> tuple[Assignment, Membership]:
    """An assignment of a course ``user`` teaches or assists in (drafts included)."""
    course, membership = get_course_for_staff(user, course_id)
    return _assignment_in(course, assignment_id), membership


def get_assignment_for_member(user, course_id, assignment_id) -> tuple[Assignment, Membership]:
    """Staff get any assignment of the course; students only published ones (drafts: 404)."""
    course, membership = get_course_for_member(user, course_id)
    assignment = _assignment_in(course, assignment_id)
    if not membership.is_staff and not assignment.is_published:
        raise Http404("No such assignment.")
    return assignment, membership


def get_assignment_for_student(user, course_id, assignment_id) -> tuple[Assignment, Membership]:
    """A published assignment of a course where ``user`` is a student (staff: 403)."""
    assignment, membership = get_assignment_for_member(user, course_id, assignment_id)
    if membership.is_staff:
        raise PermissionDenied("Only students of the course do this work.")
    return assignment, membership


def get_extension_for_instructor(
    user, course_id, assignment_id, extension_id
) -> tuple[Extension, Membership]:
    """An extension on an assignment of a course ``user`` instructs; one of another
    assignment (or course) is not found."""
    assignment, membership = get_assignment_for_instructor(user, course_id, assignment_id)
    try:
        extension = assignment.extensions.select_related("student").get(pk=extension_id)
    except Extension.DoesNotExist as exc:
        raise Http404("No such extension.") from exc
    extension.assignment = assignment
    return extension, membership


def get_contact_for_owner(user, contact_id) -> Contact:
    """One of ``user``'s own contacts; anyone else's is not found."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Contact.objects.select_related("referred_by").get(pk=contact_id, owner=user)
    except Contact.DoesNotExist as exc:
        raise Http404("No such contact.") from exc


def get_interview_for_student(
    user, course_id, assignment_id, interview_id
) -> tuple[Interview, Membership]:
    """One of ``user``'s own interviews for a published assignment they are enrolled in."""
    assignment, membership = get_assignment_for_student(user, course_id, assignment_id)
    try:
        interview = assignment.interviews.select_related("contact").get(
            pk=interview_id, student=user
        )
    except Interview.DoesNotExist as exc:
        raise Http404("No such interview.") from exc
    interview.assignment = assignment
    return interview, membership


def get_student_for_staff(user, course_id, assignment_id, student_id):
    """(assignment, student, the viewer's membership) for staff looking at one student's record
    in their course.

    The student must be (or have been) a student of that course; removed students' past work
    stays visible to staff.
    """
    assignment, viewer = get_assignment_for_staff(user, course_id, assignment_id)
    membership = (
        assignment.course.memberships.filter(user_id=student_id, role="student")
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404("No such student in this course.")
    return assignment, membership.user, viewer


def get_submission_for_viewer(
    user, course_id, assignment_id, student_id=None
) -> tuple[Submission, Membership]:
    """A write-up: the student's own (``student_id`` None or theirs) or, for staff, any
    student's of their course."""
    if student_id is None or (user.is_authenticated and student_id == user.pk):
        assignment, membership = get_assignment_for_student(user, course_id, assignment_id)
        student = user
    else:
        assignment, student, membership = get_student_for_staff(
            user, course_id, assignment_id, student_id
        )
    try:
        submission = assignment.submissions.get(student=student)
    except Submission.DoesNotExist as exc:
        raise Http404("No write-up yet.") from exc
    submission.assignment = assignment
    return submission, membership


def get_attachment_for_viewer(user, attachment_id) -> Attachment:
    """An attachment its author may download, and the staff of its course once it is part of
    a submitted version (drafts stay the student's own)."""
    if not user.is_authenticated:
        raise Http404
    attachment = (
        Attachment.objects.select_related("submission__assignment__course")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    submission = attachment.submission
    if submission.student_id == user.pk:
        return attachment
    try:
        get_course_for_staff(user, submission.assignment.course_id)
    except PermissionDenied as exc:
        raise Http404("No such file.") from exc  # classmates learn nothing about it
    if not attachment.versions.exists():
        raise Http404("No such file.")
    return attachment


def get_draft_attachment_for_student(
    user, course_id, assignment_id, attachment_id
) -> tuple[Attachment, Membership]:
    """A file on ``user``'s own draft write-up (one already removed, or anyone else's, is not
    found)."""
    assignment, membership = get_assignment_for_student(user, course_id, assignment_id)
    attachment = (
        Attachment.objects.select_related("submission")
        .filter(
            pk=attachment_id,
            submission__assignment=assignment,
            submission__student=user,
            removed_at__isnull=True,
        )
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    attachment.submission.assignment = assignment
    return attachment, membership


def get_version_for_student(
    user, course_id, assignment_id, number
) -> tuple[SubmissionVersion, Membership]:
    """Version ``number`` of ``user``'s own submitted write-up."""
    submission, membership = get_submission_for_viewer(user, course_id, assignment_id)
    try:
        version = submission.versions.get(number=number)
    except SubmissionVersion.DoesNotExist as exc:
        raise Http404("No such version.") from exc
    version.submission = submission
    return version, membership


# Grading ----------------------------------------------------------------------------------


def get_submission_for_grader(
    user, course_id, assignment_id, student_id
) -> tuple[Submission, Membership]:
    """A student's submitted write-up, for the staff of its course (assistants grade too).

    Withdrawn students' work stays gradable. Nothing submitted yet is not found.
    """
    assignment, student, membership = get_student_for_staff(
        user, course_id, assignment_id, student_id
    )
    submission = (
        assignment.submissions.select_related("grade", "student")
        .filter(student=student, submitted_at__isnull=False)
        .first()
    )
    if submission is None:
        raise Http404("Nothing submitted yet.")
    submission.assignment = assignment
    return submission, membership


def get_own_submission_for_feedback(
    user, course_id, assignment_id
) -> tuple[Submission, Membership]:
    """``user``'s own submitted write-up with its grade; whether the grade may be shown is
    ``grade_visible_to_student``."""
    assignment, membership = get_assignment_for_student(user, course_id, assignment_id)
    submission = (
        assignment.submissions.select_related("grade")
        .filter(student=user, submitted_at__isnull=False)
        .first()
    )
    if submission is None:
        raise Http404("Nothing submitted yet.")
    submission.assignment = assignment
    return submission, membership


def grade_visible_to_student(submission) -> Grade | None:
    """The grade a student may see on their own ``submission``: only a released one."""
    grade = getattr(submission, "grade", None)
    if grade is None or not grade.is_released:
        return None
    return grade


def get_regrade_request_for_staff(
    user, course_id, assignment_id, student_id, request_id
) -> tuple[RegradeRequest, Membership]:
    """A regrade request on a student's grade, for the staff of the course."""
    submission, membership = get_submission_for_grader(user, course_id, assignment_id, student_id)
    try:
        request = RegradeRequest.objects.select_related("grade").get(
            pk=request_id, grade__submission=submission
        )
    except RegradeRequest.DoesNotExist as exc:
        raise Http404("No such regrade request.") from exc
    request.grade.submission = submission
    return request, membership


def get_saved_comment_for_owner(user, comment_id) -> SavedComment:
    """One of ``user``'s own saved comments; anyone else's is not found."""
    if not user.is_authenticated:
        raise Http404
    try:
        return SavedComment.objects.get(pk=comment_id, owner=user)
    except SavedComment.DoesNotExist as exc:
        raise Http404("No such comment.") from exc


# Rubrics ----------------------------------------------------------------------------------


def get_rubric_for_instructor(user, course_id, assignment_id) -> tuple[Rubric, Membership]:
    """The rubric of an assignment of a course ``user`` instructs (none yet: 404)."""
    assignment, membership = get_assignment_for_instructor(user, course_id, assignment_id)
    rubric = Rubric.objects.filter(assignment=assignment).first()
    if rubric is None:
        raise Http404("This assignment has no rubric.")
    rubric.assignment = assignment
    return rubric, membership


def get_criterion_for_instructor(
    user, course_id, assignment_id, criterion_id
) -> tuple[Criterion, Membership]:
    """A criterion of that rubric; one of another assignment (or course) is not found."""
    rubric, membership = get_rubric_for_instructor(user, course_id, assignment_id)
    criterion = rubric.criteria.filter(pk=criterion_id).first()
    if criterion is None:
        raise Http404("No such criterion.")
    criterion.rubric = rubric
    return criterion, membership


def get_level_for_instructor(user, course_id, assignment_id, level_id) -> tuple[Level, Membership]:
    """A level of one of that rubric's criteria; any other level is not found."""
    rubric, membership = get_rubric_for_instructor(user, course_id, assignment_id)
    level = (
        Level.objects.select_related("criterion")
        .filter(pk=level_id, criterion__rubric=rubric)
        .first()
    )
    if level is None:
        raise Http404("No such level.")
    level.criterion.rubric = rubric
    return level, membership
