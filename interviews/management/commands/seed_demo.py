from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from common.urls import absolute_url
from courses.enrolment import course_create, member_enrol
from courses.models import Course, Role

from ._demo_interviews import seed_interviews

DEMO_PASSWORD = "rapport-demo-2026"
INSTRUCTOR = ("dana.whitfield@example.edu", "Dana Whitfield", "America/New_York")
ASSISTANT = ("sam.ortega@example.edu", "Sam Ortega", "America/Chicago")
STUDENTS = [
    ("Amara Okafor", "America/New_York"),
    ("Ben Carter", "America/New_York"),
    ("Chloé Martin", "Europe/Paris"),
    ("Diego Ramírez", "America/Mexico_City"),
    ("Eun-ji Park", "Asia/Seoul"),
    ("Farah Haddad", "America/New_York"),
    ("Gabriel Silva", "America/Sao_Paulo"),
    ("Hannah Schmidt", "Europe/Berlin"),
    ("Isaac Cohen", "America/Los_Angeles"),
    ("Jasmine Lee", "America/New_York"),
    ("Kofi Mensah", "Africa/Accra"),
    ("Lena Novak", "Australia/Sydney"),
]
COURSE_TITLE = "Career Exploration Seminar"


class Command(BaseCommand):
    help = "Create demo people and a course (safe to run again) and print their logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, quiet=False, **options):
        with transaction.atomic():
            instructor = self.person(*INSTRUCTOR)
            assistant = self.person(*ASSISTANT)
            students = [
                self.person(f"{name.split()[0].lower().replace('é', 'e')}@example.edu", name, zone)
                for name, zone in STUDENTS
            ]
            course = Course.objects.filter(title=COURSE_TITLE, created_by=instructor).first()
            if course is None:
                course = course_create(
                    creator=instructor,
                    title=COURSE_TITLE,
                    code="CAR 101",
                    term="Spring 2027",
                    time_zone="America/New_York",
                    description=(
                        "Explore careers through informational interviews with professionals."
                    ),
                )
            member_enrol(course=course, user=assistant, role=Role.ASSISTANT)
            for student in students:
                member_enrol(course=course, user=student, role=Role.STUDENT)
            seed_interviews(course=course, instructor=instructor, students=students)
        if quiet:
            return
        site = absolute_url()
        self.stdout.write(
            self.style.SUCCESS(
                f"\nRapport is at {site}/  (password for every demo login: {DEMO_PASSWORD})"
            )
        )
        self.stdout.write(f"  instructor  {INSTRUCTOR[0]}")
        self.stdout.write(f"  assistant   {ASSISTANT[0]}")
        self.stdout.write(
            f"  students    {students[0].email}, {students[1].email}, … ({len(students)} in all)"
        )
        self.stdout.write(f"  course      {course} — join code {course.join_code}\n")

    def person(self, email, name, zone):
        user, created = get_user_model().objects.get_or_create(
            email=email, defaults={"full_name": name, "time_zone": zone}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
