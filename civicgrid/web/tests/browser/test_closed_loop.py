"""The closed loop in a real browser, each person in their own browser context (own cookies):

resident reports (map click) → a second report at the same place is shown the first as a
nearby duplicate → dispatcher accepts and dispatches → handler signs for and handles it →
grid worker verifies it on the phone pages → the resident, through the private link, sees the
fix confirmed and rates it → the supervisor's command centre counts it.
"""

import re

import pytest
from playwright.sync_api import expect

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.testing import POINT_A1, make_category
from civicgrid.web.command import numbers

from .conftest import PHONE, click_map_at, jpeg_file, sign_in, wait_for_maps

pytestmark = [pytest.mark.django_db(transaction=True)]

DESCRIPTION = "Manhole cover missing at the corner of the lane"


@pytest.fixture
def category(small_city):
    return make_category(name_en="Missing manhole cover", name_zh="井盖缺失")


def submit(page, button):
    """Press a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(button)


def test_closed_loop(new_page, personas, category):
    # --- the resident reports: category, a pin dropped on the map, text, contact ---------------
    resident = new_page()
    resident.goto(resident.base + "/report/")
    wait_for_maps(resident)
    resident.select_option("#id_category", label="Missing manhole cover")
    click_map_at(resident, "#report-map", POINT_A1["lat"], POINT_A1["lon"])
    # map.js filled the coordinate fields with the pin (city coordinates).
    assert float(resident.input_value("#id_lat")) == pytest.approx(POINT_A1["lat"], abs=2e-4)
    assert float(resident.input_value("#id_lon")) == pytest.approx(POINT_A1["lon"], abs=2e-4)
    expect(resident.locator(".leaflet-marker-icon")).to_have_count(1)
    # The nearby check ran: nothing of this kind is open there yet.
    expect(resident.locator("[data-nearby]")).to_contain_text("yours is the first")
    resident.fill("#id_description", DESCRIPTION)
    resident.fill("#id_contact", "13812345678")
    resident.check("#id_contact_shared")
    submit(resident, "button.portal-big")

    expect(resident.locator("h1")).to_contain_text("your report was sent")
    number = resident.locator(".portal-number").inner_text().strip()
    private_link = resident.input_value("#private-link")
    case = Case.objects.get(number=number)
    assert (case.status, case.grid_code, case.description) == ("reported", "120101001001001", DESCRIPTION)
    assert case.contact == "13812345678" and case.contact_shared
    assert private_link.endswith(f"/track/{case.tracking_token}/")

    # --- a second report at the same place, coordinates typed (the keyboard path) ---------------
    second = new_page()
    second.goto(second.base + "/report/")
    wait_for_maps(second)
    second.select_option("#id_category", label="Missing manhole cover")
    second.click("summary:has-text('Enter the coordinates instead')")
    second.fill("#id_lat", str(POINT_A1["lat"]))
    second.fill("#id_lon", str(POINT_A1["lon"] + 0.0002))  # about 17 m east
    second.press("#id_lon", "Tab")  # a real change event: the page moves the pin and asks
    panel = second.locator("[data-nearby]")
    expect(panel.locator("h2")).to_have_text("Is it one of these?")
    expect(panel).to_contain_text(number)
    expect(panel).to_contain_text(DESCRIPTION)
    expect(second.locator(".leaflet-marker-icon")).to_have_count(1)
    # "Me too" instead of filing it again.
    submit(second, f"button[formaction$='/report/support/{number}/']")
    expect(second.locator(".messages")).to_contain_text(f"your support was added to report {number}")
    assert Case.objects.filter(category=category).count() == 1
    assert case.supporters.count() == 1

    # --- the dispatcher accepts and dispatches it ---------------------------------------------
    dan = new_page()
    sign_in(dan, "dan", "pw-dan")
    dan.goto(dan.base + "/workbench/queues/to_accept/")
    submit(dan, f"a:has-text('{number}')")
    expect(dan.locator("h1")).to_have_text(f"Case {number}")
    wait_for_maps(dan)
    submit(dan, "button[name=action][value=accept]")
    expect(dan.locator(".messages")).to_contain_text("done")
    expect(dan.locator(".wb-status")).to_have_text("Accepted")
    # The routed unit is preselected in the dispatch form.
    assert dan.locator("#id_dispatch-unit option:checked").inner_text().startswith("A区城市管理委员会")
    submit(dan, "button[name=action][value=dispatch]")
    expect(dan.locator(".wb-status")).to_have_text("Dispatched")
    case.refresh_from_db()
    assert case.owner_unit == personas.org_a

    # --- the handler signs for it and reports the work done, with a photo ----------------------
    carl = new_page()
    sign_in(carl, "carl", "pw-carl")  # lands on the workbench: "Mine to handle"
    expect(carl.locator("[data-queue-count=mine]")).to_have_text("1")
    submit(carl, f"a:has-text('{number}')")
    submit(carl, "button[name=action][value=sign]")
    expect(carl.locator(".wb-status")).to_have_text("Signed for")
    carl.fill("#id_handle-result", "New cover fitted and the lane swept")
    carl.set_input_files("#id_handle-photos", jpeg_file("after.jpg"))
    submit(carl, "button[name=action][value=handle]")
    expect(carl.locator(".wb-status")).to_have_text("Handled")
    expect(carl.locator(".wb-timeline")).to_contain_text("New cover fitted")

    # --- the grid worker checks the fix on her phone ------------------------------------------
    gwen = new_page(PHONE)
    sign_in(gwen, "gwen", "pw-gwen")
    gwen.goto(gwen.base + "/patrol/")
    wait_for_maps(gwen)
    to_verify = gwen.locator("section[aria-labelledby=verify-title]")
    expect(to_verify.locator(".count")).to_have_text("1")
    submit(gwen, f"a.card:has-text('{number}')")
    expect(gwen.locator("h1")).to_have_text(f"Check case {number}")
    expect(gwen.locator(".facts")).to_contain_text("New cover fitted and the lane swept")
    expect(gwen.locator(".photos img")).to_have_count(1)  # the handler's photo
    gwen.set_input_files("#fixed-photo", jpeg_file("checked.jpg", (30, 160, 60)))
    submit(gwen, "button:has-text('Confirm: fixed, close the case')")
    expect(gwen.locator(".messages")).to_contain_text(f"Case {number} is verified and closed")
    expect(gwen.locator("section[aria-labelledby=verify-title] .count")).to_have_text("0")

    # --- the supervisor's command centre counts it --------------------------------------------
    sara = new_page()
    sign_in(sara, "sara", "pw-sara")
    sara.goto(sara.base + "/command/")
    expect(sara.locator("h1")).to_contain_text("District A")
    tiles = sara.locator("#command-tiles")
    expect(tiles.locator("[data-tile=closure] .value")).to_have_text("100.00%")
    expect(tiles.locator("[data-tile=closure] .fraction")).to_have_text("1 of 1")
    expect(tiles.locator("[data-tile=resolution] .fraction")).to_have_text("1 of 1")
    expect(tiles.locator("[data-tile=satisfaction] .value")).to_have_text("—")  # not rated yet
    expect(tiles.locator("[data-tile=reported] .value")).to_have_text("1")
    expect(tiles.locator("[data-tile=open] .value")).to_have_text("0")
    expect(sara.locator("table.ranking tr[data-code='120101001'] td.context")).to_have_text("1")

    # --- the resident follows the private link from the receipt, sees it fixed, rates it ------
    resident.goto(private_link)
    expect(resident.locator(".portal-status")).to_have_text("Closed")
    timeline = resident.locator(".portal-timeline")
    for step in ("Reported", "Accepted for handling", "Sent to", "Handled", "Fix confirmed: closed"):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text("Another resident said")
    # The public timeline names roles, never a person.
    for name in ("dan", "carl", "gwen"):
        assert not re.search(rf"\b{name}\b", timeline.inner_text(), re.IGNORECASE)
    expect(resident.locator(".portal-photos img")).to_have_count(1)  # the work done
    resident.check("input[name='rate-rating'][value='3']")
    resident.fill("#id_rate-comment", "Quick and tidy, thank you")
    submit(resident, "button:has-text('Send my rating')")
    expect(resident.locator(".messages")).to_contain_text("Thank you for your rating")
    expect(resident.locator("p.portal-action")).to_contain_text("You rated it: Satisfied")
    case.refresh_from_db()
    assert (case.status, case.rating) == ("closed", 3)
    assert list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True)) == [
        "report",
        "support",
        "accept",
        "dispatch",
        "sign",
        "handle",
        "verify",
        "rate",
    ]

    # --- ... and the rating reaches the command centre -----------------------------------------
    numbers.forget()  # the numbers are shared for a minute; a test need not wait
    sara.reload()
    expect(tiles.locator("[data-tile=satisfaction] .value")).to_have_text("100.00%")
    expect(tiles.locator("[data-tile=satisfaction] .fraction")).to_have_text("1 of 1")


def test_the_reporter_confirms_the_fix_through_the_private_link(new_page, personas, category):
    """When the unit's work waits for a check, the reporter may give it: "Yes, it is fixed"."""
    case, _ = A.do_report_case(acting_user=None, category=category, description=DESCRIPTION, **POINT_A1)
    for step, user, kw in (
        (A.do_accept_case, personas.dan, {}),
        (A.do_dispatch_case, personas.dan, {}),
        (A.do_sign_case, personas.carl, {}),
        (A.do_handle_case, personas.carl, {"result": "Cover replaced"}),
    ):
        case.refresh_from_db()
        step(case, acting_user=user, **kw)

    resident = new_page()
    resident.goto(f"{resident.base}/track/{case.tracking_token}/")
    expect(resident.locator(".portal-status")).to_have_text("Handled")
    expect(resident.locator("#fixed-title")).to_have_text("Is it fixed?")
    submit(resident, "button:has-text('Yes, it is fixed')")
    expect(resident.locator(".messages")).to_contain_text("the fix is confirmed and the report is closed")
    expect(resident.locator(".portal-status")).to_have_text("Closed")
    expect(resident.locator("#rate-title")).to_be_visible()
    case.refresh_from_db()
    assert case.status == "closed"
    verify = CaseEvent.objects.get(case=case, action="verify")
    assert verify.actor_role == "reporter"
