"""The workbench case page: what it shows, which actions it offers, and the actions through its forms."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from civicgrid.cases import actions as A
from civicgrid.cases.models import Attachment, Case, CaseEvent
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.testing import POINT_A1, POINT_B1, make_category, make_staff, make_unit


@pytest.fixture
def category(small_city):
    return make_category()


def report(category, where=POINT_A1, **kw) -> Case:
    case, _created = A.do_report_case(
        acting_user=None, category=category, description="Manhole cover missing", **where, **kw
    )
    return case


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page_url(case):
    return f"/workbench/cases/{case.pk}/"


def act(client, case, action, **fields):
    """Submit the action's form as the page renders it: prefixed fields and the version seen."""
    version = fields.pop("version", Case.objects.get(pk=case.pk).version)
    data = {f"{action}-expected_version": version, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/workbench/cases/{case.pk}/actions/{action}/", data)


def offered(response) -> list[str]:
    return [a["name"] for a in response.context["actions"]]


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db
class TestAccess:
    def test_it_sends_anonymous_users_to_sign_in(self, client, category):
        case = report(category)
        r = client.get(page_url(case))
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
        r = client.post(f"/workbench/cases/{case.pk}/actions/accept/", {"accept-expected_version": 1})
        assert r.status_code == 302 and fresh(case).status == "reported"

    def test_it_validates_ownership(self, category, personas):
        case = report(category)
        olga = logged_in(personas.olga)
        assert olga.get(page_url(case)).status_code == 404
        assert olga.get(f"/workbench/cases/{case.pk}/map.geojson").status_code == 404
        assert act(olga, case, "accept").status_code == 404
        assert olga.get("/workbench/cases/999999/").status_code == 404
        assert fresh(case).version == 1

    def test_it_leaves_other_kinds_of_case_to_their_own_desks(self, category, personas):
        case = report(category)
        Case.objects.filter(pk=case.pk).update(kind=Case.Kind.DISPUTE)  # as a dispute desk would file it
        dan = logged_in(personas.dan)
        assert dan.get(page_url(case)).status_code == 404
        assert act(dan, case, "accept").status_code == 404
        assert dan.get("/workbench/queues/all/").context["rows"] == []

    def test_it_refuses_a_resident_even_as_the_reporter(self, category, personas):
        case = report(category)
        Case.objects.filter(pk=case.pk).update(reporter=personas.rita)
        assert logged_in(personas.rita).get(page_url(case)).status_code == 403


@pytest.mark.django_db
class TestPage:
    def test_it_shows_the_case_with_its_timeline(self, category, personas):
        case = report(category, address="Heping Rd 1")
        A.do_accept_case(case, acting_user=personas.dan)
        A.do_urge_case(case, acting_user=personas.sara, reason="Residents keep calling")
        r = logged_in(personas.sara).get(page_url(case))
        assert r.status_code == 200
        body = r.content.decode()
        assert case.number in body and "Manhole cover missing" in body and "Heping Rd 1" in body
        events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
        timeline = r.context["timeline"]
        assert [t["event"].action for t in timeline] == ["report", "accept", "urge"]
        for event in events:
            assert event.hash[:12] in body
        urge = timeline[2]
        assert urge["actor"] == "Sara" and urge["role"] == "Supervisor / leader"
        assert "Residents keep calling" in body
        assert timeline[0]["actor"] == ""  # a resident's identity is never shown
        assert r.context["urges"] == 1
        assert f'data-regions="/api/v1/regions?parent={case.community_code}"' in body
        assert f'data-points="/workbench/cases/{case.pk}/map.geojson"' in body

    def test_it_shows_the_deadline_with_its_sla_colour(self, category, personas):
        late = report(category, now=timezone.now() - timedelta(days=20))
        r = logged_in(personas.dan).get(page_url(late))
        assert r.context["sla"] == "red"
        assert 'class="sla sla-red"' in r.content.decode()

    def test_it_serves_the_case_point_and_duplicates_as_geojson(self, category, personas):
        case, twin = report(category), report(category)
        far = report(category, POINT_B1)
        data = logged_in(personas.dan).get(f"/workbench/cases/{case.pk}/map.geojson").json()
        labels = [f["properties"]["label"] for f in data["features"]]
        assert labels == [twin.number, case.number]  # the case itself last, drawn on top
        assert far.number not in labels
        assert data["features"][-1]["geometry"]["coordinates"] == [case.x, case.y]
        assert data["features"][0]["properties"]["url"] == f"/workbench/cases/{twin.pk}/"

    def test_it_lists_only_duplicates_i_may_see(self, category, personas):
        case = report(category)
        report(category)
        r = logged_in(personas.dan).get(page_url(case))
        assert len(r.context["duplicates"]) == 1
        # Gwen's scope is grid A1: a twin just across the border in A2 stays hidden from her.
        a2 = report(category, {"lat": 39.105, "lon": 117.2101, "crs": "gcj02"})
        r = logged_in(personas.gwen).get(page_url(case))
        assert a2.number not in [d.case.number for d in r.context["duplicates"]]

    def test_it_shows_photos_to_those_who_may_see_the_case(self, category, personas, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        case = report(category)
        photo = Attachment(case=case, purpose=Attachment.Purpose.REPORT, content_type="image/jpeg")
        photo.file.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0fake"), save=True)
        dan = logged_in(personas.dan)
        url = f"/workbench/cases/{case.pk}/photos/{photo.pk}/"
        assert url in dan.get(page_url(case)).content.decode()
        r = dan.get(url)
        assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
        assert b"".join(r.streaming_content) == b"\xff\xd8\xff\xe0fake"
        assert logged_in(personas.olga).get(url).status_code == 404

    def test_it_shows_the_owner_lead_official_and_supporters(self, category, personas):
        case = report(category)
        A.do_accept_case(case, acting_user=personas.dan)
        A.do_dispatch_case(case, acting_user=personas.dan)
        A.do_take_lead_case(case, acting_user=personas.sara)
        A.do_support_case(case, acting_user=None)
        r = logged_in(personas.dan).get(page_url(case))
        assert r.context["lead"] == "Sara" and r.context["supporters"] == 1
        assert personas.org_a.name_zh in r.content.decode()


@pytest.mark.django_db
class TestOfferedActions:
    def test_it_offers_exactly_what_the_table_allows(self, category, personas):
        """The next step of the loop first, then the side paths; nothing the table refuses."""
        case = report(category)
        assert offered(logged_in(personas.dan).get(page_url(case))) == ["accept", "reject", "merge"]
        assert offered(logged_in(personas.sara).get(page_url(case))) == ["urge", "take_lead"]
        assert offered(logged_in(personas.carl).get(page_url(case))) == []
        A.do_accept_case(case, acting_user=personas.dan)
        assert offered(logged_in(personas.dan).get(page_url(case))) == ["dispatch", "merge", "park"]
        assert offered(logged_in(personas.sara).get(page_url(case))) == ["park", "urge", "take_lead"]
        A.do_dispatch_case(case, acting_user=personas.dan)
        assert offered(logged_in(personas.carl).get(page_url(case))) == ["sign", "return"]

    def test_it_asks_a_reason_only_where_the_table_needs_one(self, category, personas):
        case = report(category)
        r = logged_in(personas.dan).get(page_url(case))
        forms = {a["name"]: a["form"] for a in r.context["actions"]}
        assert "reason" in forms["reject"].fields and "reason" not in forms["accept"].fields
        body = r.content.decode()
        assert '<label for="id_reject-reason">' in body

    def test_it_preselects_the_routed_unit_for_dispatch(self, category, personas):
        case = report(category)
        A.do_accept_case(case, acting_user=personas.dan)
        r = logged_in(personas.dan).get(page_url(case))
        form = next(a["form"] for a in r.context["actions"] if a["name"] == "dispatch")
        assert form.fields["unit"].initial == personas.org_a.pk
        assert personas.org_b not in form.fields["unit"].queryset  # serves another district


@pytest.mark.django_db
class TestActions:
    def test_it_runs_the_closed_loop_through_the_forms(self, category, personas):
        case = report(category)
        dan, carl, gwen = (logged_in(u) for u in (personas.dan, personas.carl, personas.gwen))

        r = act(dan, case, "accept")
        assert r.status_code == 302 and r["Location"] == page_url(case)
        assert fresh(case).status == "accepted"
        assert "done" in dan.get(r["Location"]).content.decode()

        r = act(dan, case, "dispatch", unit=personas.org_a.pk)
        assert r.status_code == 302
        assert (fresh(case).status, fresh(case).owner_unit_id) == ("dispatched", personas.org_a.pk)

        assert act(carl, case, "sign").status_code == 302
        assert act(carl, case, "start").status_code == 302
        r = act(carl, case, "request_extension", duration="2wd", reason="Parts on order")
        assert r.status_code == 302 and fresh(case).pending_extension == "2wd"
        assert act(dan, case, "approve_extension").status_code == 302
        assert fresh(case).extension_count == 1
        assert act(carl, case, "handle", result="Cover replaced").status_code == 302
        assert fresh(case).status == "handled"

        r = act(gwen, case, "verify")
        assert r.status_code == 302
        case = fresh(case)
        assert (case.status, case.version) == ("closed", 9)
        assert list(case.events.values_list("action", flat=True)) == [
            "report",
            "accept",
            "dispatch",
            "sign",
            "start",
            "request_extension",
            "approve_extension",
            "handle",
            "verify",
        ]
        assert case.events.get(action="handle").reason == "Cover replaced"

    def test_it_shows_the_stale_version_message_with_the_fresh_page(self, category, personas):
        case = report(category)
        dan = logged_in(personas.dan)
        seen = fresh(case).version
        A.do_accept_case(case, acting_user=personas.dan)  # someone else, meanwhile
        r = act(dan, case, "reject", version=seen, reason="Not ours")
        assert r.status_code == 409
        assert "changed by someone else — reloaded" in r.content.decode()
        assert r.context["case"].status == "accepted"
        assert offered(r) == ["dispatch", "merge", "park"]
        assert fresh(case).status == "accepted"

    def test_it_shows_a_missing_reason_on_the_form(self, category, personas):
        case = report(category)
        r = act(logged_in(personas.dan), case, "reject", reason="")
        assert r.status_code == 400
        form = next(a["form"] for a in r.context["actions"] if a["name"] == "reject")
        assert form.errors["reason"]
        assert fresh(case).status == "reported"

    def test_it_shows_a_refusal_as_a_form_error(self, category, personas):
        case = report(category)
        A.do_accept_case(case, acting_user=personas.dan)
        A.do_dispatch_case(case, acting_user=personas.dan)
        A.do_sign_case(case, acting_user=personas.carl)
        # The table refuses "sign" now: the message is shown, nothing changes.
        r = act(logged_in(personas.carl), case, "sign")
        assert r.status_code == 403
        assert "not allowed while the case is" in r.content.decode()
        # An action the action function refuses on its own terms is shown the same way.
        r = act(logged_in(personas.dan), case, "approve_extension")
        assert r.status_code == 400
        assert "There is no pending extension request." in r.content.decode()
        assert fresh(case).version == 4

    def test_it_merges_a_duplicate_into_another_case(self, category, personas):
        parent, dup = report(category), report(category)
        dan = logged_in(personas.dan)
        body = dan.get(page_url(dup)).content.decode()
        assert f"Merge this case into {parent.number}" in body
        r = act(dan, dup, "merge", into=parent.number)
        assert r.status_code == 302
        assert (fresh(dup).status, fresh(dup).parent_id) == ("merged", parent.pk)
        page = dan.get(page_url(parent))
        assert [c.number for c in page.context["merged_children"]] == [dup.number]

    def test_it_refuses_to_merge_into_a_case_out_of_sight(self, category, personas):
        dup, other = report(category), report(category, POINT_B1)
        r = act(logged_in(personas.dan), dup, "merge", into=other.number)
        assert r.status_code == 400
        assert f"There is no case {other.number} that you can see." in r.content.decode()

    def test_it_sends_a_handler_home_after_returning_a_case_out_of_their_scope(self, category, personas, small_city):
        # A city bureau's handler who works district B only sees a district A case while it is theirs.
        bureau = make_unit(
            "120000-urban", "市城市管理委员会", Unit.Kind.DEPARTMENT, UnitType.URBAN_MANAGEMENT, small_city.city
        )
        hana = make_staff("hana", bureau, [Role.HANDLER], regions=[small_city.district_b])
        case = report(category)
        A.do_accept_case(case, acting_user=personas.dan)
        A.do_dispatch_case(case, acting_user=personas.dan, unit=bureau)
        hana_client = logged_in(hana)
        assert hana_client.get(page_url(case)).status_code == 200
        r = act(hana_client, case, "return", reason="District A's own bureau handles this")
        assert r.status_code == 302 and r["Location"] == "/workbench/"
        assert fresh(case).status == "accepted"
        assert hana_client.get(page_url(case)).status_code == 404


def png(colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return SimpleUploadedFile("site.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
class TestPhotos:
    @pytest.fixture(autouse=True)
    def _media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def handled_by_hand(self, category, personas) -> Case:
        case = report(category)
        A.do_accept_case(case, acting_user=personas.dan)
        A.do_dispatch_case(case, acting_user=personas.dan)
        A.do_sign_case(case, acting_user=personas.carl)
        return case

    def test_it_stores_the_evidence_with_the_handling(self, category, personas):
        case = self.handled_by_hand(category, personas)
        carl = logged_in(personas.carl)
        assert 'enctype="multipart/form-data"' in carl.get(page_url(case)).content.decode()
        r = act(carl, case, "handle", result="Cover replaced", photos=[png(), png((0, 90, 0))])
        assert r.status_code == 302
        event = CaseEvent.objects.get(case=case, action="handle")
        evidence = list(Attachment.objects.filter(case=case).order_by("pk"))
        assert [(a.purpose, a.event_id, a.content_type) for a in evidence] == [("evidence", event.pk, "image/jpeg")] * 2
        assert len(carl.get(page_url(case)).context["photos"]) == 2

    def test_it_stores_verification_photos(self, category, personas):
        case = self.handled_by_hand(category, personas)
        A.do_handle_case(case, acting_user=personas.carl, result="Cover replaced")
        r = act(logged_in(personas.gwen), case, "fail_verification", reason="Still loose", photos=[png()])
        assert r.status_code == 302
        assert Attachment.objects.get(case=case).purpose == "verification"
        assert fresh(case).status == "in_progress"

    def test_it_refuses_a_file_that_is_no_photo_and_changes_nothing(self, category, personas):
        case = self.handled_by_hand(category, personas)
        bogus = SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png")
        r = act(logged_in(personas.carl), case, "handle", result="Cover replaced", photos=[bogus])
        assert r.status_code == 400
        form = next(a["form"] for a in r.context["actions"] if a["name"] == "handle")
        assert form.errors["photos"]
        assert fresh(case).status == "signed" and not Attachment.objects.exists()

    def test_it_refuses_more_than_three_photos_at_once(self, category, personas):
        case = self.handled_by_hand(category, personas)
        r = act(logged_in(personas.carl), case, "handle", result="Done", photos=[png() for _ in range(4)])
        assert r.status_code == 400
        assert fresh(case).status == "signed" and not Attachment.objects.exists()


@pytest.mark.django_db
class TestContact:
    def test_it_masks_the_contact_and_offers_no_reveal_without_consent(self, category, personas):
        case = report(category, contact="13812345678")
        r = logged_in(personas.dan).get(page_url(case))
        body = r.content.decode()
        assert "138****5678" in body and "13812345678" not in body
        assert "/contact/reveal/" not in body
        r = logged_in(personas.dan).post(f"/workbench/cases/{case.pk}/contact/reveal/", {"purpose": "Call back"})
        assert r.status_code == 403
        assert "has not agreed to share" in r.content.decode()
        assert "13812345678" not in r.content.decode()
        assert not PersonalDataAccess.objects.exists()

    def test_it_reveals_a_shared_contact_and_logs_the_read(self, category, personas):
        case = report(category, contact="rita@example.org", contact_shared=True)
        dan = logged_in(personas.dan)
        body = dan.get(page_url(case)).content.decode()
        assert "r***@example.org" in body and "rita@example.org" not in body
        assert f"/workbench/cases/{case.pk}/contact/reveal/" in body
        r = dan.post(f"/workbench/cases/{case.pk}/contact/reveal/", {"purpose": "Ask where exactly"})
        assert r.status_code == 200
        assert "rita@example.org" in r.content.decode()
        assert r["Cache-Control"] == "no-store" or "no-store" in r["Cache-Control"]
        log = PersonalDataAccess.objects.get()
        assert (log.user, log.case_id, log.field, log.purpose) == (
            personas.dan,
            case.pk,
            "contact",
            "Ask where exactly",
        )

    def test_it_reveals_into_the_page_with_htmx(self, category, personas):
        case = report(category, contact="13812345678", contact_shared=True)
        r = logged_in(personas.dan).post(
            f"/workbench/cases/{case.pk}/contact/reveal/", {"purpose": "Call back"}, headers={"HX-Request": "true"}
        )
        assert r.status_code == 200
        assert r.content.decode().lstrip().startswith('<div id="reporter-contact"')
        assert "13812345678" in r.content.decode()
        assert PersonalDataAccess.objects.count() == 1

    def test_it_shows_a_refusal_inside_the_htmx_fragment(self, category, personas):
        case = report(category, contact="13812345678", contact_shared=True)
        r = logged_in(personas.audrey).post(
            f"/workbench/cases/{case.pk}/contact/reveal/", {"purpose": "Curious"}, headers={"HX-Request": "true"}
        )
        assert r.status_code == 200  # htmx swaps only 2xx answers: the refusal is in the fragment
        assert "Only staff who work on this case" in r.content.decode()
        assert "13812345678" not in r.content.decode()
        assert not PersonalDataAccess.objects.exists()

    def test_it_needs_a_purpose_to_reveal(self, category, personas):
        case = report(category, contact="13812345678", contact_shared=True)
        r = logged_in(personas.dan).post(f"/workbench/cases/{case.pk}/contact/reveal/", {"purpose": ""})
        assert r.status_code == 400
        assert "13812345678" not in r.content.decode()
        assert not PersonalDataAccess.objects.exists()

    def test_it_does_not_reveal_to_an_auditor(self, category, personas):
        case = report(category, contact="13812345678", contact_shared=True)
        r = logged_in(personas.audrey).post(f"/workbench/cases/{case.pk}/contact/reveal/", {"purpose": "Curious"})
        assert r.status_code == 403
        assert "13812345678" not in r.content.decode()
        assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
class TestCost:
    def test_it_costs_a_bounded_number_of_queries(self, category, personas, django_assert_max_num_queries):
        case = report(category, contact="13812345678", contact_shared=True)
        A.do_accept_case(case, acting_user=personas.dan)
        dan = logged_in(personas.dan)
        dan.get(page_url(case))
        with CaptureQueriesContext(connection) as few:
            dan.get(page_url(case))
        for _ in range(10):
            A.do_urge_case(case, acting_user=personas.sara, reason="Again")
            report(category)  # more duplicates nearby
            A.do_support_case(case, acting_user=None)
        with django_assert_max_num_queries(len(few.captured_queries)):
            r = dan.get(page_url(case))
        assert len(r.context["timeline"]) == 22
        assert len(few.captured_queries) <= 16
