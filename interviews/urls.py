"""Every page of interviews, in one place: assignments, the student's interviews and write-up,
progress and the calendar, rubrics, feedback, grading, the gradebook and insights.

Order matters only where two patterns could match one path; none do today.
"""

from django.urls import path

from .views import (
    authoring,
    feedback,
    gradebook,
    grading,
    insights,
    planning,
    progress,
    rubrics,
    writeups,
)

app_name = "interviews"

COURSE = "courses/<id:course_id>/"
ASSIGNMENT = f"{COURSE}assignments/<id:assignment_id>/"
INTERVIEW = f"{ASSIGNMENT}interviews/<id:interview_id>/"
WRITEUP = f"{ASSIGNMENT}writeup/"
RUBRIC = f"{ASSIGNMENT}rubric/"
CRITERION = f"{RUBRIC}criteria/<id:criterion_id>/"
LEVEL = f"{RUBRIC}levels/<id:level_id>/"
FEEDBACK = f"{ASSIGNMENT}feedback/"
GRADING = f"{ASSIGNMENT}grading/"
GRADED = f"{GRADING}<id:student_id>/"
COMMENT = "grading/comments/<id:comment_id>/"

urlpatterns = [
    # Assignments (interviews/views/authoring.py)
    path(f"{COURSE}assignments/", authoring.assignment_list, name="assignment_list"),
    path(f"{COURSE}assignments/new/", authoring.assignment_create, name="assignment_create"),
    path(ASSIGNMENT, authoring.assignment_detail, name="assignment_detail"),
    path(f"{ASSIGNMENT}edit/", authoring.assignment_edit, name="assignment_edit"),
    path(f"{ASSIGNMENT}publish/", authoring.assignment_publish, name="assignment_publish"),
    path(f"{ASSIGNMENT}unpublish/", authoring.assignment_unpublish, name="assignment_unpublish"),
    path(f"{ASSIGNMENT}duplicate/", authoring.assignment_duplicate, name="assignment_duplicate"),
    path(f"{ASSIGNMENT}extensions/", authoring.extension_list, name="extension_list"),
    path(
        f"{ASSIGNMENT}extensions/<id:extension_id>/delete/",
        authoring.extension_delete,
        name="extension_delete",
    ),
    # Contacts and the student's interviews (interviews/views/planning.py)
    path("contacts/", planning.contact_list, name="contact_list"),
    path("contacts/new/", planning.contact_create, name="contact_create"),
    path("contacts/<id:contact_id>/", planning.contact_detail, name="contact_detail"),
    path("contacts/<id:contact_id>/edit/", planning.contact_edit, name="contact_edit"),
    path("contacts/<id:contact_id>/delete/", planning.contact_delete, name="contact_delete"),
    path(f"{ASSIGNMENT}interviews/new/", planning.interview_create, name="interview_create"),
    path(INTERVIEW, planning.interview_detail, name="interview_detail"),
    path(f"{INTERVIEW}edit/", planning.interview_edit, name="interview_edit"),
    path(f"{INTERVIEW}questions/", planning.interview_questions, name="interview_questions"),
    path(f"{INTERVIEW}log/", planning.interview_log, name="interview_log"),
    path(f"{INTERVIEW}follow-up/", planning.interview_follow_up, name="interview_follow_up"),
    path(f"{INTERVIEW}thank-you/", planning.thank_you_draft, name="thank_you_draft"),
    path(f"{INTERVIEW}outcome/", planning.interview_outcome, name="interview_outcome"),
    # The write-up (interviews/views/writeups.py)
    path(WRITEUP, writeups.writeup, name="writeup"),
    path(f"{WRITEUP}submit/", writeups.writeup_submit, name="writeup_submit"),
    path(f"{WRITEUP}attachments/", writeups.attachment_upload, name="attachment_upload"),
    path(
        f"{WRITEUP}attachments/<id:attachment_id>/remove/",
        writeups.attachment_remove,
        name="attachment_remove",
    ),
    path(f"{WRITEUP}versions/<id:number>/", writeups.writeup_version, name="writeup_version"),
    path(
        "attachments/<id:attachment_id>/", writeups.attachment_download, name="attachment_download"
    ),
    # Progress and the calendar (interviews/views/progress.py)
    path(f"{ASSIGNMENT}progress/", progress.progress, name="progress"),
    path(
        f"{ASSIGNMENT}students/<id:student_id>/",
        progress.student_record_view,
        name="student_record",
    ),
    path("calendar/", progress.calendar, name="calendar"),
    path("calendar/rotate/", progress.calendar_rotate, name="calendar_rotate"),
    path("calendar/<str:feed_token>.ics", progress.calendar_feed, name="calendar_feed"),
    # Rubrics (interviews/views/rubrics.py)
    path(RUBRIC, rubrics.rubric, name="rubric"),
    path(f"{RUBRIC}create/", rubrics.rubric_create, name="rubric_create"),
    path(f"{RUBRIC}title/", rubrics.rubric_title, name="rubric_title"),
    path(f"{RUBRIC}delete/", rubrics.rubric_delete, name="rubric_delete"),
    path(f"{RUBRIC}template/", rubrics.rubric_template, name="rubric_template"),
    path(f"{RUBRIC}copy/", rubrics.rubric_copy, name="rubric_copy"),
    path(f"{RUBRIC}export.csv", rubrics.rubric_export, name="rubric_export"),
    path(f"{RUBRIC}import/", rubrics.rubric_import, name="rubric_import"),
    path(f"{RUBRIC}criteria/add/", rubrics.criterion_add, name="rubric_criterion_add"),
    path(CRITERION, rubrics.criterion_edit, name="rubric_criterion_edit"),
    path(f"{CRITERION}delete/", rubrics.criterion_delete, name="rubric_criterion_delete"),
    path(f"{CRITERION}move/", rubrics.criterion_move, name="rubric_criterion_move"),
    path(f"{CRITERION}levels/add/", rubrics.level_add, name="rubric_level_add"),
    path(LEVEL, rubrics.level_edit, name="rubric_level_edit"),
    path(f"{LEVEL}delete/", rubrics.level_delete, name="rubric_level_delete"),
    path(f"{LEVEL}move/", rubrics.level_move, name="rubric_level_move"),
    # Feedback and regrade requests (interviews/views/feedback.py)
    path(FEEDBACK, feedback.feedback_page, name="feedback"),
    path(f"{FEEDBACK}messages/", feedback.feedback_message, name="feedback_message"),
    path(f"{FEEDBACK}regrade/", feedback.regrade_request, name="regrade_request"),
    path(f"{GRADED}messages/", feedback.grade_message, name="grade_message"),
    path(f"{GRADED}regrade/<id:request_id>/", feedback.regrade_resolve, name="regrade_resolve"),
    # Grading and the comment bank (interviews/views/grading.py)
    path(GRADING, grading.queue, name="grading"),
    path(f"{GRADING}release/", grading.release_all, name="grading_release"),
    path(f"{GRADING}review-setting/", grading.review_setting, name="grading_review_setting"),
    path(GRADED, grading.grade, name="grade"),
    path(f"{GRADED}release/", grading.grade_release, name="grade_release"),
    path(f"{GRADED}unrelease/", grading.grade_unrelease, name="grade_unrelease"),
    path(f"{GRADED}review/", grading.grade_review, name="grade_review"),
    path("grading/comments/", grading.comment_bank, name="comment_bank"),
    path(COMMENT, grading.saved_comment_edit, name="saved_comment_edit"),
    path(f"{COMMENT}delete/", grading.saved_comment_delete, name="saved_comment_delete"),
    path(f"{COMMENT}use/", grading.saved_comment_use, name="saved_comment_use"),
    # The gradebook (interviews/views/gradebook.py)
    path(f"{COURSE}gradebook/", gradebook.gradebook, name="gradebook"),
    path(f"{COURSE}gradebook/export.csv", gradebook.gradebook_export, name="gradebook_export"),
    path(f"{GRADING}criteria.csv", gradebook.criteria_export, name="criteria_export"),
    # Insights (interviews/views/insights.py)
    path(f"{COURSE}insights/", insights.insights, name="insights"),
    path(f"{COURSE}insights/outcomes.csv", insights.insights_csv, name="insights_csv"),
]
