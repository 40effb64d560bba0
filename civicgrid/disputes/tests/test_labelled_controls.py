"""Every form control of the mediation pages has a label (a <label for>, a wrapping <label> or an
aria-label), in every state that shows forms."""

import pytest

from civicgrid.disputes import actions
from civicgrid.disputes.tests.conftest import agreed, apply, assigned, mediating, reload
from civicgrid.web.tests.test_patrol_templates import Controls


def unlabelled(response):
    assert response.status_code == 200
    parser = Controls()
    parser.feed(response.content.decode())
    return parser.unlabelled()


def test_it_labels_the_application_form(client, mediation):
    assert unlabelled(client.get("/mediation/apply/")) == []


@pytest.mark.parametrize("stage", ["applied", "consenting", "mediating", "agreed"])
def test_it_labels_every_action_form_of_the_dispute_page(client, mediation, stage):
    m = mediation
    if stage == "applied":
        d = assigned(m)
    elif stage == "consenting":
        d = assigned(m)
        actions.do_ask_consent(d, acting_user=m.mia)
    elif stage == "mediating":
        d = mediating(m)
        actions.do_schedule_session(d, mode="online", scheduled_for=d.mediation_started_at, acting_user=m.mia)
        actions.do_refer_to_police(reload(d), risk="冲突", station="A派出所", acting_user=m.mia)
    else:
        d = agreed(m)
    client.force_login(m.mia)
    assert unlabelled(client.get(f"/mediation/desk/{d.pk}/")) == []


@pytest.mark.parametrize("url", ["/mediation/desk/register/", "/mediation/screening/", "/mediation/desk/"])
def test_it_labels_the_staff_forms(client, mediation, url):
    apply(mediation)
    client.force_login(mediation.mia)
    assert unlabelled(client.get(url)) == []
