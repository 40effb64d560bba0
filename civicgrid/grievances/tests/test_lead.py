"""The lead official (包案) of a long-open grievance and its problem, task and responsibility lists."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.cases.actions import Forbidden, Invalid
from civicgrid.cases.models import CaseEvent
from civicgrid.grievances import actions
from civicgrid.grievances.models import ListItem
from civicgrid.grievances.tests.conftest import admit, assign, reload, submit

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 6, 2, 10, tzinfo=TZ)


@pytest.fixture
def open_case(world):
    return admit(world, assign(world, submit(world)))


def test_it_lets_a_supervisor_in_scope_take_the_lead(world, open_case):
    actions.do_take_lead_grievance(reload(open_case), acting_user=world.sara)
    assert reload(open_case).lead_official == world.sara
    for user in (world.carl, world.gina, world.olga):
        with pytest.raises(Forbidden):
            actions.do_take_lead_grievance(reload(open_case), acting_user=user)


def test_it_keeps_the_three_lists_under_the_lead_official(world, open_case):
    with pytest.raises(Invalid, match="lead official takes the grievance"):
        actions.do_add_list_item(reload(open_case), acting_user=world.sara, kind="problem", text="测量争议")
    actions.do_take_lead_grievance(reload(open_case), acting_user=world.sara)
    actions.do_add_list_item(reload(open_case), acting_user=world.sara, kind="problem", text="测量争议", now=NOW)
    actions.do_add_list_item(reload(open_case), acting_user=world.sara, kind="task", text="重新测量", now=NOW)
    actions.do_add_list_item(
        reload(open_case),
        acting_user=world.sara,
        kind="responsibility",
        text="组织第三方测量",
        responsible_user=world.carl,
        due_on=dt.date(2025, 6, 30),
        now=NOW,
    )
    actions.do_add_list_item(
        reload(open_case),
        acting_user=world.sara,
        kind="responsibility",
        text="答复信访人",
        responsible_post="区城管委信访科科长",
        due_on=dt.date(2025, 7, 10),
        now=NOW,
    )
    assert list(ListItem.objects.values_list("kind", flat=True)) == [
        "problem",
        "responsibility",
        "responsibility",
        "task",
    ]
    item = ListItem.objects.get(responsible_user=world.carl)
    actions.do_complete_list_item(reload(open_case), acting_user=world.sara, item_id=item.pk, now=NOW)
    assert ListItem.objects.get(pk=item.pk).done_at == NOW
    # The events say which list changed, never what the line says.
    for e in CaseEvent.objects.filter(case=open_case, action__in=["add_list_item", "complete_list_item"]):
        assert "测量" not in str(e.payload) and e.reason == ""


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"kind": "wish", "text": "x"}, "problem, task or responsibility"),
        ({"kind": "task", "text": ""}, "What is required"),
        ({"kind": "responsibility", "text": "x", "due_on": dt.date(2025, 7, 1)}, "names who"),
        ({"kind": "responsibility", "text": "x", "responsible_post": "科长"}, "by when"),
        ({"kind": "task", "text": "x", "due_on": dt.date(2025, 6, 1)}, "in the past"),
    ],
)
def test_it_refuses_a_bad_list_line_and_writes_nothing(world, open_case, kw, match):
    actions.do_take_lead_grievance(reload(open_case), acting_user=world.sara)
    events = CaseEvent.objects.count()
    with pytest.raises(Invalid, match=match):
        actions.do_add_list_item(reload(open_case), acting_user=world.sara, now=NOW, **kw)
    assert ListItem.objects.count() == 0 and CaseEvent.objects.count() == events


def test_it_names_only_staff_as_responsible(world, open_case):
    actions.do_take_lead_grievance(reload(open_case), acting_user=world.sara)
    with pytest.raises(Invalid, match="staff member"):
        actions.do_add_list_item(
            reload(open_case),
            acting_user=world.sara,
            kind="responsibility",
            text="x",
            responsible_user=world.rita,
            due_on=dt.date(2025, 7, 1),
            now=NOW,
        )


def test_it_refuses_to_complete_an_item_twice_or_of_another_grievance(world, open_case):
    actions.do_take_lead_grievance(reload(open_case), acting_user=world.sara)
    actions.do_add_list_item(reload(open_case), acting_user=world.sara, kind="task", text="t", now=NOW)
    item = ListItem.objects.get()
    actions.do_complete_list_item(reload(open_case), acting_user=world.sara, item_id=item.pk)
    with pytest.raises(Invalid, match="already done"):
        actions.do_complete_list_item(reload(open_case), acting_user=world.sara, item_id=item.pk)
    other = admit(world, assign(world, submit(world)))
    with pytest.raises(Invalid, match="no such item"):
        actions.do_complete_list_item(reload(other), acting_user=world.sara, item_id=item.pk)
