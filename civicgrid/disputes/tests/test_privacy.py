"""Dispute parties are visible only to the mediators assigned and the supervisors over them, and
every read is logged (DESIGN.md §1). No API, page, event, notification or log line shows the
parties or the record that names them to anyone else."""

import logging

import pytest
from django.contrib import admin
from django.utils import timezone

from civicgrid.cases.models import CaseEvent
from civicgrid.disputes import actions
from civicgrid.disputes.access import RECORD_FIELD, access_dispute_by_id, read_record
from civicgrid.disputes.models import Party
from civicgrid.disputes.tests.conftest import apply, at, reload
from civicgrid.notify.models import Outbox
from civicgrid.privacy.models import PersonalDataAccess

SECRETS = {
    "applicant": "王秘密甲",
    "respondent": "赵秘密乙",
    "contact": "13800001111",
    "minutes": "会议纪要机密内容",
    "terms": "协议条款机密内容",
    "risk": "激化风险机密描述",
    "feedback": "派出所反馈机密",
    "refusal": "拒绝理由机密",
}
# Told by the applicant: part of the record too (it may name people).
CAUSE, PLACE = "纠纷起因机密描述", "地点机密描述"


@pytest.fixture
def full_dispute(mediation):
    """A dispute through every step that records something personal."""
    m = mediation
    d = apply(
        m,
        cause=CAUSE,
        place=PLACE,
        applicant=actions.PartyIn(SECRETS["applicant"], "applicant", SECRETS["contact"]),
        others=[actions.PartyIn(SECRETS["respondent"], "respondent", "")],
    )
    actions.do_assign_mediators(d, mediators=[m.mia], acting_user=m.max)
    d = reload(d)
    actions.do_ask_consent(d, acting_user=m.mia)
    for p in reload(d).parties.all():
        actions.do_record_consent(reload(d), party=p, accepted=True, channel="phone", acting_user=m.mia)
    actions.do_start_mediation(reload(d), acting_user=m.mia)
    s = actions.do_schedule_session(reload(d), mode="online", scheduled_for=at("2025-01-02"), acting_user=m.mia)
    actions.do_record_session(
        reload(d), session=s, participants=SECRETS["applicant"], minutes=SECRETS["minutes"], acting_user=m.mia
    )
    r = actions.do_refer_to_police(reload(d), risk=SECRETS["risk"], police_unit=m.police_a, acting_user=m.mia)
    actions.do_record_police_feedback(reload(d), referral=r, feedback=SECRETS["feedback"], acting_user=m.mia)
    actions.do_draft_agreement(reload(d), terms=SECRETS["terms"], acting_user=m.mia)
    actions.do_reach_agreement(
        reload(d), form="written", effective_on=timezone.localdate(), signed_by_all=True, sealed=True, acting_user=m.mia
    )
    actions.do_follow_up(
        reload(d), on=timezone.localdate(), method="phone", performance="full", note="", acting_user=m.mia
    )
    # A second dispute, refused, so that the refusal note is on record too.
    other = apply(m, others=[actions.PartyIn(SECRETS["respondent"], "respondent")])
    actions.do_assign_mediators(other, mediators=[m.mia], acting_user=m.max)
    actions.do_ask_consent(reload(other), acting_user=m.mia)
    party = other.parties.order_by("pk").last()
    actions.do_record_consent(
        reload(other), party=party, accepted=False, channel="phone", note=SECRETS["refusal"], acting_user=m.mia
    )
    return reload(d)


def assert_hidden(text):
    for name, secret in SECRETS.items():
        assert secret not in text, name
    assert CAUSE not in text and PLACE not in text


def pages(d):
    case = d.case
    agreement = d.agreements.get()
    return [
        "/api/v1/cases",
        "/workbench/",
        f"/workbench/cases/{case.pk}/",
        "/patrol/",
        "/command/",
        "/mediation/desk/",
        f"/mediation/desk/{d.pk}/",
        f"/mediation/desk/{d.pk}/agreements/{agreement.pk}/print/",
        "/mediation/screening/",
        "/api/v1/disputes",
        f"/api/v1/disputes/{d.pk}",
        "/open311/v2/requests.json",
    ]


