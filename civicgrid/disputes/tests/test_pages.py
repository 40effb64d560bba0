"""The mediators' pages: the desk, the dispute page and its action forms, registration, and the
printable written agreement."""

import pytest
import time_machine
from django.utils import timezone

from civicgrid.cases.models import CaseEvent
from civicgrid.disputes import actions
from civicgrid.disputes.models import Consent, Dispute
from civicgrid.disputes.tests.conftest import agreed, apply, assigned, at, mediating, reload
from civicgrid.privacy.models import PersonalDataAccess


def post(client, d, action, data):
    fields = {f"{action}-{k}": v for k, v in data.items()}
    fields.setdefault(f"{action}-expected_version", str(reload(d).case.version))
    return client.post(f"/mediation/desk/{d.pk}/act/{action}/", fields)


class TestTheDesk:
    def test_it_lists_my_disputes_and_those_waiting_for_a_mediator(self, client, mediation):
        mine = assigned(mediation)
        waiting = apply(mediation)
        client.force_login(mediation.mia)
        body = client.get("/mediation/desk/").content.decode()
        assert mine.case.number in body and waiting.case.number in body
        assert body.index("Assigned to me") < body.index(mine.case.number) < body.index("Waiting for a mediator")
        assert "张三" not in body

    def test_it_shows_a_supervisor_the_disputes_below_and_this_months_numbers(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.sue)
        body = client.get("/mediation/desk/").content.decode()
        assert d.case.number in body and "Resolution rate" in body

    def test_it_keeps_other_organisations_out(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.mo)
        assert d.case.number not in client.get("/mediation/desk/").content.decode()
        assert client.get(f"/mediation/desk/{d.pk}/").status_code == 404

    @pytest.mark.parametrize("who", ["carl", "dan", "rita"])
    def test_it_answers_403_to_staff_without_the_role(self, client, mediation, who):
        client.force_login(getattr(mediation.personas, who))
        assert client.get("/mediation/desk/").status_code == 403

    def test_it_sends_an_anonymous_visitor_to_sign_in(self, client, mediation):
        r = client.get("/mediation/desk/")
        assert r.status_code == 302 and "/accounts/login/" in r.url

    def test_it_reads_the_desk_in_a_bounded_number_of_queries(self, client, mediation, django_assert_max_num_queries):
        for _ in range(3):
            assigned(mediation)
        client.force_login(mediation.mia)
        client.get("/mediation/desk/")
        for _ in range(5):
            assigned(mediation)
        with django_assert_max_num_queries(10):
            client.get("/mediation/desk/")


class TestTheDisputePage:
    def test_it_shows_the_mediator_the_parties_and_the_forms_the_table_allows(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.mia)
        body = client.get(f"/mediation/desk/{d.pk}/").content.decode()
        assert "张三" in body and "13812345678" in body
        assert f'action="/mediation/desk/{d.pk}/act/ask_consent/"' in body
        assert "act/start_mediation/" not in body  # not in this state
        assert PersonalDataAccess.objects.filter(user=mediation.mia, case=d.case).count() == 1

    def test_it_walks_the_mediation_through_its_forms(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.mia)
        assert post(client, d, "ask_consent", {}).status_code == 302
        for party in d.parties.order_by("pk"):
            r = post(client, d, "record_consent", {"party": party.pk, "answer": "yes", "channel": "phone"})
            assert r.status_code == 302
        assert post(client, d, "start_mediation", {"agreed_days": ""}).status_code == 302
        r = post(client, d, "schedule_session", {"mode": "online", "scheduled_for": "2025-03-05T14:00", "venue": ""})
        assert r.status_code == 302
        session = d.sessions.get()
        r = post(client, d, "record_session", {"session": session.pk, "participants": "双方", "minutes": "达成一致"})
        assert r.status_code == 302
        r = post(client, d, "draft_agreement", {"facts": "漏水", "terms": "修复", "performance": "一周内"})
        assert r.status_code == 302
        today = timezone.localdate().isoformat()
        r = post(
            client,
            d,
            "reach_agreement",
            {"kind": "written", "effective_on": today, "signed_by_all": "on", "sealed": "on"},
        )
        assert r.status_code == 302
        r = post(client, d, "follow_up", {"on": today, "method": "visit", "performance": "full", "note": ""})
        assert r.status_code == 302
        assert post(client, d, "close", {}).status_code == 302
        assert reload(d).case.status == "closed"

    def test_it_shows_a_refused_start_on_its_form_and_writes_nothing(self, client, mediation):
        d = assigned(mediation)
        actions.do_ask_consent(d, acting_user=mediation.mia)
        client.force_login(mediation.mia)
        version = reload(d).case.version
        r = post(client, d, "start_mediation", {"agreed_days": ""})
        assert r.status_code == 400
        assert "人民调解法 Art. 17" in r.content.decode()
        assert reload(d).case.version == version and reload(d).case.status == "consenting"

    def test_it_shows_a_late_application_for_confirmation_refused_with_art_33(self, client, mediation):
        now = at("2025-03-03")
        with time_machine.travel(now, tick=False):
            d = agreed(mediation, now=now)
        client.force_login(mediation.mia)
        with time_machine.travel(at("2025-04-03"), tick=False):
            r = post(
                client, d, "apply_confirmation", {"court": "A区人民法院", "applied_on": "2025-04-03", "joint": "on"}
            )
        assert r.status_code == 400
        assert "Art. 33" in r.content.decode() and "2025-04-02" in r.content.decode()
        assert not reload(d).confirmations.exists()

    def test_it_records_a_refusal_through_the_consent_form(self, client, mediation):
        d = assigned(mediation)
        actions.do_ask_consent(d, acting_user=mediation.mia)
        client.force_login(mediation.mia)
        party = d.parties.order_by("pk").last()
        r = post(client, d, "record_consent", {"party": party.pk, "answer": "no", "channel": "phone", "note": ""})
        assert r.status_code == 400 and not Consent.objects.exists()
        r = post(client, d, "record_consent", {"party": party.pk, "answer": "no", "channel": "phone", "note": "不调"})
        assert r.status_code == 302 and reload(d).case.status == "refused"

    def test_it_answers_a_stale_form_with_the_conflict(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.mia)
        r = post(client, d, "ask_consent", {"expected_version": "0"})
        assert r.status_code == 400 and "changed by someone else" in r.content.decode()
        assert reload(d).case.status == "applied"

    def test_it_refuses_an_action_the_user_may_not_take(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.max)  # in the organisation, not assigned
        r = post(client, d, "ask_consent", {})
        assert r.status_code == 400 and "may not take this action" in r.content.decode()
        assert client.post(f"/mediation/desk/{d.pk}/act/nonsense/", {}).status_code == 404

    def test_it_lets_an_organisation_mediator_pick_a_dispute_up(self, client, mediation):
        d = apply(mediation)
        client.force_login(mediation.max)
        r = post(client, d, "assign", {"mediators": [mediation.max.pk]})
        assert r.status_code == 302
        assert list(reload(d).mediators.all()) == [mediation.max]

    def test_it_reads_a_dispute_page_in_a_bounded_number_of_queries(
        self, client, mediation, django_assert_max_num_queries
    ):
        d = mediating(mediation)
        for i in range(4):
            actions.do_schedule_session(
                reload(d), mode="online", scheduled_for=at(f"2025-03-0{i + 2}"), acting_user=mediation.mia
            )
        client.force_login(mediation.mia)
        with django_assert_max_num_queries(25):
            assert client.get(f"/mediation/desk/{d.pk}/").status_code == 200


