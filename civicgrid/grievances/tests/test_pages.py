"""The grievance pages: the petitioner's (submit, receipt, lookup, private page, printable
documents) and the staff's (desk, registration, grievance page and steps, backlog, export)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.grievances.models import Document, Evaluation, Grievance, SameMatterLink
from civicgrid.grievances.tests.conftest import (
    SECRET_ADDRESS,
    SECRET_CONTACT,
    SECRET_MATERIAL,
    SECRET_NAME,
    accusation,
    assign,
    reload,
    submit,
    to_decided,
)
from civicgrid.privacy.models import PersonalDataAccess

MAY_5 = dt.datetime(2025, 5, 5, 2, tzinfo=dt.UTC)  # 10:00 in Tianjin


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Grievance.objects.count(), SameMatterLink.objects.count()


def form_data(world, **kw):
    return {
        "category": str(world.appeal.pk),
        "region": world.city.district_a.code,
        "petitioner_name": SECRET_NAME,
        "petitioner_contact": SECRET_CONTACT,
        "request": "请求撤销违建认定",
        "facts_and_reasons": "",
        "idempotency_key": "6b0ae0d8-6f5e-4f0b-9d77-0a1b2c3d4e5f",
        **kw,
    }


class TestPetitioner:
    def test_it_submits_and_gives_the_receipt_number_and_private_link(self, world):
        c = Client()
        assert c.get(reverse("grievances:home")).status_code == 200
        page = c.get(reverse("grievances:submit"))
        assert page.status_code == 200 and "Who you are" in page.content.decode()
        r = c.post(reverse("grievances:submit"), form_data(world))
        case = Case.objects.get(kind="grievance")
        assert r.status_code == 302 and r["Location"] == reverse("grievances:receipt", args=[case.tracking_token])
        receipt = c.get(r["Location"])
        text = receipt.content.decode()
        assert case.number in text and f"/grievances/follow/{case.tracking_token}/" in text
        assert receipt["Cache-Control"].startswith("no-store") or "no-cache" in receipt["Cache-Control"]
        again = c.post(reverse("grievances:submit"), form_data(world))  # the same form sent twice
        assert again.status_code == 302 and Case.objects.count() == 1

    def test_it_refuses_a_bad_form_and_writes_nothing(self, world):
        before = counts()
        for changes in ({"petitioner_name": ""}, {"region": "999999"}, {"category": "0"}, {"earlier_number": "??"}):
            r = Client().post(reverse("grievances:submit"), form_data(world, **changes))
            assert r.status_code == 400
            assert 'class="errorlist' in r.content.decode()
        assert counts() == before

    def test_it_links_a_submission_of_a_matter_being_handled(self, world):
        earlier = submit(world)
        r = Client().post(reverse("grievances:submit"), form_data(world, earlier_number=earlier.number), follow=True)
        assert r.status_code == 200
        text = r.content.decode()
        assert "already being handled" in text and "Art. 19" in text and earlier.number in text
        assert earlier.tracking_token not in text
        assert SameMatterLink.objects.count() == 1 and Case.objects.count() == 1

    def test_it_refuses_the_same_facts_after_re_review_on_the_form(self, world):
        earlier = submit(world)
        Case.objects.filter(pk=earlier.pk).update(status="final")
        before = counts()
        r = Client().post(reverse("grievances:submit"), form_data(world, earlier_number=earlier.number))
        assert r.status_code == 400 and "Art. 36" in r.content.decode()
        assert counts() == before

    def test_it_looks_up_a_number_without_showing_the_matter(self, world):
        case = accusation(world)
        r = Client().get(reverse("grievances:lookup"), {"number": case.number.lower()})
        text = r.content.decode()
        assert r.status_code == 200 and "Registered" in text
        assert SECRET_NAME not in text and SECRET_MATERIAL not in text and "Accusation" not in text
        assert Client().get(reverse("grievances:lookup"), {"number": "NOPE"}).status_code == 404

    def test_it_shows_the_review_right_with_its_last_day(self, world):
        with time_machine.travel(MAY_5, tick=False):
            case = to_decided(world)
            r = Client().get(reverse("grievances:follow", args=[case.tracking_token]))
        text = r.content.decode()
        assert "Ask for a review" in text and "2025-06-04" in text and "Art. 35" in text
        assert SECRET_NAME in text  # her own
        assert "Evaluate the handling" in text

    def test_it_refuses_a_late_review_citing_article_35_and_writes_nothing(self, world):
        with time_machine.travel(MAY_5, tick=False):
            case = to_decided(world)
        url = reverse("grievances:follow_action", args=[case.tracking_token, "request_review"])
        with time_machine.travel(dt.datetime(2025, 6, 5, 1, tzinfo=dt.UTC), tick=False):
            page = Client().get(reverse("grievances:follow", args=[case.tracking_token])).content.decode()
            assert "The 30 days for asking a review ended on 2025-06-04" in page
            before = counts()
            r = Client().post(url, {"expected_version": reload(case).version, "grounds": "不服"})
            assert r.status_code == 400
            assert "2025-06-04" in r.content.decode() and "Art. 35" in r.content.decode()
            assert counts() == before and reload(case).status == "decided"

    def test_it_takes_a_review_and_an_evaluation_from_the_private_page(self, world):
        case = to_decided(world)
        c = Client()
        evaluate = reverse("grievances:follow_action", args=[case.tracking_token, "evaluate"])
        r = c.post(evaluate, {"expected_version": reload(case).version, "rating": "2", "comment": "还行"})
        assert r.status_code == 302 and Evaluation.objects.get().rating == 2
        review = reverse("grievances:follow_action", args=[case.tracking_token, "request_review"])
        assert c.post(review, {"expected_version": 0}).status_code == 409
        r = c.post(review, {"expected_version": reload(case).version, "grounds": "不服"})
        assert r.status_code == 302 and reload(case).status == "in_review"
        assert c.post(reverse("grievances:follow_action", args=[case.tracking_token, "nope"])).status_code == 404
        assert c.get(reverse("grievances:follow", args=["x" * 43])).status_code == 404

    def test_it_prints_the_decision_with_the_rights_notice(self, world):
        case = to_decided(world)
        doc = Document.objects.get(kind="decision")
        r = Client().get(reverse("grievances:follow_document", args=[case.tracking_token, doc.pk]))
        text = r.content.decode()
        assert r.status_code == 200 and "Grievance decision" in text and "Do not support the request" in text
        assert world.urban_city.name_zh in text and "Art. 35" in text and "data-print" in text
        assert PersonalDataAccess.objects.count() == 0


class TestStaff:
    def test_it_shows_the_desk_to_grievance_staff_only(self, world, django_assert_max_num_queries):
        for _ in range(3):
            assign(world, submit(world))
        submit(world)
        c = logged_in(world.gina)
        with django_assert_max_num_queries(12):
            r = c.get(reverse("grievances:desk"))
        text = r.content.decode()
        assert r.status_code == 200 and "To triage" in text and SECRET_NAME not in text
        assert logged_in(world.dan).get(reverse("grievances:desk")).status_code == 403
        assert Client().get(reverse("grievances:desk")).status_code == 302
        assert PersonalDataAccess.objects.count() == 0

    def test_it_shows_the_file_and_the_clocks_and_logs_the_read(self, world):
        case = assign(world, submit(world))
        r = logged_in(world.carl).get(reverse("grievances:detail", args=[case.pk]))
        text = r.content.decode()
        assert r.status_code == 200 and SECRET_NAME in text and SECRET_ADDRESS in text
        assert "Written notice by the body" in text and "Accept and send the written notice" in text
        assert "Object: not within our authority" in text
        assert list(PersonalDataAccess.objects.values_list("field", flat=True).order_by("field")) == [
            "grievance_content",
            "grievance_identity",
        ]

    def test_it_takes_steps_from_the_page(self, world):
        case = submit(world)
        gina = logged_in(world.gina)
        url = reverse("grievances:action", args=[case.pk, "assign"])
        bad = gina.post(url, {"expected_version": case.version, "mode": "transfer"})
        assert bad.status_code == 400 and reload(case).status == "registered"
        r = gina.post(url, {"expected_version": case.version, "mode": "transfer", "unit": world.urban_a.pk})
        assert r.status_code == 302 and reload(case).status == "assigned"
        stale = gina.post(url, {"expected_version": case.version, "mode": "transfer", "unit": world.urban_a.pk})
        assert stale.status_code in (403, 409)
        carl = logged_in(world.carl)
        r = carl.post(
            reverse("grievances:action", args=[case.pk, "object"]),
            {"expected_version": reload(case).version, "reason": "不属本单位职权"},
        )
        assert r.status_code == 302 and r["Location"] == reverse("grievances:desk")
        assert logged_in(world.olga).post(url, {"expected_version": 0}).status_code == 404

    def test_it_refuses_a_late_objection_on_the_page_citing_article_23(self, world):
        with time_machine.travel(dt.datetime(2025, 3, 3, 2, tzinfo=dt.UTC), tick=False):
            case = assign(world, submit(world))
        with time_machine.travel(dt.datetime(2025, 3, 11, 2, tzinfo=dt.UTC), tick=False):
            before = counts()
            r = logged_in(world.carl).post(
                reverse("grievances:action", args=[case.pk, "object"]),
                {"expected_version": reload(case).version, "reason": "不属本单位职权"},
            )
            assert r.status_code == 400 and "Art. 23" in r.content.decode()
            assert counts() == before

    def test_it_registers_a_visit_only_when_the_record_was_read_back(self, world):
        data = form_data(world, channel="visit", received_on="")
        c = logged_in(world.gina)
        assert c.get(reverse("grievances:record")).status_code == 200
        r = c.post(reverse("grievances:record"), data)
        assert r.status_code == 400 and "Art. 19" in r.content.decode()
        r = c.post(reverse("grievances:record"), {**data, "record_confirmed": "on"})
        assert r.status_code == 302 and Grievance.objects.get().channel == "visit"
        assert logged_in(world.carl).get(reverse("grievances:record")).status_code == 403

    def test_it_prints_a_decision_without_the_identity_for_the_complained_unit(self, world):
        from civicgrid.grievances import actions

        case = assign(world, submit(world, complained_unit=world.housing_a), unit=world.housing_a)
        actions.do_admit_grievance(reload(case), acting_user=world.pete, text="已接收")
        actions.do_decide_grievance(reload(case), acting_user=world.pete, outcome="explain", text="t", basis="b")
        doc = Document.objects.get(kind="decision")
        r = logged_in(world.pete).get(reverse("grievances:document", args=[case.pk, doc.pk]))
        text = r.content.decode()
        assert r.status_code == 200 and "Withheld" in text
        assert SECRET_NAME not in text and SECRET_ADDRESS not in text and SECRET_CONTACT not in text
        r = logged_in(world.gina).get(reverse("grievances:document", args=[case.pk, doc.pk]))
        assert SECRET_NAME in r.content.decode()

    def test_it_shows_the_backlog_and_exports_it_without_identity_or_content(self, world):
        with time_machine.travel(dt.datetime(2025, 1, 2, 2, tzinfo=dt.UTC), tick=False):
            assign(world, accusation(world, complained_unit=world.housing_a))
            submit(world)
        with time_machine.travel(dt.datetime(2025, 6, 1, 2, tzinfo=dt.UTC), tick=False):
            r = logged_in(world.sara).get(reverse("grievances:backlog"))
            text = r.content.decode()
            assert r.status_code == 200 and "2 long-open grievances" in text
            csv = logged_in(world.sara).get(reverse("grievances:backlog_csv"))
            body = csv.content.decode("utf-8-sig")
            assert csv["Content-Type"].startswith("text/csv") and len(body.strip().splitlines()) == 3
            assert body.splitlines()[0].startswith("number,type,status")
            for secret in (SECRET_NAME, SECRET_MATERIAL, SECRET_CONTACT, SECRET_ADDRESS):
                assert secret not in text and secret not in body
            pete_csv = logged_in(world.pete).get(reverse("grievances:backlog_csv")).content.decode("utf-8-sig")
            assert len(pete_csv.strip().splitlines()) == 2  # the accusation about his unit is not there
            assert logged_in(world.carl).get(reverse("grievances:backlog")).status_code == 403
            assert logged_in(world.sara).get(reverse("grievances:backlog"), {"month": "garbage"}).status_code == 200


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_it_renders_every_page_in_both_languages(world, lang):
    case = to_decided(world)
    doc = Document.objects.get(kind="decision")
    pages = [
        (Client(), reverse("grievances:home")),
        (Client(), reverse("grievances:submit")),
        (Client(), reverse("grievances:lookup") + f"?number={case.number}"),
        (Client(), reverse("grievances:receipt", args=[case.tracking_token])),
        (Client(), reverse("grievances:follow", args=[case.tracking_token])),
        (Client(), reverse("grievances:follow_document", args=[case.tracking_token, doc.pk])),
        (logged_in(world.gina), reverse("grievances:desk")),
        (logged_in(world.gina), reverse("grievances:record")),
        (logged_in(world.gina), reverse("grievances:detail", args=[case.pk])),
        (logged_in(world.gina), reverse("grievances:document", args=[case.pk, doc.pk])),
        (logged_in(world.gina), reverse("grievances:backlog")),
    ]
    for client, url in pages:
        r = client.get(url, headers={"accept-language": lang})
        assert r.status_code == 200, url
        assert f'lang="{lang}"' in r.content.decode(), url
