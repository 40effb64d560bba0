"""A resident applies for mediation without an account: receipt number, private follow link."""

import pytest

from civicgrid.cases.actions import Invalid
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.disputes import actions
from civicgrid.disputes.models import Dispute, Party
from civicgrid.disputes.tests.conftest import APPLICANT, RESPONDENT, apply


def form_data(m, **changes):
    data = {
        "category": m.neighbour.pk,
        "district": "120101",
        "street": "120101001",
        "place": "3号楼",
        "cause": "楼上漏水，协商未果",
        "applicant_name": "张三",
        "applicant_contact": "13812345678",
        "other1_name": "李四",
        "other1_contact": "",
        "organisation": "",
        "idempotency_key": "k1",
    }
    data.update(changes)
    return data


class TestTheAction:
    def test_it_creates_a_dispute_case_with_its_parties(self, mediation):
        d = apply(mediation)
        case = d.case
        assert (case.kind, case.status, case.source) == (Case.Kind.DISPUTE, "applied", Case.Source.WEB)
        assert (case.grid_code, case.community_code, case.street_code, case.district_code) == (
            "120101001001001",
            "120101001001",
            "120101001",
            "120101",
        )
        assert d.organisation == mediation.committee_a  # the street's committee, the most local
        assert case.owner_unit == mediation.committee_a
        assert [(p.name, p.role) for p in d.parties.order_by("pk")] == [("张三", "applicant"), ("李四", "respondent")]
        assert d.source == "application"

    def test_it_keeps_the_case_free_of_personal_data(self, mediation):
        d = apply(mediation)
        case = d.case
        assert case.description == "邻里纠纷 / Neighbour dispute"
        assert (case.address, case.contact, case.reporter_id) == ("", "", None)
        event = CaseEvent.objects.get(case=case)
        assert event.payload == {"source": "application", "organisation": "120101001-mediation"}
        assert event.reason == ""

    def test_it_sends_an_application_naming_only_a_district_to_its_centre(self, mediation):
        d = apply(mediation, region_code="120101")
        assert d.organisation == mediation.centre_a
        assert (d.case.grid_code, d.case.street_code) == ("120101", "")

    def test_it_lets_the_resident_choose_a_trade_committee(self, mediation):
        d = apply(mediation, organisation=mediation.property_org)
        assert d.organisation == mediation.property_org

    def test_it_refuses_an_organisation_that_does_not_serve_the_place(self, mediation):
        with pytest.raises(Invalid):
            apply(mediation, organisation=mediation.centre_b)
        assert not Dispute.objects.exists()

    def test_it_refuses_an_application_with_one_party_citing_the_law(self, mediation):
        with pytest.raises(Invalid) as e:
            apply(mediation, others=[])
        assert "人民调解法 Art. 2" in e.value.message
        assert not Case.objects.exists() and not Party.objects.exists()

    @pytest.mark.parametrize(
        "changes",
        [
            {"cause": "  "},
            {"region_code": "999999"},
            {"region_code": "120000"},
            {"region_code": "abc"},
            {"applicant": actions.PartyIn("", "applicant")},
            {"others": [actions.PartyIn("x" * 101, "respondent")]},
        ],
    )
    def test_it_refuses_bad_input_and_writes_nothing(self, mediation, changes):
        with pytest.raises(Invalid):
            apply(mediation, **changes)
        assert not Case.objects.exists() and not CaseEvent.objects.exists() and not Party.objects.exists()

    def test_it_refuses_a_problem_category(self, mediation):
        from civicgrid.testing import make_category

        with pytest.raises(Invalid):
            apply(mediation, category=make_category())

    def test_it_returns_the_first_dispute_for_a_retried_submission(self, mediation):
        first, created = actions.do_apply_for_mediation(
            acting_user=None,
            category=mediation.neighbour,
            region_code="120101001",
            cause="漏水",
            applicant=APPLICANT,
            others=[RESPONDENT],
            idempotency_key="same",
        )
        again, created_again = actions.do_apply_for_mediation(
            acting_user=None,
            category=mediation.neighbour,
            region_code="120101001",
            cause="漏水",
            applicant=APPLICANT,
            others=[RESPONDENT],
            idempotency_key="same",
        )
        assert (created, created_again, again.pk) == (True, False, first.pk)
        assert Dispute.objects.count() == 1


class TestThePages:
    def test_it_shows_the_form_to_anyone(self, client, mediation):
        r = client.get("/mediation/apply/")
        assert r.status_code == 200
        body = r.content.decode()
        assert "Neighbour dispute" in body and 'name="applicant_contact"' in body
        assert mediation.property_org.name_zh in body  # a trade committee may be chosen

    def test_it_gives_a_receipt_number_and_a_private_link(self, client, mediation):
        r = client.post("/mediation/apply/", form_data(mediation))
        dispute = Dispute.objects.get()
        token = dispute.case.tracking_token
        assert r.status_code == 302 and r.url == f"/mediation/apply/receipt/{token}/"
        r = client.get(r.url)
        body = r.content.decode()
        assert dispute.case.number in body and f"/mediation/follow/{token}/" in body
        assert r["Cache-Control"] == "no-store" and r["Referrer-Policy"] == "same-origin"
        assert "张三" not in body and "13812345678" not in body

    def test_it_shows_bad_input_on_the_form_and_writes_nothing(self, client, mediation):
        r = client.post("/mediation/apply/", form_data(mediation, other1_name="", cause=""))
        assert r.status_code == 400
        assert "application was not sent" in r.content.decode()
        assert not Dispute.objects.exists()

    def test_it_refuses_a_street_outside_the_district(self, client, mediation):
        r = client.post("/mediation/apply/", form_data(mediation, street="120102001"))
        assert r.status_code == 400
        assert not Dispute.objects.exists()

    def test_it_files_one_dispute_for_a_form_sent_twice(self, client, mediation):
        client.post("/mediation/apply/", form_data(mediation))
        r = client.post("/mediation/apply/", form_data(mediation))
        assert r.status_code == 302
        assert Dispute.objects.count() == 1

    def test_it_follows_the_application_without_showing_any_party(self, client, mediation):
        d = apply(mediation)
        actions.do_assign_mediators(d, mediators=[mediation.mia], acting_user=mediation.max)
        r = client.get(f"/mediation/follow/{d.case.tracking_token}/", HTTP_ACCEPT_LANGUAGE="en")
        body = r.content.decode()
        assert r.status_code == 200
        assert "Application received" in body and "Mediators assigned" in body
        for secret in ("张三", "李四", "13812345678", "楼上漏水", "mia", "Mia"):
            assert secret not in body
        assert r["X-Robots-Tag"] == "noindex"

    def test_it_answers_404_for_a_wrong_link(self, client, mediation):
        apply(mediation)
        assert client.get("/mediation/follow/nope/").status_code == 404

    def test_it_does_not_follow_a_problem_case_by_its_link(self, client, mediation):
        from civicgrid.cases.actions import do_report_case
        from civicgrid.testing import POINT_A1, make_category

        case, _ = do_report_case(acting_user=None, category=make_category(), description="x", **POINT_A1)
        assert client.get(f"/mediation/follow/{case.tracking_token}/").status_code == 404
