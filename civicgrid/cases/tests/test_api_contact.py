"""The reporter's contact in the JSON API: masked on the case, revealed in full only to staff who
work on the case, only with the reporter's consent, and every reveal logged."""

import pytest
from django.test import Client

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case
from civicgrid.privacy.models import PersonalDataAccess

A1 = {"lat": 39.105, "lon": 117.205, "crs": "gcj02"}
WHY = {"purpose": "Arrange access to the courtyard"}


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def report(category, **kw) -> Case:
    body = {"category": category.code, "description": "Blocked fire lane", **A1, **kw}
    r = Client().post("/api/v1/cases", body, content_type="application/json")
    assert r.status_code == 201, r.content
    return Case.objects.get(number=r.json()["number"])


def reveal(client, case, body=WHY):
    return client.post(f"/api/v1/cases/{case.pk}/contact/reveal", body, content_type="application/json")


@pytest.fixture
def shared(category) -> Case:
    return report(category, contact="13812345678", contact_shared=True)


@pytest.fixture
def private(category) -> Case:
    return report(category, contact="alice@example.org")


@pytest.mark.django_db
class TestReveal:
    def test_it_reveals_a_shared_contact_and_logs_it(self, shared, personas):
        r = reveal(logged_in(personas.dan), shared)

        assert r.status_code == 200, r.content
        assert r.json() == {"number": shared.number, "contact": "13812345678"}
        assert r["Cache-Control"] == "no-store"
        entry = PersonalDataAccess.objects.get()
        assert (entry.user, entry.case, entry.field, entry.purpose, entry.ip) == (
            personas.dan,
            shared,
            "contact",
            "Arrange access to the courtyard",
            "127.0.0.1",
        )

    def test_it_logs_every_reveal(self, shared, personas):
        dan, sara = logged_in(personas.dan), logged_in(personas.sara)

        for client in (dan, dan, sara):
            assert reveal(client, shared).status_code == 200

        assert list(PersonalDataAccess.objects.order_by("id").values_list("user__username", "case")) == [
            ("dan", shared.pk),
            ("dan", shared.pk),
            ("sara", shared.pk),
        ]

    def test_it_refuses_without_the_reporters_consent(self, private, personas):
        r = reveal(logged_in(personas.dan), private)

        assert r.status_code == 403
        assert "not agreed" in r.json()["message"]
        assert "alice" not in r.content.decode()
        assert not PersonalDataAccess.objects.exists()

    def test_it_reveals_to_the_handler_only_once_the_case_is_his_units(self, shared, personas):
        carl = logged_in(personas.carl)
        # Carl sees district A's cases, but handles only those dispatched to his unit.
        assert reveal(carl, shared).status_code == 403

        A.do_accept_case(shared, acting_user=personas.dan)
        A.do_dispatch_case(shared, acting_user=personas.dan, unit=personas.org_a)

        assert reveal(carl, shared).json()["contact"] == "13812345678"
        assert PersonalDataAccess.objects.get().user == personas.carl

    def test_it_refuses_staff_without_a_role_that_works_on_the_case(self, shared, personas):
        # The auditor sees the case and reads the access log, not the contact.
        r = reveal(logged_in(personas.audrey), shared)

        assert r.status_code == 403 and r.json()["message"]
        assert not PersonalDataAccess.objects.exists()

    def test_it_validates_ownership(self, shared, personas):
        olga = logged_in(personas.olga)

        r = reveal(olga, shared)

        assert r.status_code == 404 and r.json() == {"message": "Not found."}
        assert reveal(olga, Case(pk=999999)).json() == r.json()
        assert not PersonalDataAccess.objects.exists()

    def test_it_needs_a_staff_member(self, shared, personas):
        assert reveal(Client(), shared).status_code == 401
        assert reveal(logged_in(personas.rita), shared).status_code == 403
        assert not PersonalDataAccess.objects.exists()

    @pytest.mark.parametrize(("body", "status"), [({}, 422), ({"purpose": ""}, 422), ({"purpose": "   "}, 400)])
    def test_it_needs_a_purpose(self, shared, personas, body, status):
        r = reveal(logged_in(personas.dan), shared, body)

        assert r.status_code == status and r.json()["message"]
        assert not PersonalDataAccess.objects.exists()

    def test_it_says_when_there_is_no_contact(self, category, personas):
        case = report(category, contact_shared=True)

        r = reveal(logged_in(personas.dan), case)

        assert r.status_code == 400 and "no contact" in r.json()["message"]
        assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
class TestCaseDetail:
    def test_it_keeps_the_contact_masked_even_when_shared(self, shared, personas):
        r = logged_in(personas.dan).get(f"/api/v1/cases/{shared.pk}")

        assert (r.json()["contact"], r.json()["contact_shared"]) == ("138****5678", True)
        assert "13812345678" not in r.content.decode()
        assert not PersonalDataAccess.objects.exists()  # nothing personal was read
