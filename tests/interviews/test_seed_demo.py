"""The demo data `make run` loads: a first visit shows every part of the product at work."""

from django.core.management import call_command

from interviews.models import Assignment, FeedbackMessage, Grade, Interview, Submission


def test_demo_data_shows_graded_and_waiting_work_and_can_be_loaded_twice(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo", quiet=True)

    printed = capsys.readouterr().out
    assert "instructor  " in printed and "password for every demo login" in printed
    assignment = Assignment.objects.get()
    assert assignment.rubric.criteria.count() == 5
    assert assignment.points == assignment.rubric.total_points()
    submitted = Submission.objects.filter(submitted_at__isnull=False)
    assert submitted.count() == 2
    released = Grade.objects.get()
    assert released.is_released and released.final_score is not None
    assert released.submission.student.full_name == "Amara Okafor"
    assert FeedbackMessage.objects.filter(submission=released.submission).count() == 1
    # What happened, not the plan: one interview held a day after it was planned, one logged
    # with no planned date, with outcomes for the course's Insights.
    held = Interview.objects.filter(status=Interview.Status.HELD)
    assert held.count() == 2
    assert any(i.was_moved for i in held)
    assert held.filter(scheduled_at__isnull=True).exists()
    assert held.filter(offer=Interview.Offer.INTERNSHIP).exists()
    assert held.filter(referrals__isnull=False).exists()
