"""Art. 30 of the Regulations, end to end: "不得将信访人的检举、揭发材料以及有关情况透露或者转给被检举、
揭发的人员或者单位". An accusation about district A's housing commission goes through its steps
(with notifications and a webhook listening); then every API endpoint, page and export, and
every log line and outgoing message, is searched for the petitioner's identity and the
material. The accused (the commission's handler-supervisor, a team under it, a grievance
officer working in it) and staff with no grievance role find none of it."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.grievances import actions
from civicgrid.grievances.models import Document
from civicgrid.grievances.tests.conftest import (
    SECRET_ADDRESS,
    SECRET_CONTACT,
    SECRET_MATERIAL,
    SECRET_NAME,
    accusation,
    admit,
    assign,
    reload,
)
from civicgrid.notify.models import Outbox, Webhook
from civicgrid.privacy.models import PersonalDataAccess

ACCUSED = "A区住建委某科长"
SECRETS = (SECRET_NAME, SECRET_ADDRESS, SECRET_CONTACT, SECRET_MATERIAL, ACCUSED)


@pytest.fixture
def flow(world, caplog, django_capture_on_commit_callbacks):
    """The accusation through triage, acceptance, extension and lead official's lists, with the
    notifications and a webhook running on commit; every log record kept."""
    caplog.set_level(logging.DEBUG)
    Webhook.objects.create(name="city dashboard", url="https://dashboard.example/hook")
    with django_capture_on_commit_callbacks(execute=True):
        case = accusation(world, user=world.rita, complained_about=ACCUSED, complained_unit=world.housing_a)
        case = admit(world, assign(world, case))
        actions.do_extend_grievance(
            reload(case), acting_user=world.carl, days=10, reason="需调查取证", approved_by="局长"
        )
        actions.do_take_lead_grievance(reload(case), acting_user=world.sara)
        actions.do_add_list_item(reload(case), acting_user=world.sara, kind="problem", text="核查举报线索")
        # Refused attempts log nothing secret either.
        for user in (world.pete, world.paula):
            with pytest.raises(Exception):  # noqa: B017 - any refusal
                actions.do_decide_grievance(reload(case), acting_user=user, outcome="support", text="t", basis="b")
    return reload(case)


def grievance_pages(case, doc):
    api, g = "/api/v1/grievances", case.pk
    return [
        f"{api}",
        f"{api}/{g}",
        f"{api}/{g}/documents/{doc.pk}",
        f"{api}/status/{case.number}",
        f"{api}/numbers/backlog",
        f"{api}/numbers/on-time?start=2000-01-01&end=2100-01-01",
        reverse("grievances:desk") + "?queue=all",
        reverse("grievances:detail", args=[g]),
        reverse("grievances:document", args=[g, doc.pk]),
        reverse("grievances:backlog"),
        reverse("grievances:backlog_csv"),
        reverse("grievances:lookup") + f"?number={case.number}",
    ]


def other_pages(case):
    """The generic case pages and feeds, which know nothing of grievances: the case row they may
    show holds nothing confidential (``models.NEUTRAL_DESCRIPTION``)."""
    return [
        "/api/v1/cases",
        f"/api/v1/cases/{case.pk}",
        reverse("workbench:home"),
        reverse("workbench:queue", args=["all"]),
        reverse("workbench:case", args=[case.pk]),
        reverse("command:home"),
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{case.number}.json",
    ]


@pytest.mark.parametrize("name", ["pete", "paula", "pat", "dan", "olga", "rita", None])
def test_it_reveals_nothing_to_the_accused_or_to_staff_without_the_role(world, flow, name):
    doc = Document.objects.filter(grievance_id=flow.pk).first()
    client = Client(raise_request_exception=False)
    if name is not None:
        client.force_login(getattr(world, name))
    for url in grievance_pages(flow, doc) + other_pages(flow):
        r = client.get(url)
        if url in grievance_pages(flow, doc):
            assert r.status_code < 500, url
        body = r.content.decode("utf-8", "replace")
        for secret in SECRETS:
            assert secret not in body, (name, url, secret)
    if name in ("pete", "paula", "pat"):
        assert client.get(f"/api/v1/grievances/{flow.pk}").status_code == 404
        assert client.get(reverse("grievances:detail", args=[flow.pk])).status_code == 404
    assert not PersonalDataAccess.objects.filter(user__username=name).exists()


def test_it_shows_the_file_to_the_body_and_the_office(world, flow):
    for user in (world.carl, world.gina, world.sara):
        client = Client()
        client.force_login(user)
        assert SECRET_MATERIAL in client.get(reverse("grievances:detail", args=[flow.pk])).content.decode()


def test_it_writes_no_secret_to_a_log_line_or_an_outgoing_message(flow, caplog):
    for secret in SECRETS:
        assert secret not in caplog.text
    assert Outbox.objects.filter(channel=Outbox.Channel.WEBHOOK).exists()  # the webhook was told
    for row in Outbox.objects.all():
        text = f"{row.recipient} {row.subject} {row.body} {row.payload}"
        for secret in SECRETS:
            assert secret not in text


def test_it_keeps_the_secrets_out_of_the_access_log_itself(world, flow):
    client = Client()
    client.force_login(world.carl)
    client.get(reverse("grievances:detail", args=[flow.pk]))
    rows = list(PersonalDataAccess.objects.values_list("field", "purpose"))
    assert rows and all(secret not in f"{f} {p}" for f, p in rows for secret in SECRETS)


def test_it_keeps_grievances_out_of_the_generic_case_pages(world, flow):
    client = Client(raise_request_exception=False)
    client.force_login(world.pete)
    assert client.get(f"/api/v1/cases/{flow.pk}").status_code == 404
    assert client.get(reverse("workbench:case", args=[flow.pk])).status_code == 404
    assert flow.number not in client.get("/api/v1/cases").content.decode()
