"""Following a report: the public status line by number, and the private page behind the link
(public timeline with roles instead of names, photos, the reporter's actions)."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from PIL import Image

from civicgrid.cases import actions as A
from civicgrid.cases.models import Attachment, Case, CaseEvent
from civicgrid.cases.workflow import problem
from civicgrid.testing import POINT_A1, make_category

CONTACT = "13812345678"
STAFF_NAMES = re.compile(r"\b(carl|dan|sara|gwen|Carl|Dan|Sara|Gwen)\b")


@pytest.fixture(autouse=True)
def _english(client, settings, tmp_path):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.MEDIA_ROOT = tmp_path


def jpeg(colour=(30, 120, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(out, format="JPEG")
    return out.getvalue()


def photo(case, purpose, event=None):
    return Attachment.objects.create(
        case=case, event=event, purpose=purpose, file=ContentFile(jpeg(), name="p.jpg"), content_type="image/jpeg"
    )


@pytest.fixture
def case(personas):
    """Reported anonymously with a contact it keeps private, and a photo."""
    case, _ = A.do_report_case(
        acting_user=None,
        category=make_category(name_en="Litter"),
        description="Rubbish bags left by the bus stop",
        address="Bus stop",
        contact=CONTACT,
        **POINT_A1,
    )
    photo(case, Attachment.Purpose.REPORT)
    return case


def handled(case, p):
    """Accept, dispatch, sign, urge (internal) and handle with evidence, as staff do."""
    A.do_accept_case(case, acting_user=p.dan)
    A.do_dispatch_case(case, acting_user=p.dan, unit=p.org_a)
    A.do_sign_case(case, acting_user=p.carl)
    A.do_urge_case(case, acting_user=p.sara, reason="Internal: chase the crew")
    event = A.do_handle_case(case, acting_user=p.carl, result="Bags collected and the stop swept")
    photo(case, Attachment.Purpose.EVIDENCE, event)
    photo(case, Attachment.Purpose.VERIFICATION)  # a grid worker's check photo: not on this page
    return case


def url(case, *rest):
    return "/".join([f"/track/{case.tracking_token}", *rest, ""]) if rest else f"/track/{case.tracking_token}/"


def state(case):
    return Case.objects.filter(pk=case.pk).values_list("status", "version", "rating").get()


def form_version(html, action) -> int:
    return int(re.search(rf'name="{action}-version" value="(\d+)"', html)[1])


@pytest.mark.django_db
class TestLookup:
    def test_it_shows_the_public_status_line_only(self, client, case, personas):
        handled(case, personas)
        r = client.get("/track/", {"number": f" {case.number[:6].lower()}-{case.number[6:].lower()} "})
        html = r.content.decode()
        assert r.status_code == 200
        assert f"Report {case.number}" in html and "Handled" in html and "Litter" in html
        assert "District A" in html and "Reported" in html
        for private in (case.tracking_token, CONTACT, "Rubbish bags", "Bus stop", "Bags collected", "Internal"):
            assert private not in html
        assert not STAFF_NAMES.search(html)

    def test_it_says_when_no_report_has_the_number(self, client, case):
        for number, message in (("26010100000000", "No report has this number"), ("abc$%", "up to 20 letters")):
            r = client.get("/track/", {"number": number})
            assert r.status_code == 200 and message in r.content.decode()

    def test_it_shows_the_form_without_a_number(self, client, db):
        r = client.get("/track/")
        assert r.status_code == 200 and 'name="number"' in r.content.decode()
        assert "errorlist" not in r.content.decode()

    def test_it_reads_the_database_twice(self, client, case, django_assert_max_num_queries):
        with django_assert_max_num_queries(2):
            client.get("/track/", {"number": case.number})


@pytest.mark.django_db
class TestTrackingPage:
    def test_it_shows_public_events_with_roles_and_no_personal_data(self, client, case, personas):
        handled(case, personas)
        r = client.get(url(case))
        html = r.content.decode()
        assert r.status_code == 200
        titles = re.findall(r"<li>\s*<p><strong>(.*?)</strong>", html)
        assert titles == ["Reported", "Accepted for handling", "Sent to A区城市管理委员会", "Handled"]
        assert "Governance centre" in html and "Handling unit" in html and "Resident" in html
        assert "Bags collected and the stop swept" in html
        assert "Rubbish bags left by the bus stop" in html and "Bus stop" in html
        for private in (CONTACT, "138****5678", "Internal: chase the crew"):
            assert private not in html
        assert not STAFF_NAMES.search(html)
        assert '<meta name="robots" content="noindex">' in html

    def test_it_shows_the_reason_of_a_rejection(self, client, case, personas):
        A.do_reject_case(case, acting_user=personas.dan, reason="Private land: ask the owner")
        html = client.get(url(case)).content.decode()
        assert "Not accepted" in html and "Private land: ask the owner" in html
        assert "Is it fixed?" not in html

    def test_it_links_a_merged_report_to_the_one_it_joined(self, client, case, personas):
        parent, _ = A.do_report_case(acting_user=None, category=case.category, description="Same rubbish", **POINT_A1)
        A.do_merge_case(case, into=parent, acting_user=personas.dan)
        html = client.get(url(case)).content.decode()
        assert f"Merged into report {parent.number} about the same problem" in html
        assert f'href="/track/?number={parent.number}"' in html
        assert parent.tracking_token not in html

    def test_it_serves_the_report_and_evidence_photos_behind_the_link(self, client, case, personas):
        handled(case, personas)
        html = client.get(url(case)).content.decode()
        shown = [int(i) for i in re.findall(rf'src="/track/{case.tracking_token}/photos/(\d+)/"', html)]
        expected = list(
            Attachment.objects.filter(case=case, purpose__in=("report", "evidence")).values_list("pk", flat=True)
        )
        assert sorted(shown) == sorted(expected) and len(shown) == 2
        r = client.get(url(case, "photos", str(shown[0])))
        assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r["Cache-Control"].startswith("private")
        assert b"".join(r.streaming_content) == Attachment.objects.get(pk=shown[0]).file.open("rb").read()
        check = Attachment.objects.get(case=case, purpose="verification")
        other, _ = A.do_report_case(acting_user=None, category=case.category, description="Other", **POINT_A1)
        elsewhere = photo(other, Attachment.Purpose.REPORT)
        for missing in (check.pk, elsewhere.pk, 999999):
            assert client.get(url(case, "photos", str(missing))).status_code == 404

    def test_it_answers_404_for_an_unknown_link(self, client, case):
        for token in ("x" * 43, "nope", "x" * 70):
            assert client.get(f"/track/{token}/").status_code == 404
            assert client.get(f"/report/receipt/{token}/").status_code == 404

    def test_it_reads_the_database_a_bounded_number_of_times(
        self, client, case, personas, django_assert_max_num_queries
    ):
        handled(case, personas)
        for _ in range(5):
            A.do_support_case(case, contact="x@example.org")
        # The case, its public events, the units it went to, photos, supporters, region names.
        with django_assert_max_num_queries(6):
            r = client.get(url(case))
        assert r.status_code == 200 and "5 other residents said “me too”" in r.content.decode()


@pytest.mark.django_db
class TestReporterActions:
    def test_the_reporter_confirms_the_fix_and_rates_it(self, client, case, personas):
        handled(case, personas)
        html = client.get(url(case)).content.decode()
        assert "Is it fixed?" in html and "How was it handled?" not in html
        r = client.post(url(case, "verify"), {"verify-version": form_version(html, "verify")})
        assert r.status_code == 302 and r["Location"] == url(case)
        assert state(case)[0] == "closed"
        assert CaseEvent.objects.get(case=case, action="verify").actor_role == "reporter"
        html = client.get(url(case)).content.decode()
        assert "the fix is confirmed" in html and "Fix confirmed: closed" in html
        assert "How was it handled?" in html and "Not solved after all?" in html
        r = client.post(
            url(case, "rate"), {"rate-version": form_version(html, "rate"), "rate-rating": "2", "rate-comment": "Slow"}
        )
        assert r.status_code == 302 and state(case)[2] == 2
        html = client.get(url(case)).content.decode()
        assert "Rated: Basically satisfied" in html and "You rated it: Basically satisfied." in html
        assert "How was it handled?" not in html

    def test_the_reporter_says_it_is_not_fixed(self, client, case, personas):
        handled(case, personas)
        version = state(case)[1]
        r = client.post(url(case, "fail_verification"), {"fail_verification-version": version})
        assert r.status_code == 400 and "Say what is still wrong" in r.content.decode()
        assert state(case)[1] == version
        r = client.post(
            url(case, "fail_verification"),
            {"fail_verification-version": version, "fail_verification-reason": "Bags are back"},
        )
        assert r.status_code == 302 and state(case)[0] == "in_progress"
        html = client.get(url(case)).content.decode()
        assert "Not fixed: back to the unit" in html and "Bags are back" in html

    def test_the_reporter_reopens_within_the_window_only(self, client, case, personas):
        handled(case, personas)
        A.do_verify_case(case, acting_user=personas.gwen)
        closed_at = Case.objects.get(pk=case.pk).closed_at
        version = state(case)[1]
        html = client.get(url(case)).content.decode()
        assert "You can reopen this report until" in html
        with time_machine.travel(closed_at + timedelta(days=problem.REOPEN_WINDOW_DAYS, hours=1), tick=False):
            assert "Not solved after all?" not in client.get(url(case)).content.decode()
            r = client.post(url(case, "reopen"), {"reopen-version": version, "reopen-reason": "It is back"})
            assert r.status_code == 400 and "within 15 days" in r.content.decode()
            assert state(case)[1] == version
        r = client.post(url(case, "reopen"), {"reopen-version": version, "reopen-reason": "It is back"})
        assert r.status_code == 302 and state(case)[0] == "dispatched"
        assert Case.objects.get(pk=case.pk).owner_unit == personas.org_a

    def test_a_stale_version_shows_a_message_and_changes_nothing(self, client, case, personas):
        handled(case, personas)
        stale = state(case)[1]
        A.do_fail_verification(case, acting_user=personas.gwen, reason="Not done")
        before = state(case), CaseEvent.objects.count()
        r = client.post(url(case, "verify"), {"verify-version": stale})
        html = r.content.decode()
        assert r.status_code == 409 and "This report changed while you were looking at it" in html
        assert (state(case), CaseEvent.objects.count()) == before
        assert "Is it fixed?" not in html  # the page shows the current state: back with the unit

    def test_a_lost_race_shows_the_same_message(self, client, case, personas, monkeypatch):
        handled(case, personas)
        version = state(case)[1]

        def lose(*args, **kwargs):
            raise A.Conflict("someone else")

        monkeypatch.setattr(A, "do_verify_case", lose)
        r = client.post(url(case, "verify"), {"verify-version": version})
        assert r.status_code == 409 and "This report changed" in r.content.decode()

    def test_it_refuses_what_the_workflow_does_not_allow(self, client, case):
        version = state(case)[1]
        r = client.post(url(case, "verify"), {"verify-version": version})
        assert r.status_code == 403 and "is not allowed while the case is" in r.content.decode()
        assert state(case)[1] == version

    def test_it_refuses_bad_input(self, client, case, personas):
        handled(case, personas)
        version = state(case)[1]
        assert client.post(url(case, "verify"), {}).status_code == 400
        assert client.post(url(case, "rate"), {"rate-version": version, "rate-rating": "5"}).status_code == 400
        assert client.post(url(case, "merge"), {"merge-version": version}).status_code == 404
        assert client.post(url(case, "support"), {}).status_code == 404
        assert client.get(url(case, "verify")).status_code == 405
        assert state(case)[1] == version

    def test_the_link_is_the_authority(self, client, case, personas):
        """Whoever holds the link acts as the reporter, signed in or not."""
        handled(case, personas)
        client.force_login(personas.olga)  # a handler elsewhere: no staff role on this case
        r = client.post(url(case, "verify"), {"verify-version": state(case)[1]})
        assert r.status_code == 302 and state(case)[0] == "closed"
        assert CaseEvent.objects.get(case=case, action="verify").actor_role == "reporter"


@pytest.mark.django_db
def test_the_receipt_shows_number_and_private_link(client, case):
    r = client.get(f"/report/receipt/{case.tracking_token}/")
    html = r.content.decode()
    assert r.status_code == 200 and case.number in html
    assert f'value="http://testserver/track/{case.tracking_token}/"' in html
    assert CONTACT not in html


@pytest.mark.django_db
def test_the_receipt_uses_the_public_base_url(client, case, settings):
    settings.PUBLIC_BASE_URL = "https://civicgrid.example.gov.cn"
    html = client.get(f"/report/receipt/{case.tracking_token}/").content.decode()
    assert f"https://civicgrid.example.gov.cn/track/{case.tracking_token}/" in html
