"""The access log in the admin: read-only, and only for auditors and superusers."""

import pytest
from django.test import Client

from civicgrid.privacy.models import PersonalDataAccess

LIST = "/admin/privacy/personaldataaccess/"


def admin_login(user) -> Client:
    user.is_staff = True  # may enter the admin at all
    user.save(update_fields=["is_staff"])
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def entry(personas):
    return PersonalDataAccess.objects.create(user=personas.dan, field="contact", purpose="Call about access")


@pytest.mark.django_db
class TestAccessLogAdmin:
    def test_it_shows_the_log_to_an_auditor(self, personas, entry):
        page = admin_login(personas.audrey).get(LIST)

        assert page.status_code == 200
        assert "Call about access" in page.content.decode()

    def test_it_shows_the_log_to_a_superuser(self, admin_client, entry):
        assert admin_client.get(LIST).status_code == 200
        assert admin_client.get(f"{LIST}{entry.pk}/change/").status_code == 200

    def test_it_hides_the_log_from_other_admin_users(self, personas, entry):
        dan = admin_login(personas.dan)

        assert dan.get(LIST).status_code == 403
        assert dan.get(f"{LIST}{entry.pk}/change/").status_code == 403
        assert "personaldataaccess" not in dan.get("/admin/").content.decode()

    def test_it_keeps_the_log_read_only(self, personas, entry):
        audrey = admin_login(personas.audrey)

        assert audrey.get(f"{LIST}add/").status_code == 403
        assert audrey.post(f"{LIST}{entry.pk}/change/", {"purpose": "edited"}).status_code == 403
        assert audrey.post(f"{LIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        entry.refresh_from_db()
        assert entry.purpose == "Call about access"
        page = audrey.get(f"{LIST}{entry.pk}/change/").content.decode()
        assert 'name="_save"' not in page