@pytest.mark.parametrize("who", ["dan", "sara", "gwen", "carl", "olga", "audrey", "rita", "mo", "anonymous"])
def test_it_shows_nothing_of_the_record_to_a_user_without_the_role(client, full_dispute, mediation, who):
    user = None if who == "anonymous" else getattr(mediation.personas, who, None) or getattr(mediation, who)
    if user is not None:
        client.force_login(user)
    for url in pages(full_dispute):
        r = client.get(url)
        assert r.status_code < 500, url
        assert_hidden(r.content.decode())
    r = client.post(
        f"/api/v1/disputes/{full_dispute.pk}/record", {"purpose": "curious"}, content_type="application/json"
    )
    assert r.status_code in (401, 403, 404)
    assert_hidden(r.content.decode())
    assert not PersonalDataAccess.objects.exists()


def test_it_shows_an_unassigned_mediator_of_the_organisation_the_dispute_but_not_its_record(
    client, full_dispute, mediation
):
    client.force_login(mediation.max)
    r = client.get(f"/mediation/desk/{full_dispute.pk}/")
    assert r.status_code == 200
    assert_hidden(r.content.decode())  # the type, place code and status are enough to assign it
    assert (
        client.get(
            f"/mediation/desk/{full_dispute.pk}/agreements/{full_dispute.agreements.get().pk}/print/"
        ).status_code
        == 404
    )
    r = client.post(f"/api/v1/disputes/{full_dispute.pk}/record", {"purpose": "x"}, content_type="application/json")
    assert r.status_code == 403
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("who", ["mia", "sue"])
def test_it_shows_the_mediator_and_their_supervisor_everything_and_logs_each_read(client, full_dispute, mediation, who):
    user = getattr(mediation, who)
    client.force_login(user)
    r = client.get(f"/mediation/desk/{full_dispute.pk}/")
    body = r.content.decode()
    for name in ("applicant", "respondent", "contact", "minutes", "terms", "risk"):
        assert SECRETS[name] in body, name
    assert CAUSE in body and PLACE in body
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.case_id, log.field) == (user, full_dispute.case_id, RECORD_FIELD)
    r = client.post(
        f"/api/v1/disputes/{full_dispute.pk}/record", {"purpose": "call the parties"}, content_type="application/json"
    )
    assert r.status_code == 200 and SECRETS["contact"] in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    assert PersonalDataAccess.objects.filter(purpose="call the parties").count() == 1
    client.get(f"/mediation/desk/{full_dispute.pk}/agreements/{full_dispute.agreements.get().pk}/print/")
    assert PersonalDataAccess.objects.count() == 3


def test_it_logs_before_it_reads_and_refuses_a_read_without_purpose(full_dispute, mediation):
    with pytest.raises(ValueError):
        read_record(mediation.mia, full_dispute, purpose=" ")
    assert not PersonalDataAccess.objects.exists()


def test_it_shows_the_general_case_api_nothing_of_the_record(client, full_dispute, mediation):
    client.force_login(mediation.personas.dan)
    r = client.get(f"/api/v1/cases/{full_dispute.case_id}")
    assert r.status_code == 404  # the general case API serves problems only
    assert_hidden(r.content.decode())


def test_it_keeps_personal_data_out_of_events_notifications_and_the_access_log(full_dispute):
    for e in CaseEvent.objects.all():
        assert_hidden(f"{e.reason} {e.payload}")
    for row in Outbox.objects.all():
        assert_hidden(f"{row.recipient} {row.subject} {row.body} {row.payload}")
    assert_hidden(" ".join(f"{r.field} {r.purpose}" for r in PersonalDataAccess.objects.all()))


def test_it_writes_no_personal_data_to_the_logs(client, mediation, caplog):
    caplog.set_level(logging.DEBUG)
    d = apply(
        mediation,
        cause=CAUSE,
        applicant=actions.PartyIn(SECRETS["applicant"], "applicant", SECRETS["contact"]),
    )
    actions.do_assign_mediators(d, mediators=[mediation.mia], acting_user=mediation.max)
    client.force_login(mediation.personas.dan)
    client.get("/api/v1/cases")
    client.get(f"/workbench/cases/{d.case_id}/")
    client.get(f"/mediation/desk/{d.pk}/")
    client.force_login(mediation.mia)
    client.get(f"/mediation/desk/{d.pk}/")
    client.post(f"/mediation/desk/{d.pk}/act/record_consent/", {"record_consent-expected_version": "0"})
    assert_hidden("\n".join(r.getMessage() for r in caplog.records))


def test_it_answers_the_same_404_for_missing_and_not_yours(full_dispute, mediation):
    from django.http import Http404

    for dispute_id in (full_dispute.pk, 999999):
        with pytest.raises(Http404):
            access_dispute_by_id(mediation.mo, dispute_id)


def test_it_registers_no_admin_for_the_parties():
    assert Party not in admin.site._registry
