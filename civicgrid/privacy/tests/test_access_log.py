"""``log_read`` writes one row per read of personal data; ``reveal_contact`` is the one way to
read a reporter's contact, and it logs before it answers."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from civicgrid.cases import actions as A
from civicgrid.cases.actions import Forbidden, Invalid
from civicgrid.privacy.access_log import client_ip, log_read, reveal_contact
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.testing import POINT_A1, make_category


@pytest.fixture
def case(small_city):
    case, _created = A.do_report_case(
        acting_user=None,
        category=make_category(),
        description="Noise at night",
        contact="13812345678",
        contact_shared=True,
        **POINT_A1,
    )
    return case


@pytest.mark.django_db
class TestLogRead:
    def test_it_records_who_read_what_why_and_from_where(self, case, personas):
        request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")

        entry = log_read(personas.dan, case, "contact", "Call about access", request)

        entry.refresh_from_db()
        assert (entry.user, entry.case, entry.field, entry.purpose, entry.ip) == (
            personas.dan,
            case,
            "contact",
            "Call about access",
            "10.1.2.3",
        )
        assert entry.at is not None

    def test_it_logs_a_read_that_concerns_no_case(self, personas):
        entry = log_read(personas.dan, None, "supporter_contact", "Audit request 12")

        assert (entry.case, entry.ip) == (None, None)

    @pytest.mark.parametrize(("field", "purpose"), [("", "why"), ("contact", ""), ("contact", "  "), ("x" * 41, "why")])
    def test_it_refuses_a_blank_or_overlong_field_or_purpose(self, case, personas, field, purpose):
        with pytest.raises(ValueError):
            log_read(personas.dan, case, field, purpose)
        assert not PersonalDataAccess.objects.exists()

    @pytest.mark.parametrize("user", [None, AnonymousUser()])
    def test_it_refuses_an_unknown_reader(self, case, user):
        with pytest.raises(ValueError):
            log_read(user, case, "contact", "why")
        assert not PersonalDataAccess.objects.exists()

    @pytest.mark.parametrize(
        ("remote", "expected"), [("192.0.2.7", "192.0.2.7"), ("::1", "::1"), ("", None), ("x", None)]
    )
    def test_it_takes_only_a_valid_remote_address(self, remote, expected):
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR="203.0.113.9")

        assert client_ip(request) == expected


@pytest.mark.django_db
class TestRevealContact:
    def test_it_logs_before_it_answers(self, case, personas):
        assert reveal_contact(personas.dan, case, purpose="Call") == "13812345678"
        assert PersonalDataAccess.objects.filter(user=personas.dan, case=case, field="contact").count() == 1

    def test_it_refuses_without_consent(self, case, personas):
        case.contact_shared = False

        with pytest.raises(Forbidden, match="not agreed"):
            reveal_contact(personas.dan, case, purpose="Call")
        assert not PersonalDataAccess.objects.exists()

    def test_it_refuses_without_a_role_on_the_case(self, case, personas):
        for user in (personas.audrey, personas.olga, personas.rita, personas.carl):
            with pytest.raises(Forbidden):
                reveal_contact(user, case, purpose="Call")
        assert not PersonalDataAccess.objects.exists()

    def test_it_needs_a_purpose(self, case, personas):
        with pytest.raises(Invalid):
            reveal_contact(personas.dan, case, purpose=" ")
        assert not PersonalDataAccess.objects.exists()
