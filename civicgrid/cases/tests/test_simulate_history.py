"""simulate_history: synthetic cases made by the same rules as live ones, written in bulk."""

from collections import Counter
from datetime import datetime, timedelta
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from civicgrid.analytics import kpis
from civicgrid.cases import actions as A
from civicgrid.cases import audit, history, routing
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow import problem
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM
from civicgrid.categories.models import Category
from civicgrid.geo.locator import get_locator
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType
from civicgrid.testing import POINT_A1, make_category, make_staff, make_unit

TZ = ZoneInfo("Asia/Shanghai")
END = "2026-03-16"
END_AT = datetime(2026, 3, 16, tzinfo=TZ)
CLOCK = {"accept": "30min", "dispatch": "30min", "sign": "1h", "handle": "4h", "verify": "2h"}
# Columns that differ between two runs or between a simulated case and its replay by nature.
UNCOMPARED = {"id", "number", "tracking_token", "idempotency_key", "last_event_hash", "parent_id"}


@pytest.fixture
def categories(small_city):
    """A few problem categories: working-day and clock deadlines, one that may be settled on the
    spot, one that does not escalate."""
    return [
        make_category("E0102"),
        make_category("E0105", on_spot=True, deadlines={"accept": "1wh", "handle": "2wh"}),
        make_category("E0406", deadlines=CLOCK),
        make_category("E0401", on_spot=True, escalates=False),
    ]


@pytest.fixture
def staffed(small_city, personas, categories):
    """Besides the personas: someone for every role in every grid, so that every event of the
    simulation has an account and can be replayed through the actions."""
    c, K, T = small_city, Unit.Kind, UnitType
    centre_b = make_unit("120102-centre", "B区社会治理中心", K.CENTRE, T.GOVERNANCE_CENTRE, c.district_b)
    team_a = Unit.objects.get(code="120101001001-grid")
    team_b = make_unit("120102001001-grid", "B社区网格站", K.GRID_TEAM, T.GRID_TEAM, c.community_b)
    make_staff("gabe", team_a, [Role.GRID_WORKER], regions=[c.grid_a2])
    make_staff("gina", team_b, [Role.GRID_WORKER])
    make_staff("dora", centre_b, [Role.DISPATCHER])
    make_staff("sue", centre_b, [Role.SUPERVISOR])
    # Returned cases go to the district's governance centre: someone there handles them.
    make_staff("hank", personas.centre_a, [Role.HANDLER])
    make_staff("hugo", centre_b, [Role.HANDLER])
    return personas


