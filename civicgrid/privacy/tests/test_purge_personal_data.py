"""``purge_personal_data``: contacts of cases that ended long enough ago are blanked, old sent
messages deleted, the access log kept as long as the data it protects; audit events untouched."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from civicgrid.cases import actions as A
from civicgrid.cases import audit
from civicgrid.cases.models import Case, CaseEvent, Supporter
from civicgrid.notify.models import Outbox
from civicgrid.privacy import retention
from civicgrid.privacy.access_log import log_read
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.testing import POINT_A1, make_category

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = timedelta(days=1)


def run(*args) -> str:
    out = StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def contact(case) -> tuple[str, bool]:
    return Case.objects.filter(pk=case.pk).values_list("contact", "contact_shared").get()


def events():
    return list(CaseEvent.objects.order_by("pk").values())


@pytest.fixture
def city(small_city, personas):
    """At T0: one case of each ending (closed, rejected, merged) and one still open, each with a
    shared contact; a supporter on the closed case; the merged duplicate's reporter following the
    open case; a reveal logged on the closed case and on the open one; four old messages."""
    category = make_category(deadlines={"accept": "2h", "dispatch": "2h", "sign": "4h", "handle": "8h", "verify": "4h"})
    p = personas
    with time_machine.travel(T0, tick=False):

        def report(contact):
            case, _created = A.do_report_case(
                acting_user=None,
                category=category,
                description="Blocked fire lane",
                contact=contact,
                contact_shared=True,
                **POINT_A1,
            )
            return case

        closed, rejected, duplicate, still_open = (
            report(c) for c in ("closed@example.org", "13800000001", "dup@example.org", "open@example.org")
        )
        A.do_support_case(closed, contact="neighbour@example.org")
        A.do_accept_case(closed, acting_user=p.dan)
        A.do_dispatch_case(closed, acting_user=p.dan, unit=p.org_a)
        A.do_sign_case(closed, acting_user=p.carl)
        A.do_handle_case(closed, acting_user=p.carl, result="Cleared")
        A.do_verify_case(closed, acting_user=p.gwen)
        A.do_reject_case(rejected, acting_user=p.dan, reason="Private ground")
        A.do_merge_case(duplicate, into=still_open, acting_user=p.dan)
        log_read(p.dan, closed, "contact", "Call about access")
        log_read(p.dan, still_open, "contact", "Call about access")
        for status in ("sent", "failed", "pending"):
            Outbox.objects.create(channel="email", recipient="closed@example.org", body="b", status=status)
        Outbox.objects.create(channel="webhook", recipient="1", body="{}", status="sent")
    return {"closed": closed, "rejected": rejected, "duplicate": duplicate, "open": still_open}


@pytest.mark.django_db
class TestPurge:
    def test_it_keeps_everything_within_the_retention_period(self, city):
        with time_machine.travel(T0 + 179 * DAY):
            out = run()

        assert all(contact(case)[0] for case in city.values())
        assert Supporter.objects.exclude(contact="").count() == 2
        assert (Outbox.objects.count(), PersonalDataAccess.objects.count()) == (4, 2)
        assert "reporters' contacts blanked: 0" in out

    def test_it_blanks_the_contacts_of_cases_ended_over_180_days_ago(self, city):
        with time_machine.travel(T0 + 181 * DAY):
            out = run()

        for name in ("closed", "rejected", "duplicate"):
            assert contact(city[name]) == ("", False), name
        assert contact(city["open"]) == ("open@example.org", True)
        # The closed case's "me too" is blanked; the duplicate's reporter follows the open case still.
        assert list(Supporter.objects.order_by("pk").values_list("case", "contact")) == [
            (city["closed"].pk, ""),
            (city["open"].pk, "dup@example.org"),
        ]
        assert sorted(Outbox.objects.values_list("status", flat=True)) == ["pending"]
        assert "reporters' contacts blanked: 3" in out
        assert "supporters' contacts blanked: 1" in out
        assert "sent or failed messages deleted: 3" in out
        assert "access log rows deleted: 0" in out

    def test_it_keeps_the_access_log_longer_than_the_data_it_protects(self, city):
        with time_machine.travel(T0 + 181 * DAY):
            run()
        assert PersonalDataAccess.objects.count() == 2

        with time_machine.travel(T0 + 731 * DAY):
            out = run()

        # The read of the closed case's contact goes; the open case's contact is still held, so
        # the record of who read it stays.
        assert list(PersonalDataAccess.objects.values_list("case", flat=True)) == [city["open"].pk]
        assert "access log rows deleted: 1" in out

    def test_it_never_touches_the_audit_events(self, city):
        before = events()

        with time_machine.travel(T0 + 800 * DAY):
            run()

        assert events() == before
        assert audit.verify().breaks == []

    def test_it_counts_from_the_day_the_case_ended(self, small_city, personas):
        # Reported at T0, rejected 100 days later: kept until 180 days after the rejection.
        category = make_category("E0102")
        with time_machine.travel(T0, tick=False):
            late, _created = A.do_report_case(
                acting_user=None, category=category, description="x", contact="late@example.org", **POINT_A1
            )
        with time_machine.travel(T0 + 100 * DAY, tick=False):
            A.do_reject_case(late, acting_user=personas.dan, reason="Duplicate call")

        with time_machine.travel(T0 + 200 * DAY):
            run()
        assert contact(late)[0] == "late@example.org"

        with time_machine.travel(T0 + 281 * DAY):
            run()
        assert contact(late)[0] == ""

    def test_a_second_run_finds_nothing_more(self, city):
        with time_machine.travel(T0 + 181 * DAY):
            run()
            out = run()

        assert "reporters' contacts blanked: 0" in out and "sent or failed messages deleted: 0" in out


@pytest.mark.django_db
class TestDryRun:
    def test_it_prints_what_would_go_and_changes_nothing(self, city):
        before = (
            list(Case.objects.order_by("pk").values_list("contact", "contact_shared")),
            list(Supporter.objects.order_by("pk").values_list("contact", flat=True)),
            Outbox.objects.count(),
        )

        with time_machine.travel(T0 + 181 * DAY):
            out = run("--dry-run", "--verbosity", "2")

        assert "Dry run" in out
        assert "reporters' contacts blanked: 3" in out and "sent or failed messages deleted: 3" in out
        for name in ("closed", "rejected", "duplicate"):
            assert city[name].number in out
        assert city["open"].number not in out
        after = (
            list(Case.objects.order_by("pk").values_list("contact", "contact_shared")),
            list(Supporter.objects.order_by("pk").values_list("contact", flat=True)),
            Outbox.objects.count(),
        )
        assert after == before


@pytest.mark.django_db
class TestSettings:
    def test_it_uses_180_and_730_days_by_default(self, settings):
        del settings.PERSONAL_DATA_RETENTION_DAYS
        if hasattr(settings, "ACCESS_LOG_RETENTION_DAYS"):
            del settings.ACCESS_LOG_RETENTION_DAYS

        assert retention.periods() == retention.Periods(180, 730)

    def test_it_follows_the_settings(self, city, settings):
        settings.PERSONAL_DATA_RETENTION_DAYS = 30
        settings.ACCESS_LOG_RETENTION_DAYS = 60

        with time_machine.travel(T0 + 61 * DAY):
            out = run()

        assert contact(city["closed"]) == ("", False)
        assert PersonalDataAccess.objects.count() == 1
        assert "30 days" in out and "60 days" in out

    @pytest.mark.parametrize(
        ("data_days", "log_days", "words"),
        [(10, 730, "reopen window"), (180, 90, "at least PERSONAL_DATA_RETENTION_DAYS")],
    )
    def test_it_refuses_unusable_periods(self, settings, data_days, log_days, words):
        settings.PERSONAL_DATA_RETENTION_DAYS = data_days
        settings.ACCESS_LOG_RETENTION_DAYS = log_days

        with pytest.raises(CommandError, match=words):
            run()
