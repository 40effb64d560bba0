"""The reporter's contact on the case page: masked, revealed only with the reporter's consent
and a purpose, and every reveal written to the personal-data access log."""

import pytest
from playwright.sync_api import expect

from civicgrid.cases import actions as A
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.testing import POINT_A1, make_category

from .conftest import sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_contact_is_masked_and_revealed_only_with_consent(new_page, personas, small_city):
    category = make_category()
    shared, _ = A.do_report_case(
        acting_user=None,
        category=category,
        description="Street light out",
        contact="13812345678",
        contact_shared=True,
        **POINT_A1,
    )
    private, _ = A.do_report_case(
        acting_user=None,
        category=category,
        description="Rubbish left out",
        contact="alice@example.org",
        contact_shared=False,
        **POINT_A1,
    )

    page = new_page()
    sign_in(page, "dan", "pw-dan")

    # Without consent: masked, and nothing on the page reveals it.
    page.goto(f"{page.base}/workbench/cases/{private.pk}/")
    box = page.locator("#reporter-contact")
    expect(box.locator("[data-contact]")).to_have_text("a***@example.org")
    expect(box).to_contain_text("did not agree")
    expect(box.locator("button")).to_have_count(0)
    assert "alice@example.org" not in page.content()

    # With consent: masked until revealed with a purpose; the reveal is logged.
    page.goto(f"{page.base}/workbench/cases/{shared.pk}/")
    box = page.locator("#reporter-contact")
    expect(box.locator("[data-contact]")).to_have_text("138****5678")
    assert "13812345678" not in page.content()
    assert not PersonalDataAccess.objects.exists()
    box.get_by_label("Why do you need the contact?").fill("Call to find the exact lamp post")
    box.get_by_role("button", name="Reveal").click()  # htmx swaps the box in place
    box = page.locator("#reporter-contact")
    expect(box.locator("[data-contact]")).to_have_text("13812345678")
    expect(box).to_contain_text("recorded in the personal-data access log")
    assert page.url == f"{page.base}/workbench/cases/{shared.pk}/"  # swapped in place, not a new page
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.case_id, log.purpose) == (personas.dan, shared.pk, "Call to find the exact lamp post")

    # The reveal does not stick: the page shows the mask again when loaded anew.
    page.reload()
    expect(page.locator("#reporter-contact [data-contact]")).to_have_text("138****5678")
    assert PersonalDataAccess.objects.count() == 1