def run(*args):
    # Messages are checked in English whatever the project's language.
    out = StringIO()
    with translation.override("en"):
        call_command("simulate_history", "--end", END, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def failing(*args):
    with pytest.raises(CommandError) as exc:
        run(*args)
    return str(exc.value)


def events_of(case) -> list[CaseEvent]:
    return list(case.events.order_by("seq"))


def snapshot() -> list[tuple]:
    """Everything a seed determines: the cases' columns and their events."""
    out = []
    for case in history.simulated_cases().order_by("number"):
        columns = tuple(
            (f.attname, getattr(case, f.attname)) for f in Case._meta.concrete_fields if f.attname not in UNCOMPARED
        )
        events = tuple(
            case.events.order_by("seq").values_list(
                "seq", "at", "actor_id", "actor_role", "action", "from_state", "to_state", "reason", "payload", "public"
            )
        )
        out.append((case.number, case.idempotency_key, case.parent.number if case.parent else None, columns, events))
    return out


def replay_and_compare():
    """Replay every simulated case step by step through the ``do_*`` actions (the first
    dispatch through the routing rule) and check the result has the same columns and events.
    Returns how often each action was replayed."""
    simulated = list(history.simulated_cases().select_related("parent"))
    users = get_user_model().objects.in_bulk()
    units = {u.code: u for u in Unit.objects.all()}
    categories = {c.pk: c for c in Category.objects.all()}
    rows = CaseEvent.objects.filter(case__in=simulated).select_related("case").order_by("at", "case_id", "seq")
    replayed: dict[int, Case] = {}
    numbers: dict[str, str] = {}
    returned: set[int] = set()
    seen = Counter()
    for e in rows:
        sim = e.case
        seen[e.action] += 1
        user = users[e.actor_id] if e.actor_id else None
        if e.actor_role not in (RESIDENT, REPORTER, SYSTEM):
            assert user is not None, f"{sim.number} {e.action}: no account for {e.actor_role}"
        token = e.actor_role == REPORTER and user is None
        now = e.at
        if e.action in ("report", "resolve_on_spot"):
            where = {"lat": sim.y, "lon": sim.x, "crs": "gcj02", "description": sim.description}
            category = categories[sim.category_id]
            if e.action == "report":
                case, _ = A.do_report_case(acting_user=user, category=category, source=sim.source, now=now, **where)
            else:
                case = A.do_resolve_case_on_spot(acting_user=user, category=category, now=now, **where)
            replayed[sim.pk] = case
            numbers[sim.number] = case.number
            continue
        case = replayed[sim.pk]
        case.refresh_from_db()  # as a request or the sweeper reads it
        match e.action:
            case "absorb":
                continue  # written by do_merge_case with the duplicate's merge
            case "merge":
                A.do_merge_case(case, into=replayed[sim.parent_id], acting_user=user, now=now)
            case "dispatch":
                # The first dispatch goes where the routing rule sends it; a returned case
                # goes where the centre chose.
                unit = units[e.payload["unit"]] if sim.pk in returned else None
                A.do_dispatch_case(case, acting_user=user, unit=unit, now=now)
            case "return":
                returned.add(sim.pk)
                A.do_return_case(case, acting_user=user, reason=e.reason, now=now)
            case "request_extension":
                A.do_request_extension(case, acting_user=user, duration=e.payload["duration"], reason=e.reason, now=now)
            case "handle":
                A.do_handle_case(case, acting_user=user, result=e.reason, now=now)
            case "rate":
                A.do_rate_case(case, acting_user=user, rating=e.payload["rating"], has_token=token, now=now)
            case "verify" | "reopen" | "fail_verification":
                do = getattr(
                    A, {"verify": "do_verify_case", "reopen": "do_reopen_case"}.get(e.action, "do_" + e.action)
                )
                kwargs = {"reason": e.reason} if e.action != "verify" else {}
                do(case, acting_user=user, has_token=token, now=now, **kwargs)
            case "escalate":
                A.do_escalate_case(case, now=now)
            case "accept" | "sign" | "start" | "approve_extension" | "take_lead" | "unpark":
                getattr(A, f"do_{e.action}_case" if e.action != "approve_extension" else "do_approve_extension")(
                    case, acting_user=user, now=now
                )
            case "reject" | "park" | "urge" | "refuse_extension":
                do = getattr(A, "do_refuse_extension" if e.action == "refuse_extension" else f"do_{e.action}_case")
                do(case, acting_user=user, reason=e.reason, now=now)
            case _:
                raise AssertionError(f"no replay for {e.action}")
    assert len(replayed) == len(simulated)

    def renumbered(payload):
        return {k: numbers.get(v, v) if k in ("into", "duplicate") else v for k, v in payload.items()}

    fields = ("seq", "at", "actor_id", "actor_role", "action", "from_state", "to_state", "reason", "payload")
    for sim in simulated:
        live = Case.objects.get(pk=replayed[sim.pk].pk)
        for f in Case._meta.concrete_fields:
            if f.attname not in UNCOMPARED:
                assert getattr(live, f.attname) == getattr(sim, f.attname), (sim.number, f.attname)
        assert (live.parent.number if live.parent else None) == (numbers[sim.parent.number] if sim.parent else None)
        expected = [(*e[:-1], renumbered(e[-1])) for e in sim.events.order_by("seq").values_list(*fields)]
        assert list(live.events.order_by("seq").values_list(*fields)) == expected, sim.number
    return seen


@pytest.mark.django_db
class TestSimulateHistory:
    def test_it_is_deterministic_for_a_seed(self, staffed):
        run("--days", "4", "--per-day", "25", "--seed", "7")
        first = snapshot()
        assert len(first) > 60
        run("--days", "4", "--per-day", "25", "--seed", "7", "--replace")
        assert snapshot() == first
        run("--days", "4", "--per-day", "25", "--seed", "8", "--replace")
        assert snapshot() != first

    def test_it_writes_chains_that_verify(self, staffed):
        out = run("--days", "5", "--per-day", "30")
        n = history.simulated_cases().count()
        events = CaseEvent.objects.count()
        assert f"{n:,} cases, {events:,} events" in out
        result = audit.verify()
        assert (result.cases, result.events, result.breaks) == (n, events, [])
        for case in history.simulated_cases():
            last = case.events.order_by("-seq").first()
            assert (case.version, case.last_event_hash, case.updated_at) == (last.seq, last.hash, last.at)

    def test_it_takes_only_transitions_of_the_workflow_table(self, staffed):
        run("--days", "6", "--per-day", "30")
        seen = Counter()
        for case in history.simulated_cases():
            state, previous = None, None
            for e in events_of(case):
                t = problem.PROBLEM.check(state, e.action, {e.actor_role})  # raises when not allowed
                assert e.from_state == (state or "")
                assert e.to_state == t.leads_to(state or problem.REPORTED)
                assert e.public is (e.action in problem.PROBLEM.public_actions)
                assert previous is None or e.at >= previous
                state, previous = e.to_state, e.at
                seen[e.action] += 1
            assert case.status == state
        # The side paths occur, not only the straight loop.
        for action in ("report", "resolve_on_spot", "accept", "dispatch", "sign", "handle", "verify", "rate"):
            assert seen[action] > 0, action
        assert seen["escalate"] > 0 and seen["start"] > 0

    def test_it_keeps_the_case_columns_consistent_with_the_events(self, staffed):
        run("--days", "8", "--per-day", "30")
        for case in history.simulated_cases().select_related("owner_unit", "parent"):
            events = events_of(case)
            actions = [e.action for e in events]
            last_of = {e.action: e for e in events}
            assert case.reported_at == events[0].at
            assert case.rework_count == actions.count("fail_verification")
            assert case.extension_count == actions.count("approve_extension")
            assert case.reopen_count == actions.count("reopen")
            assert case.return_count == actions.count("return")
            assert case.urge_count == actions.count("urge")
            assert case.ever_parked is ("park" in actions)
            assert case.ever_escalated is ("escalate" in actions)
            assert case.escalation_level == (
                last_of["escalate"].payload["level"] if "escalate" in actions else "community"
            )
            assert case.closed_on_spot is (actions[0] == "resolve_on_spot")
            if case.handled_at is not None:
                assert case.handled_at == last_of.get("handle", events[0]).at
                assert case.handled_on_time is (case.handled_at <= case.handle_due_at)
            else:
                assert case.handled_on_time is None
            if case.status == problem.CLOSED:
                closing = [e for e in events if e.to_state == problem.CLOSED and e.from_state != problem.CLOSED]
                assert closing[-1].action in ("verify", "resolve_on_spot")
                assert case.closed_at == closing[-1].at
            else:
                assert case.closed_at is None
            if case.status in (problem.CLOSED, problem.REJECTED, problem.MERGED, problem.PARKED):
                assert (case.step, case.step_started_at, case.step_due_at) == ("", None, None)
            else:
                assert case.step and case.step_started_at is not None and case.step_due_at is not None
            if case.rating is not None:
                rated = [e for e in events if e.action == "rate"][-1]
                assert (case.rating, case.rated_at) == (rated.payload["rating"], rated.at)
                assert case.status == problem.CLOSED
            if "dispatch" in actions and case.status in problem.WITH_UNIT | {problem.HANDLED, problem.CLOSED}:
                assert case.owner_unit.code == last_of["dispatch"].payload["unit"]
            if case.lead_official_id is not None:
                assert case.lead_official_id == last_of["take_lead"].actor_id
            if case.status == problem.MERGED:
                absorb = case.parent.events.get(action="absorb", payload__duplicate=case.number)
                assert absorb.at == last_of["merge"].at and case.parent.reported_at <= case.reported_at
            assert case.reporter_id in (None, *(e.actor_id for e in events[:1]))
            assert (case.contact, case.contact_shared, case.kind) == ("", False, "problem")

    def test_it_gives_the_same_result_as_the_live_actions(self, staffed):
        run("--days", "5", "--per-day", "20", "--seed", "3")
        replay_and_compare()

    def test_it_takes_every_side_path_as_the_live_actions_do(self, staffed, monkeypatch):
        """The rare paths (returns, extensions, parking, rework, reopening, duplicates, urging,
        lead officials) made frequent, and replayed all the same."""
        for name, value in {
            "P_DUPLICATE": 0.15,
            "P_RETURN": 0.15,
            "P_EXTENSION": 0.5,
            "P_EXTENSION_APPROVED": 0.5,
            "P_PARK_ACCEPTED": 0.05,
            "P_PARK_HANDLING": 0.08,
            "P_UNPARK": 1.0,
            "UNPARK_DAYS": (0.2, 2),
            "P_REWORK": 0.25,
            "P_REOPEN": {1: 0.5, 2: 0.5, 3: 0.5, None: 0.5},
            "P_URGE": 0.8,
            "P_TAKE_LEAD": 1.0,
            # Late steps, so that cases escalate twice and a lead official takes them.
            "P_ON_TIME": {"accept": 0.6, "dispatch": 0.6, "sign": 0.6, "handle": 0.6, "verify": 0.6},
            "P_HARD": 0.1,
            "HARD_DAYS_LATE": (1, 4),
        }.items():
            monkeypatch.setattr(history, name, value)
        run("--days", "8", "--per-day", "25", "--seed", "5")
        seen = replay_and_compare()
        missing = {t.action for t in problem.PROBLEM.transitions} - set(seen) - {"support"}
        assert not missing

    def test_it_routes_as_the_routing_rule(self, personas, small_city):
        """The routing rule answered from units read once gives the unit ``routing`` gives, for
        every unit type and place: a local unit, a city unit, a governance centre or nobody
        (district B has no governance centre; the city's does not take its cases)."""
        c, K, T = small_city, Unit.Kind, UnitType
        make_unit("120000-water", "市水务局", K.DEPARTMENT, T.WATER, c.city)
        make_unit("120101001-centre", "A街道社会治理中心", K.CENTRE, T.GOVERNANCE_CENTRE, c.street_a)
        make_unit("120101001001-centre", "A社区工作站", K.CENTRE, T.GOVERNANCE_CENTRE, c.community_a)
        make_unit("120102001-utilities", "B街道公用", K.DEPARTMENT, T.UTILITIES, c.street_b)
        units = history.Units()
        for grid in (c.grid_a1, c.grid_a2, c.grid_b1, c.grid_b2):
            loc = get_locator().locate(*grid.shape.centroid.coords[0])
            for unit_type in T.values:
                place = SimpleNamespace(
                    category=SimpleNamespace(unit_type=unit_type),
                    community_code=loc.community,
                    street_code=loc.street,
                    district_code=loc.district,
                )
                assert units.responsible(unit_type, loc.community, loc.street, loc.district) == (
                    routing.responsible_unit(place)
                ), (grid.code, unit_type)

    def test_it_gives_plausible_rates(self, staffed):
        run("--days", "40", "--per-day", "60")
        k = kpis.summary("", END_AT - timedelta(days=40), END_AT, now=END_AT)
        assert k.reported > 1500
        assert 0.9 <= k.response.value <= 1.0
        assert 0.85 <= k.closure.value <= 1.0
        assert 0.7 <= k.on_time_closure.value <= 1.0
        assert 0.85 <= k.resolution.value <= 1.0
        assert 0.8 <= k.satisfaction.value <= 1.0
        assert 0.0 < k.rework.value < 0.1
        assert 0.0 < k.extension.value < 0.06
        assert k.reopen.value < 0.05
        assert k.on_spot > 0 and k.open > 0 and k.overdue > 0
        assert kpis.hotspots("", END_AT - timedelta(days=40), END_AT, min_count=5)

    def test_it_leaves_recent_cases_open_at_every_step(self, staffed):
        out = run("--days", "10", "--per-day", "60")
        statuses = Counter(history.simulated_cases().values_list("status", flat=True))
        for status in (problem.REPORTED, problem.ACCEPTED, problem.DISPATCHED, problem.SIGNED, problem.HANDLED):
            assert statuses[status] > 0, status
        assert statuses[problem.CLOSED] > sum(statuses.values()) * 0.6
        assert f"Closed: {statuses[problem.CLOSED]:,}" in out
        open_cases = history.simulated_cases().filter(status__in=problem.ON_THE_CLOCK)
        assert open_cases.filter(step_due_at__lt=END_AT).exists()  # overdue now
        assert open_cases.filter(ever_escalated=True).exists()
        assert not CaseEvent.objects.filter(at__gte=END_AT).exists()
        assert not history.simulated_cases().filter(reported_at__lt=END_AT - timedelta(days=10)).exists()

    def test_it_writes_no_case_outside_the_grids(self, staffed):
        run("--days", "6", "--per-day", "40")
        locator = get_locator()
        grids = set(locator.codes)
        for case in history.simulated_cases():
            loc = locator.locate(case.x, case.y)
            assert case.grid_code in grids
            assert (loc.grid, loc.community, loc.street, loc.district) == (
                case.grid_code,
                case.community_code,
                case.street_code,
                case.district_code,
            )

    def test_it_records_the_role_without_an_account_where_nobody_holds_it(self, personas, categories):
        run("--days", "5", "--per-day", "40")
        # District B has no dispatcher: its cases are accepted by "a dispatcher", no account.
        b = CaseEvent.objects.filter(case__district_code="120102", action="accept")
        assert b.exists() and set(b.values_list("actor_id", "actor_role")) == {(None, Role.DISPATCHER)}
        a = CaseEvent.objects.filter(case__district_code="120101", action="accept")
        assert set(a.values_list("actor_id", flat=True)) == {personas.dan.pk}
        # Grid A1's patrol reports are gwen's, as a live patrol report would be.
        patrol = history.simulated_cases().filter(grid_code="120101001001001", source="patrol")
        assert patrol.exists() and set(patrol.values_list("reporter_id", flat=True)) == {personas.gwen.pk}
        assert not history.simulated_cases().exclude(contact="").exists()

    def test_it_refuses_to_run_twice(self, staffed):
        run("--days", "2", "--per-day", "10")
        n = history.simulated_cases().count()
        message = failing("--days", "2", "--per-day", "10")
        assert "--replace" in message and "\n" not in message
        assert history.simulated_cases().count() == n

    def test_it_replaces_only_simulated_cases(self, staffed):
        live, _ = A.do_report_case(
            acting_user=None, category=Category.objects.get(code="E0102"), description="Bins", **POINT_A1
        )
        run("--days", "3", "--per-day", "20", "--seed", "1")
        before = set(history.simulated_cases().values_list("number", flat=True))
        # A message about a simulated case stays in the outbox, no longer linked to it.
        event = CaseEvent.objects.filter(case__number__in=before).first()
        outbox = apps.get_model("notify", "Outbox")
        message = outbox.objects.create(
            channel="email", recipient="ops@example.org", body="x", case=event.case, event=event
        )
        out = run("--days", "3", "--per-day", "20", "--seed", "2", "--replace")
        assert f"Deleted {len(before)} simulated cases" in out
        after = set(history.simulated_cases().values_list("number", flat=True))
        assert after and not (after & before)
        live.refresh_from_db()
        assert live.events.count() == 1 and Case.objects.count() == len(after) + 1
        assert audit.verify().breaks == []
        message.refresh_from_db()
        assert (message.case_id, message.event_id) == (None, None)

    def test_it_keeps_a_simulated_case_a_live_one_was_merged_into(self, staffed):
        run("--days", "2", "--per-day", "40")
        parent = history.simulated_cases().filter(status__in=problem.OPEN, district_code="120101").first()
        live, _ = A.do_report_case(
            acting_user=None,
            category=parent.category,
            description="Same again",
            lat=parent.y,
            lon=parent.x,
            crs="gcj02",
        )
        A.do_merge_case(live, into=parent, acting_user=staffed.dan)
        message = failing("--days", "2", "--per-day", "20", "--replace")
        assert "merged into simulated ones" in message
        assert Case.objects.filter(pk=parent.pk).exists()

    def test_it_keeps_simulated_cases_other_records_protect(self, staffed):
        """A record that protects its case (the personal-data access log) stops the replacement
        with a message; nothing is deleted."""
        log = apps.get_model("privacy", "PersonalDataAccess")
        run("--days", "2", "--per-day", "20")
        n, events = history.simulated_cases().count(), CaseEvent.objects.count()
        log.objects.create(user=staffed.sara, case=history.simulated_cases().first(), field="contact", purpose="call")
        message = failing("--days", "2", "--per-day", "20", "--replace")
        with translation.override("en"):
            assert "cannot be replaced" in message and str(log._meta.verbose_name_plural) in message
        assert (history.simulated_cases().count(), CaseEvent.objects.count()) == (n, events)

    def test_it_does_nothing_with_if_empty_when_a_case_exists(self, staffed):
        A.do_report_case(acting_user=None, category=Category.objects.get(code="E0102"), description="Bins", **POINT_A1)
        out = run("--days", "2", "--if-empty")
        assert "no history simulated" in out
        assert not history.simulated_cases().exists()

    def test_it_runs_with_if_empty_on_an_empty_database(self, staffed):
        run("--days", "2", "--per-day", "10", "--if-empty")
        assert history.simulated_cases().exists()

    def test_it_checks_its_options_before_replacing(self, staffed):
        run("--days", "2", "--per-day", "10")
        n = history.simulated_cases().count()
        assert "--days" in failing("--days", "0", "--replace")
        assert history.simulated_cases().count() == n

    def test_it_validates_its_options(self, staffed):
        assert "date" in failing("--days", "2", "--end", "16/03/2026").lower()
        assert "--days" in failing("--days", "0")
        assert "--per-day" in failing("--days", "2", "--per-day", "0")
        future = (timezone.localdate() + timedelta(days=2)).isoformat()
        with pytest.raises(CommandError, match="future"), translation.override("en"):
            call_command("simulate_history", "--end", future, stdout=StringIO(), stderr=StringIO())
        assert not Case.objects.exists()

    def test_it_adapts_date_times_as_the_backend_does(self, db):
        field = Case._meta.get_field("closed_at")
        adapt = history._adapter(field, connection)
        for value in (
            datetime(2026, 3, 2, 9, 30, tzinfo=TZ),
            datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=TZ),
            datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=ZoneInfo("UTC")),
            None,
        ):
            assert adapt(value) == connection.ops.adapt_datetimefield_value(value)
