"""Submitting a grievance online and registering a letter, call, fax or visit (Art. 17-19, 21-22)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.cases.actions import Forbidden, Invalid
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.grievances import actions
from civicgrid.grievances.models import NEUTRAL_DESCRIPTION, Grievance, SameMatterLink
from civicgrid.grievances.tests.conftest import SECRET_MATERIAL, SECRET_NAME, accusation, reload, submit

TZ = ZoneInfo("Asia/Shanghai")
MON_3_MAR = dt.datetime(2025, 3, 3, 10, 0, tzinfo=TZ)


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Grievance.objects.count(), SameMatterLink.objects.count()


class TestOnline:
    def test_it_registers_a_grievance_with_its_receipt_number_and_triage_clock(self, world):
        case = reload(submit(world, now=MON_3_MAR))
        g = case.grievance
        assert case.kind == "grievance" and case.status == "registered"
        assert len(case.number) == 14 and case.tracking_token
        assert g.channel == "online" and g.received_at == MON_3_MAR
        # Art. 22: 15 days after Mon 3 Mar is Tue 18 Mar, a working day.
        due = dt.datetime(2025, 3, 18, 23, 59, 59, 999999, tzinfo=TZ)
        assert case.step == "triage" and case.step_due_at == due and g.triage_due_at == due
        assert case.status_label == "Registered"

    def test_it_keeps_the_case_row_free_of_the_content_and_the_identity(self, world):
        case = reload(accusation(world, user=world.rita))
        assert case.description == NEUTRAL_DESCRIPTION
        assert case.contact == "" and case.address == ""
        row = " ".join(str(v) for v in Case.objects.filter(pk=case.pk).values().get().values())
        events = " ".join(f"{e.reason} {e.payload}" for e in CaseEvent.objects.filter(case=case))
        for secret in (SECRET_NAME, SECRET_MATERIAL):
            assert secret not in row and secret not in events

    def test_it_marks_an_accusation_by_its_type(self, world):
        assert reload(accusation(world)).grievance.is_accusation is True
        assert reload(submit(world)).grievance.is_accusation is False

    def test_it_places_the_matter_in_the_street_when_known(self, world):
        case = reload(submit(world, region=world.city.street_a))
        assert (case.grid_code, case.street_code, case.district_code) == ("120101001", "120101001", "120101")

    @pytest.mark.parametrize(
        "changes,message",
        [
            ({"petitioner_name": "  "}, "Name is required"),
            ({"request": ""}, "Request is required"),
            ({"request": "x" * 2001}, "too long"),
            ({"region": None}, "district"),
            ({"earlier_number": "NOSUCHNUMBER"}, "No grievance has the receipt number"),
        ],
    )
    def test_it_refuses_bad_input_and_writes_nothing(self, world, changes, message):
        before = counts()
        with pytest.raises(Invalid, match=message):
            submit(world, **changes)
        assert counts() == before

    def test_it_refuses_a_problem_category_or_a_grid(self, world):
        from civicgrid.testing import make_category

        before = counts()
        with pytest.raises(Invalid, match="type of grievance"):
            submit(world, category=make_category("E0101"))
        with pytest.raises(Invalid, match="district"):
            submit(world, region=world.city.grid_a1)
        with pytest.raises(Invalid, match="type of grievance"):
            submit(world, category=world.appeal.parent)
        assert counts() == before

    def test_it_returns_the_first_grievance_for_a_retried_submission(self, world):
        first = actions.do_submit_grievance(
            acting_user=None,
            category=world.appeal,
            region=world.city.district_a,
            petitioner_name="张三",
            request="请求",
            idempotency_key="abc",
        )
        again = actions.do_submit_grievance(
            acting_user=None,
            category=world.appeal,
            region=world.city.district_a,
            petitioner_name="张三",
            request="请求",
            idempotency_key="abc",
        )
        assert first.created and not again.created and again.case.pk == first.case.pk
        assert Grievance.objects.count() == 1


class TestSameMatter:
    def test_it_links_the_same_matter_raised_again_while_it_is_being_handled(self, world):
        earlier = submit(world)
        before = Case.objects.count()
        result = actions.do_submit_grievance(
            acting_user=None,
            category=world.appeal,
            region=world.city.district_a,
            petitioner_name="王秘密",
            request="again",
            earlier_number=earlier.number,
        )
        assert result.linked and not result.created and result.case.pk == earlier.pk
        assert Case.objects.count() == before  # Art. 19: not registered twice
        link = SameMatterLink.objects.get()
        assert link.grievance_id == earlier.pk and link.channel == "online"
        assert CaseEvent.objects.filter(case=earlier, action="raise_again").count() == 1

    def test_it_refuses_the_same_facts_after_re_review_citing_article_36(self, world):
        earlier = submit(world)
        Case.objects.filter(pk=earlier.pk).update(status="final")
        before = counts()
        with pytest.raises(Invalid, match=r"same facts and reasons.*Art\. 36"):
            submit(world, earlier_number=earlier.number.lower())
        assert counts() == before

    def test_it_registers_new_facts_after_re_review_as_a_new_matter(self, world):
        earlier = submit(world)
        Case.objects.filter(pk=earlier.pk).update(status="final")
        case = reload(submit(world, earlier_number=earlier.number, new_facts=True))
        assert case.pk != earlier.pk
        assert case.grievance.earlier_id == earlier.pk and case.grievance.new_facts


class TestRecorded:
    def test_it_registers_a_letter_from_the_day_it_arrived(self, world):
        result = actions.do_record_grievance(
            acting_user=world.gina,
            channel="letter",
            category=world.suggestion,
            region=world.city.district_a,
            petitioner_name="李四",
            request="建议增设公交站",
            received_on=dt.date(2025, 9, 16),
            now=dt.datetime(2025, 9, 19, 9, tzinfo=TZ),
        )
        case = reload(result.case)
        g = case.grievance
        assert g.channel == "letter" and g.office == world.office_a and case.reporter is None
        assert case.source == "office"
        # Art. 22 from the day it arrived: 16 Sep + 15 days = 1 Oct (holiday to 8 Oct) -> Thu 9 Oct.
        assert case.step_due_at == dt.datetime(2025, 10, 9, 23, 59, 59, 999999, tzinfo=TZ)

    def test_it_records_an_oral_grievance_only_when_read_back_and_confirmed(self, world):
        kwargs = dict(
            acting_user=world.gina,
            channel="visit",
            category=world.appeal,
            region=world.city.district_a,
            petitioner_name="赵五",
            request="口述诉求",
        )
        before = counts()
        with pytest.raises(Invalid, match=r"Art\. 19"):
            actions.do_record_grievance(**kwargs)
        assert counts() == before
        case = reload(actions.do_record_grievance(record_confirmed=True, **kwargs).case)
        assert case.grievance.record_confirmed and case.source == "office"
        phone = reload(actions.do_record_grievance(**{**kwargs, "channel": "phone"}, record_confirmed=True).case)
        assert phone.source == "hotline"

    def test_it_lets_only_an_officer_of_the_place_register(self, world):
        kwargs = dict(
            channel="letter",
            category=world.appeal,
            region=world.city.district_b,
            petitioner_name="赵五",
            request="诉求",
        )
        for user in (world.gina, world.dan, world.rita, None):
            with pytest.raises(Forbidden):
                actions.do_record_grievance(acting_user=user, **kwargs)
        assert actions.do_record_grievance(acting_user=world.cora, **kwargs).created

    def test_it_refuses_online_as_an_officer_channel_and_a_future_day(self, world):
        kwargs = dict(acting_user=world.gina, category=world.appeal, region=world.city.district_a, petitioner_name="x")
        with pytest.raises(Invalid, match="letter, phone, fax or visit"):
            actions.do_record_grievance(channel="online", request="r", **kwargs)
        with pytest.raises(Invalid, match="future"):
            actions.do_record_grievance(
                channel="letter",
                request="r",
                received_on=dt.date(2025, 9, 20),
                now=dt.datetime(2025, 9, 19, 9, tzinfo=TZ),
                **kwargs,
            )
        assert Grievance.objects.count() == 0
