"""LTI roles → Rapport roles (lti/launch.py, role_from_claim)."""

import pytest

from courses.models import Role
from lti.launch import role_from_claim

LIS = "http://purl.imsglobal.org/vocab/lis/v2"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([f"{LIS}/membership#Instructor"], Role.INSTRUCTOR),
        (["Instructor"], Role.INSTRUCTOR),  # short context roles are allowed by LTI 1.3
        ([f"{LIS}/membership#Instructor", f"{LIS}/membership/Instructor#TeachingAssistant"],
         Role.ASSISTANT),
        ([f"{LIS}/membership#Learner", f"{LIS}/institution/person#Student"], Role.STUDENT),
        ([f"{LIS}/institution/person#Instructor"], None),  # an institution role, not the course's
        ([f"{LIS}/membership#Mentor"], None),
        ([], None),
    ],
)  # fmt: skip
def test_role_from_claim(roles, expected):
    assert role_from_claim(roles) == expected
