"""Nothing outside the tip line shows a tip or its submitter to a user without the tip-handler
role: not the general case API, the workbench, the portal, Open311, the command centre, the
numbers of problems, webhooks, the deadline sweeper or the logs.
"""

import datetime as dt
import logging

import pytest
from django.urls import reverse

from civicgrid.analytics import kpis
from civicgrid.cases import sweep
from civicgrid.cases.models import Case
from civicgrid.notify.models import Outbox, Webhook
from civicgrid.org.apikeys import create_api_key
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.tips import actions
from civicgrid.tips.tests.conftest import CLIENT, IP, SECRET_CONTACT, SECRET_TEXT, UA, submit


@pytest.fixture
def tip(desk):
    """A screened tip in district A with a contact and a follow-up: something to leak."""
    tip, _code = submit(contact=SECRET_CONTACT)
    actions.do_screen_tip(tip, acting_user=desk.tina, note="Plausible.")
    tip.refresh_from_db()
    actions.do_add_tip_information(tip, text="More about Dock Road.")
    return Case.objects.get(pk=tip.case_id)


def assert_hidden(response, case):
    body = response.content.decode()
    assert case.number not in body
    for secret in (SECRET_TEXT, "Dock Road", SECRET_CONTACT, "Plausible."):
        assert secret not in body


@pytest.mark.django_db
def test_it_keeps_tips_out_of_open311(client, tip):
    today = dt.date.today()
    window = {"start_date": str(today - dt.timedelta(days=20)), "end_date": str(today + dt.timedelta(days=2))}
    listing = client.get("/open311/v2/requests.json", window)
    assert listing.status_code == 200
    assert_hidden(listing, tip)
    assert client.get(f"/open311/v2/requests/{tip.number}.json").status_code == 404
    assert client.get(f"/open311/v2/requests/{tip.number}.xml").status_code == 404
    assert_hidden(client.get("/open311/v2/services.json"), tip)


@pytest.mark.django_db
def test_it_keeps_tips_off_the_portal(client, tip):
    lookup = client.get(reverse("portal:track_lookup"), {"number": tip.number})
    assert b"No report has this number" in lookup.content
    assert_hidden(client.get(reverse("portal:map_points")), tip)
    support = client.post(f"/api/v1/cases/{tip.number}/support", {}, content_type="application/json")
    assert support.status_code == 404


@pytest.mark.django_db
def test_it_keeps_tips_out_of_the_workbench(client, personas, tip):
    for user in (personas.dan, personas.sara, personas.audrey):
        client.force_login(user)
        assert_hidden(client.get(reverse("workbench:home")), tip)
        assert client.get(reverse("workbench:case", args=[tip.pk])).status_code == 404
        assert client.post(reverse("workbench:reveal", args=[tip.pk]), {"purpose": "x"}).status_code == 404


@pytest.mark.django_db
def test_it_keeps_tips_out_of_the_command_centre(client, personas, tip):
    client.force_login(personas.sara)
    assert_hidden(client.get(reverse("command:home")), tip)
    assert_hidden(client.get(reverse("command:cases_geojson")), tip)


@pytest.mark.django_db
def test_it_keeps_tips_out_of_the_numbers_of_problems(tip):
    Case.objects.filter(pk=tip.pk).update(step_due_at="2000-01-01T00:00:00Z")
    summary = kpis.summary("120101", dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    assert (summary.reported, summary.overdue) == (0, 0)
    assert kpis.overdue_units("120101") == []


@pytest.mark.django_db
def test_it_leaves_tips_to_their_own_clock_in_the_sweep(desk):
    tip, _code = submit()
    Case.objects.filter(pk=tip.case_id).update(step_due_at="2000-01-01T00:00:00Z")
    result = sweep.sweep()
    case = Case.objects.get(pk=tip.case_id)
    assert (result.escalated, case.escalation_level, case.overdue_marked) == (0, "community", False)
    assert not case.events.filter(action="escalate").exists()


@pytest.mark.django_db
def test_it_logs_no_reader_without_the_role(client, personas, tip):
    client.force_login(personas.dan)
    client.get(reverse("workbench:home"))
    client.get(reverse("tips:staff_home"))
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.django_db
def test_it_leaves_the_client_out_of_the_api_logs(client, tip, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(
        "/api/v1/tips/check",
        {"receipt_code": "7KQ2-M9XD-4RTB-H0WS", "passphrase": "wrong one"},
        content_type="application/json",
        **CLIENT,
    )
    records = [r for r in caplog.records if r.name.startswith("django")]
    assert records
    for record in records:
        assert getattr(record, "request", None) is None
        assert IP not in repr(record.__dict__) and UA not in repr(record.__dict__)


@pytest.mark.django_db
def test_it_keeps_tips_out_of_the_general_case_api(client, personas, tip):
    key = {"HTTP_X_API_KEY": create_api_key("dan's key", user=personas.dan)[1]}
    assert client.get(f"/api/v1/cases/{tip.pk}", **key).status_code == 404
    reveal = client.post(
        f"/api/v1/cases/{tip.pk}/contact/reveal", {"purpose": "x"}, content_type="application/json", **key
    )
    assert reveal.status_code == 404
    listing = client.get("/api/v1/cases", **key)
    assert listing.status_code == 200
    assert_hidden(listing, tip)


@pytest.mark.django_db
def test_it_tells_no_webhook_about_a_tip(django_capture_on_commit_callbacks, desk):
    Webhook.objects.create(name="city dashboard", url="https://dashboard.example.gov/hook")
    with django_capture_on_commit_callbacks(execute=True):
        tip, _code = submit()
        actions.do_screen_tip(tip, acting_user=desk.tina)
    assert not Outbox.objects.filter(case_id=tip.case_id).exists()


@pytest.mark.django_db
def test_it_keeps_tips_off_the_patrol_pages(client, desk, personas, small_city, tip):
    from civicgrid.org.roles import Role
    from civicgrid.testing import make_staff
    from civicgrid.tips.models import Tip

    # A grid worker whose scope is the whole district; the tip waits for its answer ("handled").
    gus = make_staff("gus", desk.unit_a, [Role.GRID_WORKER], regions=[small_city.district_a])
    tip_row = Tip.objects.select_related("case").get(case=tip)
    actions.do_verify_tip(tip_row, acting_user=desk.tina, note="Found.")
    actions.do_handle_tip(Tip.objects.select_related("case").get(pk=tip_row.pk), acting_user=desk.tina, note="Done.")
    client.force_login(gus)
    assert_hidden(client.get(reverse("patrol:home")), tip)
    assert_hidden(client.get(reverse("patrol:cases_geojson")), tip)
