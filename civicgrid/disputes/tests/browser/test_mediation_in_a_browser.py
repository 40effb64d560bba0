"""Mediation in a real browser, each person in their own browser context:

a resident applies on a phone without an account and keeps the private link → the mediator
picks the dispute up on the desk, sees the parties, asks and records consent, starts the
mediation, schedules an online session, drafts and prints the written agreement and records it
signed → the resident's follow page shows the agreement, and never a party's name.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civicgrid.disputes.models import Dispute
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.web.tests.browser.conftest import PHONE, horizontal_overflow, sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def submit(page, button):
    with page.expect_navigation():
        page.click(button)


def test_mediation_from_application_to_agreement(new_page, mediation):
    # --- the resident applies on a phone -------------------------------------------------------
    resident = new_page(PHONE)
    resident.goto(resident.base + "/mediation/apply/")
    assert horizontal_overflow(resident) == 0
    resident.select_option("#id_category", label="Neighbour dispute")
    resident.fill("#id_cause", "Water leaks from the flat above; we could not agree.")
    resident.select_option("#id_district", "120101")
    resident.select_option("#id_street", "120101001")
    resident.fill("#id_applicant_name", "Zhang San")
    resident.fill("#id_applicant_contact", "13812345678")
    resident.fill("#id_other1_name", "Li Si")
    submit(resident, "button[type=submit].primary")
    expect(resident.locator("h1")).to_contain_text("your application was sent")
    number = resident.locator(".md-number").inner_text().strip()
    link = resident.input_value("#private-link")
    dispute = Dispute.objects.get(case__number=number)
    assert link.endswith(f"/mediation/follow/{dispute.case.tracking_token}/")
    resident.goto(link)
    expect(resident.locator(".md-status")).to_have_text("Applied")

    # --- the mediator picks it up and mediates ---------------------------------------------------
    mia = new_page()
    sign_in(mia, "mia", "pw-mia")
    mia.goto(mia.base + "/mediation/desk/")
    expect(mia.locator("section", has_text="Waiting for a mediator")).to_contain_text(number)
    mia.click(f"text={number}")
    expect(mia.locator("#h-parties + p")).to_contain_text("only to the mediators assigned")
    mia.check(f"input[name='assign-mediators'][value='{mediation.mia.pk}']")
    submit(mia, "#act-assign ~ form button[type=submit]")
    parties = mia.locator("section[aria-labelledby=h-parties] table")
    expect(parties).to_contain_text("Zhang San")
    expect(parties).to_contain_text("13812345678")
    submit(mia, "#act-ask_consent ~ form button[type=submit]")
    for _ in range(2):
        mia.select_option("#id_record_consent-channel", "phone")
        submit(mia, "#act-record_consent ~ form button[type=submit]")
    expect(parties).not_to_contain_text("not answered")
    submit(mia, "#act-start_mediation ~ form button[type=submit]")
    expect(mia.locator(".md-status")).to_have_text("Mediating")
    mia.select_option("#id_schedule_session-mode", "online")
    mia.fill("#id_schedule_session-scheduled_for", "2025-03-05T14:00")
    mia.fill("#id_schedule_session-venue", "Online room 3")
    submit(mia, "#act-schedule_session ~ form button[type=submit]")
    mia.fill("#id_draft_agreement-facts", "Water leaks from the flat above.")
    mia.fill("#id_draft_agreement-terms", "Li Si repairs the pipe within a week.")
    submit(mia, "#act-draft_agreement ~ form button[type=submit]")

    # The printable agreement: contents, a signature line per party, the committee's seal.
    with mia.expect_navigation():
        mia.click("text=Printable document")
    expect(mia.locator("h1")).to_contain_text("People's mediation agreement")
    expect(mia.locator(".md-sign")).to_have_count(4)  # two parties, the mediator, the seal
    expect(mia.locator(".md-document")).to_contain_text("Li Si repairs the pipe within a week.")
    mia.go_back()

    mia.check("#id_reach_agreement-kind_0")  # written
    mia.fill("#id_reach_agreement-effective_on", timezone.localdate().isoformat())
    mia.check("#id_reach_agreement-signed_by_all")
    mia.check("#id_reach_agreement-sealed")
    submit(mia, "#act-reach_agreement ~ form button[type=submit]")
    expect(mia.locator(".md-status")).to_have_text("Agreement reached")
    assert PersonalDataAccess.objects.filter(user=mediation.mia, case=dispute.case).exists()

    # --- the resident sees the outcome, and nobody's name ----------------------------------------
    resident.reload()
    expect(resident.locator(".md-status")).to_have_text("Agreement reached")
    expect(resident.locator(".md-steps")).to_contain_text("Mediation started")
    expect(resident.locator("main")).to_contain_text("Online room 3")
    for secret in ("Zhang San", "Li Si", "13812345678", "Water leaks", "mia"):
        expect(resident.locator("main")).not_to_contain_text(secret)
