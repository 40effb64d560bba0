"""Verifying a handled case on patrol: fixed (closed, with a photo) or not fixed (rework)."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from civicgrid.cases import actions as A
from civicgrid.cases.models import Attachment, Case
from civicgrid.testing import POINT_A1, make_category


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (30, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def photo():
    return SimpleUploadedFile("fixed.jpg", jpeg(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _english(client, settings, tmp_path):
    # The pages are checked in their English source text (the default language is Chinese).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(personas):
    """A case in gwen's grid A1, handled by carl's unit with an evidence photo."""
    case, _ = A.do_report_case(
        acting_user=personas.rita, category=make_category(), description="Manhole cover missing", **POINT_A1
    )
    A.do_accept_case(case, acting_user=personas.dan)
    A.do_dispatch_case(case, acting_user=personas.dan)
    A.do_sign_case(case, acting_user=personas.carl)
    event = A.do_handle_case(case, acting_user=personas.carl, result="Cover replaced with a locking one")
    Attachment.objects.create(
        case=case,
        event=event,
        purpose=Attachment.Purpose.EVIDENCE,
        file=ContentFile(jpeg(), name="evidence.jpg"),
        content_type="image/jpeg",
    )
    return case


def url(case):
    return reverse("patrol:verify", args=[case.pk])


@pytest.mark.django_db
class TestPatrolVerify:
    def test_it_shows_the_handlers_result_and_evidence(self, client, personas, case):
        client.force_login(personas.gwen)
        response = client.get(url(case))
        page = response.content.decode()
        assert "Cover replaced with a locking one" in page and personas.org_a.name in page
        evidence = case.attachments.get()
        photo_url = reverse("patrol:photo", args=[case.pk, evidence.pk])
        assert f'src="{photo_url}"' in page and 'alt="Photo of the handling result"' in page
        assert f'name="expected_version" value="{case.version}"' in page
        served = client.get(photo_url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        assert b"".join(served.streaming_content) == evidence.file.open("rb").read()

    def test_it_verifies_with_a_photo(self, client, personas, case):
        client.force_login(personas.gwen)
        response = client.post(url(case), {"decision": "verify", "expected_version": case.version, "photo": photo()})
        assert response.status_code == 302 and response["Location"] == reverse("patrol:home")
        case.refresh_from_db()
        assert case.status == "closed" and case.closed_at is not None
        event = case.events.last()
        assert (event.action, event.actor, event.actor_role) == ("verify", personas.gwen, "grid_worker")
        assert case.attachments.get(purpose="verification").event == event
        assert f"Case {case.number} is verified and closed." in client.get(response["Location"]).content.decode()

    def test_it_requires_a_photo_to_verify(self, client, personas, case):
        client.force_login(personas.gwen)
        response = client.post(url(case), {"decision": "verify", "expected_version": case.version})
        assert response.status_code == 200 and "photo" in response.context["form"].errors
        assert "Add a photo showing the problem is fixed." in response.content.decode()
        assert Case.objects.get(pk=case.pk).status == "handled"

    def test_it_fails_verification_with_a_reason(self, client, personas, case):
        client.force_login(personas.gwen)
        data = {"decision": "fail", "expected_version": case.version, "reason": "The cover rocks when driven over"}
        response = client.post(url(case), data)
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == "in_progress" and case.rework_count == 1 and case.step == "handle"
        event = case.events.last()
        assert (event.action, event.reason) == ("fail_verification", "The cover rocks when driven over")
        assert "sent back to the unit for rework" in client.get(response["Location"]).content.decode()

    def test_it_requires_a_reason_to_fail_verification(self, client, personas, case):
        client.force_login(personas.gwen)
        response = client.post(url(case), {"decision": "fail", "expected_version": case.version, "reason": "  "})
        assert "reason" in response.context["form"].errors
        assert Case.objects.get(pk=case.pk).status == "handled"

    def test_it_says_when_the_case_changed_in_the_meantime(self, client, personas, case):
        client.force_login(personas.gwen)
        seen = case.version
        A.do_fail_verification(case, acting_user=personas.rita, reason="Still missing")  # the reporter was quicker
        response = client.post(url(case), {"decision": "verify", "expected_version": seen, "photo": photo()})
        assert response.status_code == 200
        page = response.content.decode()
        assert "This case was changed by someone else in the meantime." in page
        assert "This case is not waiting for your check" in page  # the page shows the case as it is now
        case.refresh_from_db()
        assert case.status == "in_progress" and not case.attachments.filter(purpose="verification").exists()

    def test_it_refuses_a_stale_version_even_when_the_state_still_allows_it(self, client, personas, case):
        client.force_login(personas.gwen)
        response = client.post(
            url(case), {"decision": "fail", "expected_version": case.version - 1, "reason": "Still missing"}
        )
        assert "changed by someone else" in str(response.context["form"].non_field_errors())
        assert Case.objects.get(pk=case.pk).status == "handled"

    def test_it_offers_no_check_when_the_case_is_not_handled(self, client, personas, case):
        client.force_login(personas.gwen)
        A.do_verify_case(case, acting_user=personas.dan)
        response = client.get(url(case))
        assert response.context["can_verify"] is False
        assert 'name="decision"' not in response.content.decode()

    def test_it_puts_the_case_on_the_map(self, client, personas, case):
        client.force_login(personas.gwen)
        (point,) = client.get(reverse("patrol:case_geojson", args=[case.pk])).json()["features"]
        assert point["geometry"]["coordinates"] == [case.x, case.y] and point["properties"]["label"] == case.number

    def test_it_answers_404_for_a_photo_missing_on_disk(self, client, personas, case):
        evidence = case.attachments.get()
        evidence.file.delete(save=False)
        client.force_login(personas.gwen)
        assert client.get(reverse("patrol:photo", args=[case.pk, evidence.pk])).status_code == 404

    def test_it_reads_the_page_in_a_bounded_number_of_queries(self, client, personas, case):
        client.force_login(personas.gwen)
        with CaptureQueriesContext(connection) as one_photo:
            client.get(url(case))
        for _ in range(4):
            Attachment.objects.create(
                case=case, purpose="evidence", file=ContentFile(jpeg(), name="more.jpg"), content_type="image/jpeg"
            )
        with CaptureQueriesContext(connection) as five_photos:
            response = client.get(url(case))
        assert len(response.context["photos"]) == 5
        # The signed-in user (2), the worker's access (4), the case, the handling event, the photos.
        assert len(five_photos) == len(one_photo) <= 9