class TestRegistering:
    def test_it_lets_a_grid_worker_register_a_dispute_found_on_patrol(self, client, mediation):
        client.force_login(mediation.personas.gwen)
        r = client.post(
            "/mediation/desk/register/",
            {
                "source": "screening",
                "category": mediation.neighbour.pk,
                "region_code": "120101001001001",
                "cause": "噪音纠纷",
                "party1_name": "住户甲",
            },
        )
        assert r.status_code == 302 and r.url == "/mediation/desk/register/"  # she cannot open it
        d = Dispute.objects.get()
        assert (d.source, d.case.status, d.organisation) == ("screening", "identified", mediation.committee_a)
        assert CaseEvent.objects.get(case=d.case).actor_role == "grid_worker"

    def test_it_refuses_a_grid_worker_outside_her_grid(self, client, mediation):
        client.force_login(mediation.personas.gwen)
        r = client.post(
            "/mediation/desk/register/",
            {"source": "screening", "category": mediation.neighbour.pk, "region_code": "120101001001002", "cause": "x"},
        )
        assert r.status_code == 400 and not Dispute.objects.exists()

    def test_it_lets_a_mediator_register_a_court_referral(self, client, mediation):
        client.force_login(mediation.mia)
        r = client.post(
            "/mediation/desk/register/",
            {
                "source": "court_delegated",
                "category": mediation.neighbour.pk,
                "region_code": "120101001",
                "cause": "诉前委派",
                "referred_by": "A区人民法院",
                "received_at": "2025-03-03T09:00",
            },
        )
        d = Dispute.objects.get()
        assert r.status_code == 302 and r.url == f"/mediation/desk/{d.pk}/"
        assert (d.source, d.period_days, d.referred_by) == ("court_delegated", 30, "A区人民法院")


class TestThePrintedAgreement:
    def test_it_lists_the_contents_and_a_signature_line_for_everyone(self, client, mediation):
        d = agreed(mediation, form="written")
        client.force_login(mediation.mia)
        a = d.agreements.get()
        r = client.get(f"/mediation/desk/{d.pk}/agreements/{a.pk}/print/", HTTP_ACCEPT_LANGUAGE="en")
        body = r.content.decode()
        assert r.status_code == 200 and "disputes-print.css" in body
        for text in (
            "人民调解协议书",
            "The parties",
            "Main facts, disputed items and each party's responsibility",
            "What the parties agreed",
            "Manner and time of performance",
            "李四修复漏水并赔偿500元",
            "Seal of the people's mediation committee",
            d.case.number,
        ):
            assert text in body, text
        assert body.count("Signature, seal or fingerprint") == 2  # one line per party
        assert "张三" in body and "李四" in body and "People's mediator: Mia" in body
        assert PersonalDataAccess.objects.filter(purpose__contains="printing").count() == 1

    def test_it_answers_404_for_an_agreement_of_another_dispute(self, client, mediation):
        d = agreed(mediation, form="written")
        other = assigned(mediation)
        client.force_login(mediation.mia)
        assert client.get(f"/mediation/desk/{other.pk}/agreements/{d.agreements.get().pk}/print/").status_code == 404
