"""Referral to the police (人民调解法 Art. 25) and the recorded criminal outcome (民转刑)."""

from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone

from civicgrid.cases.actions import Forbidden, Invalid
from civicgrid.cases.models import CaseEvent
from civicgrid.disputes import actions
from civicgrid.disputes.models import Party, PoliceReferral
from civicgrid.disputes.tests.conftest import mediating, reload


def test_it_refers_the_dispute_not_a_person():
    """A referral links to the dispute only: no party, no person's field."""
    relations = {f.related_model for f in PoliceReferral._meta.get_fields() if f.is_relation}
    assert Party not in relations
    names = {f.name for f in PoliceReferral._meta.get_fields()}
    assert not names & {"party", "parties", "person", "name", "id_number", "contact", "address"}
    people = [
        f.name
        for f in PoliceReferral._meta.get_fields()
        if isinstance(f, models.ForeignKey) and f.related_model.__name__ == "User"
    ]
    assert people == ["referred_by"]  # the mediator who referred it


def test_it_records_a_referral_and_the_polices_feedback(mediation):
    d = mediating(mediation)
    r = actions.do_refer_to_police(
        d, risk="双方多次争吵，有冲突可能", police_unit=mediation.police_a, acting_user=mediation.mia
    )
    actions.do_record_police_feedback(reload(d), referral=r, feedback="已出警调处", acting_user=mediation.mia)
    r.refresh_from_db()
    assert (r.police_unit, r.feedback) == (mediation.police_a, "已出警调处") and r.feedback_at is not None
    events = CaseEvent.objects.filter(case=d.case, action__in=["refer_police", "police_feedback"])
    assert [e.payload for e in events.order_by("seq")] == [
        {"referral": r.pk, "police_unit": "120101-police"},
        {"referral": r.pk},
    ]
    assert all(not e.public for e in events)  # the applicant's follow page does not show it
    with pytest.raises(Invalid):
        actions.do_record_police_feedback(reload(d), referral=r, feedback="again", acting_user=mediation.mia)


def test_it_needs_what_may_escalate_and_a_police_unit(mediation):
    d = mediating(mediation)
    with pytest.raises(Invalid):
        actions.do_refer_to_police(d, risk=" ", station="A派出所", acting_user=mediation.mia)
    with pytest.raises(Invalid):
        actions.do_refer_to_police(d, risk="冲突", acting_user=mediation.mia)
    with pytest.raises(Invalid):
        actions.do_refer_to_police(d, risk="冲突", police_unit=mediation.centre_a, acting_user=mediation.mia)
    assert not PoliceReferral.objects.exists()


def test_it_lets_only_the_mediators_and_supervisors_refer(mediation):
    d = mediating(mediation)
    for user in (mediation.max, mediation.personas.dan, mediation.personas.sara):
        with pytest.raises(Forbidden):
            actions.do_refer_to_police(d, risk="冲突", station="A派出所", acting_user=user)
    actions.do_refer_to_police(d, risk="冲突", station="A派出所", acting_user=mediation.sue)


def test_it_records_a_criminal_outcome_once_even_after_the_end(mediation):
    d = mediating(mediation)
    actions.do_terminate_mediation(d, ground="failed", routes=["litigation"], acting_user=mediation.mia)
    d = reload(d)
    on = timezone.localdate() - timedelta(days=2)
    actions.do_record_criminal_case(d, on=on, acting_user=mediation.mia)
    d = reload(d)
    assert timezone.localtime(d.became_criminal_at).date() == on
    with pytest.raises(Invalid):
        actions.do_record_criminal_case(d, on=on, acting_user=mediation.mia)
    with pytest.raises(Invalid):
        actions.do_record_criminal_case(
            mediating(mediation), on=timezone.localdate() + timedelta(days=1), acting_user=mediation.mia
        )
