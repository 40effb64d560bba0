"""A community's periodic screening report lists the disputes found there in the period."""

from datetime import date

import pytest
import time_machine

from civicgrid.cases.actions import Forbidden, Invalid
from civicgrid.disputes import actions
from civicgrid.disputes.models import ScreeningReport
from civicgrid.disputes.tests.conftest import apply, at


def submit(m, user, start="2025-03-01", end="2025-03-31", community=None):
    with time_machine.travel(at("2025-04-01"), tick=False):
        return actions.do_submit_screening_report(
            acting_user=user,
            community=community or m.city.community_a,
            period_start=date.fromisoformat(start),
            period_end=date.fromisoformat(end),
            note="入户走访120户",
        )


def test_it_lists_the_disputes_registered_in_the_community_in_the_period(mediation):
    m = mediation
    inside = apply(m, now=at("2025-03-31", 23))
    apply(m, now=at("2025-04-01", 0))  # after the period
    apply(m, now=at("2025-03-10"), region_code="120101001")  # named only a street: not the community's
    apply(m, now=at("2025-03-10"), region_code="120102001001001")  # community B
    report = submit(m, m.personas.gwen)
    assert list(report.disputes.all()) == [inside]
    assert (report.submitted_by, report.note) == (m.personas.gwen, "入户走访120户")


def test_it_accepts_a_nil_return(mediation):
    report = submit(mediation, mediation.personas.gwen)
    assert report.disputes.count() == 0


def test_it_lets_staff_of_the_community_report_and_no_one_else(mediation):
    m = mediation
    submit(m, m.personas.dan, start="2025-01-01", end="2025-01-31")  # the district's dispatcher
    submit(m, m.mia, start="2025-02-01", end="2025-02-28")  # the street's mediator
    for outsider in (m.personas.olga, m.mo, m.personas.rita, m.personas.audrey):
        with pytest.raises(Forbidden):
            submit(m, outsider)
    with pytest.raises(Forbidden):
        submit(m, m.personas.gwen, community=m.city.community_b)


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-03-31", "2025-03-01"), ("2025-01-01", "2025-06-30"), ("2025-04-01", "2025-04-02")],
)
def test_it_refuses_a_bad_period_and_writes_nothing(mediation, start, end):
    with pytest.raises(Invalid):
        submit(mediation, mediation.personas.gwen, start=start, end=end)
    assert not ScreeningReport.objects.exists()


def test_it_refuses_a_second_report_for_the_same_period(mediation):
    submit(mediation, mediation.personas.gwen)
    with pytest.raises(Invalid):
        submit(mediation, mediation.personas.dan)
    assert ScreeningReport.objects.count() == 1


def test_it_has_a_page_to_submit_and_read_reports(client, mediation):
    m = mediation
    apply(m, now=at("2025-03-10"))
    client.force_login(m.personas.gwen)
    r = client.get("/mediation/screening/")
    assert r.status_code == 200 and "120101001001" in r.content.decode()
    with time_machine.travel(at("2025-04-01"), tick=False):
        r = client.post(
            "/mediation/screening/",
            {"community": "120101001001", "period_start": "2025-03-01", "period_end": "2025-03-31", "note": ""},
        )
    assert r.status_code == 302
    r = client.get("/mediation/screening/")
    body = r.content.decode()
    assert "Neighbour dispute" in body and "张三" not in body  # the list names disputes, not parties
    r = client.post(
        "/mediation/screening/",
        {"community": "120101001001", "period_start": "2025-03-01", "period_end": "2025-03-31"},
    )
    assert r.status_code == 400 and ScreeningReport.objects.count() == 1


def test_it_keeps_the_page_from_staff_who_do_not_screen(client, mediation):
    client.force_login(mediation.personas.carl)
    assert client.get("/mediation/screening/").status_code == 403
