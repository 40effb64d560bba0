"""The workbench queues: who sees which queue, what is on it, counts, filters, paging, cost."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case
from civicgrid.org.roles import Role
from civicgrid.testing import POINT_A1, POINT_B1, make_category, make_staff
from civicgrid.web.workbench import queues

HOME = "/workbench/"
POINT_A2 = {"lat": 39.105, "lon": 117.215, "crs": "gcj02"}


def queue_url(slug):
    return f"/workbench/queues/{slug}/"


@pytest.fixture
def category(small_city):
    return make_category()


def report(category, where=POINT_A1, **kw) -> Case:
    case, _created = A.do_report_case(acting_user=None, category=category, description="Bin overflowing", **where, **kw)
    return case


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def numbers(response) -> set[str]:
    return {row["case"].number for row in response.context["rows"]}


def counts(response) -> dict[str, int]:
    return {tab["queue"].slug: tab["count"] for tab in response.context["tabs"]}


@pytest.mark.django_db
class TestAccess:
    def test_it_sends_anonymous_users_to_sign_in(self, client, small_city):
        r = client.get(HOME)
        assert r.status_code == 302
        assert r["Location"].startswith("/accounts/login/?next=/workbench/")

    def test_it_refuses_a_resident_without_staff_roles(self, personas):
        r = logged_in(personas.rita).get(HOME)
        assert r.status_code == 403
        assert "Staff only" in r.content.decode()

    def test_it_answers_404_for_a_queue_not_on_my_desk(self, personas):
        assert logged_in(personas.carl).get(queue_url("to_accept")).status_code == 404
        assert logged_in(personas.dan).get(queue_url("no_such_queue")).status_code == 404

    def test_it_refuses_anonymous_posts_too(self, client, small_city):
        r = client.post("/workbench/queues/to_dispatch/dispatch/", {"cases": ["1:1"]})
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.django_db
class TestMembership:
    def test_it_shows_dan_the_reports_to_accept(self, category, personas):
        mine, theirs = report(category), report(category, POINT_B1)
        r = logged_in(personas.dan).get(HOME)
        assert r.status_code == 200
        assert r.context["current"].slug == "to_accept"
        assert numbers(r) == {mine.number}
        assert theirs.number not in r.content.decode()
        assert [t["queue"].slug for t in r.context["tabs"]] == [
            "to_accept",
            "to_dispatch",
            "to_verify",
            "overdue",
            "escalated",
            "urged",
            "parked",
            "extensions",
            "all",
        ]

    def test_it_shows_carl_his_units_cases(self, category, personas):
        ours = report(category)
        A.do_accept_case(ours, acting_user=personas.dan)
        A.do_dispatch_case(ours, acting_user=personas.dan)
        waiting = report(category)
        r = logged_in(personas.carl).get(HOME)
        assert r.context["current"].slug == "mine"
        assert numbers(r) == {ours.number}
        assert waiting.number not in numbers(r)
        assert [t["queue"].slug for t in r.context["tabs"]] == ["mine", "urged", "all"]

    def test_it_shows_olga_none_of_district_as_cases(self, category, personas):
        case = report(category)
        A.do_accept_case(case, acting_user=personas.dan)
        A.do_dispatch_case(case, acting_user=personas.dan)
        olga = logged_in(personas.olga)
        for slug in ("mine", "urged", "all"):
            r = olga.get(queue_url(slug))
            assert r.status_code == 200
            assert numbers(r) == set()
            assert counts(r) == {"mine": 0, "urged": 0, "all": 0}
        assert numbers(olga.get(queue_url("all") + f"?number={case.number}")) == set()

    def test_it_shows_gwen_the_handled_cases_of_her_grid_only(self, category, personas):
        in_a1, in_a2 = report(category), report(category, POINT_A2)
        for case in (in_a1, in_a2):
            A.do_accept_case(case, acting_user=personas.dan)
            A.do_dispatch_case(case, acting_user=personas.dan)
            A.do_sign_case(case, acting_user=personas.carl)
            A.do_handle_case(case, acting_user=personas.carl, result="Emptied")
        r = logged_in(personas.gwen).get(HOME)
        assert r.context["current"].slug == "to_verify"
        assert numbers(r) == {in_a1.number}

    def test_it_lists_overdue_escalated_urged_parked_and_extension_cases(self, category, personas):
        long_ago = timezone.now() - timedelta(days=30)
        late = report(category, now=long_ago)
        A.do_escalate_case(late)
        A.do_escalate_case(late)  # community → street → district: dan's centre is a district unit
        urged = report(category)
        A.do_accept_case(urged, acting_user=personas.dan)
        A.do_urge_case(urged, acting_user=personas.sara, reason="Residents keep calling")
        parked = report(category)
        A.do_accept_case(parked, acting_user=personas.dan)
        A.do_park_case(parked, acting_user=personas.sara, reason="Road works until spring")
        slow = report(category)
        A.do_accept_case(slow, acting_user=personas.dan)
        A.do_dispatch_case(slow, acting_user=personas.dan)
        A.do_sign_case(slow, acting_user=personas.carl)
        A.do_request_extension(slow, acting_user=personas.carl, duration="2wd", reason="Parts on order")

        sara = logged_in(personas.sara)
        assert numbers(sara.get(queue_url("overdue"))) == {late.number}
        assert numbers(sara.get(queue_url("escalated"))) == {late.number}
        assert numbers(sara.get(queue_url("urged"))) == {urged.number}
        assert numbers(sara.get(queue_url("parked"))) == {parked.number}
        assert numbers(sara.get(queue_url("extensions"))) == {slow.number}

    def test_it_gives_the_auditor_a_reading_desk_over_the_city(self, category, personas):
        a, b = report(category), report(category, POINT_B1)
        r = logged_in(personas.audrey).get(HOME)
        assert [t["queue"].slug for t in r.context["tabs"]] == ["overdue", "escalated", "urged", "parked", "all"]
        assert numbers(logged_in(personas.audrey).get(queue_url("all"))) == {a.number, b.number}

    def test_it_has_no_queue_for_a_mediator(self, category, personas, small_city):
        mia = make_staff("mia", personas.centre_a, [Role.MEDIATOR])
        report(category)
        r = logged_in(mia).get(HOME)
        assert r.status_code == 200
        assert r.context["current"] is None and r.context["tabs"] == []
        assert "None of your roles has a case queue here." in r.content.decode()

    def test_it_keeps_street_escalations_off_a_district_desk(self, category, personas):
        case = report(category, now=timezone.now() - timedelta(days=30))
        A.do_escalate_case(case)  # to street level only
        assert numbers(logged_in(personas.sara).get(queue_url("escalated"))) == set()


@pytest.mark.django_db
class TestCounts:
    def test_it_shows_the_count_of_every_queue(self, category, personas):
        for _ in range(3):
            report(category)
        accepted = report(category)
        A.do_accept_case(accepted, acting_user=personas.dan)
        report(category, POINT_B1)  # outside dan's scope
        r = logged_in(personas.dan).get(HOME)
        assert counts(r) == {
            "to_accept": 3,
            "to_dispatch": 1,
            "to_verify": 0,
            "overdue": 0,
            "escalated": 0,
            "urged": 0,
            "parked": 0,
            "extensions": 0,
            "all": 4,
        }
        body = r.content.decode()
        assert 'data-queue-count="to_accept">3<' in body and 'data-queue-count="to_dispatch">1<' in body

    def test_it_counts_with_a_single_aggregate(self, category, personas, django_assert_num_queries):
        report(category)
        desk = queues.desk_of(personas.dan, timezone.now())
        mine = queues.queues_for(personas.dan)
        with django_assert_num_queries(1):
            assert queues.counts(personas.dan, mine, desk)["to_accept"] == 1


@pytest.mark.django_db
class TestFilters:
    def test_it_filters_by_place(self, category, personas, small_city):
        a1, a2 = report(category), report(category, POINT_A2)
        dan = logged_in(personas.dan)
        assert numbers(dan.get(queue_url("to_accept") + "?region=120101001")) == {a1.number, a2.number}
        assert numbers(dan.get(queue_url("to_accept") + "?region=120101")) == {a1.number, a2.number}
        # District B is outside dan's scope: not a choice, so the filter is refused and ignored.
        r = dan.get(queue_url("to_accept") + "?region=120102")
        assert r.context["form"].errors["region"]
        assert numbers(r) == {a1.number, a2.number}

    def test_it_filters_by_category_class_and_status(self, category, personas):
        other = make_category("C0101")
        litter, lamp = report(category), report(other)
        A.do_accept_case(lamp, acting_user=personas.dan)
        sara = logged_in(personas.sara)
        klass = other.parent_id
        assert numbers(sara.get(queue_url("all") + f"?category_class={klass}")) == {lamp.number}
        assert numbers(sara.get(queue_url("all") + "?status=reported")) == {litter.number}
        assert numbers(sara.get(queue_url("all") + f"?number={lamp.number[:10].lower()}")) == {lamp.number}

    def test_it_filters_by_sla_colour(self, category, personas):
        fresh = report(category)
        late = report(category, now=timezone.now() - timedelta(days=30))
        dan = logged_in(personas.dan)
        assert numbers(dan.get(queue_url("to_accept") + "?sla=red")) == {late.number}
        green = dan.get(queue_url("to_accept") + "?sla=green")
        yellow = dan.get(queue_url("to_accept") + "?sla=yellow")
        # The fresh case is green or yellow depending on the working hours now; never both, never red.
        assert numbers(green) | numbers(yellow) == {fresh.number}
        assert not (numbers(green) & numbers(yellow))

    def test_it_sorts_by_due_time(self, category, personas):
        old = report(category, now=timezone.now() - timedelta(days=20))
        new = report(category)
        dan = logged_in(personas.dan)
        first = [row["case"].number for row in dan.get(queue_url("to_accept")).context["rows"]]
        assert first == [old.number, new.number]
        last = [row["case"].number for row in dan.get(queue_url("to_accept") + "?sort=-due").context["rows"]]
        assert last == [new.number, old.number]


@pytest.mark.django_db
class TestPaging:
    def test_it_pages_by_50_at_a_constant_cost(self, category, personas, django_assert_max_num_queries):
        for _ in range(55):
            case = report(category)
            A.do_accept_case(case, acting_user=personas.dan)
        dan = logged_in(personas.dan)
        dan.get(queue_url("to_dispatch"))  # a first visit, so that the measured one is like any other
        with django_assert_max_num_queries(12):
            r = dan.get(queue_url("to_dispatch"))
        assert len(r.context["rows"]) == 50 and r.context["page"].paginator.count == 55
        assert 'rel="next"' in r.content.decode()
        second = dan.get(queue_url("to_dispatch") + "?page=2&sort=due")
        assert len(second.context["rows"]) == 5

    def test_it_costs_the_same_for_5_rows_and_for_50(self, category, personas):
        dan = logged_in(personas.dan)

        def cost():
            with CaptureQueriesContext(connection) as ctx:
                dan.get(queue_url("to_accept"))
            return len(ctx.captured_queries)

        for _ in range(5):
            report(category)
        dan.get(HOME)
        few = cost()
        for _ in range(50):
            report(category)
        assert cost() == few

    def test_it_costs_the_same_with_the_sla_filter(self, category, personas, django_assert_max_num_queries):
        for _ in range(55):
            report(category)
        dan = logged_in(personas.dan)
        dan.get(HOME)
        with django_assert_max_num_queries(12):
            r = dan.get(queue_url("to_accept") + "?sla=green")
        with django_assert_max_num_queries(12):
            r2 = dan.get(queue_url("to_accept") + "?sla=yellow")
        assert len(r.context["rows"]) + len(r2.context["rows"]) == 50


@pytest.mark.django_db
class TestScopeColumns:
    """A scope of a whole district, street, community or grid is read from that level's indexed
    code column; it must find exactly the cases a prefix of the grid code finds."""

    def test_it_finds_the_same_cases_as_a_grid_code_prefix(self, small_city, personas, category):
        from civicgrid.cases.access import visible_cases
        from civicgrid.org import access

        c = small_city
        for where in (POINT_A1, POINT_A2, POINT_B1):
            report(category, where)
        unit_b = personas.org_b  # a unit owning none of them: only the scope shows cases
        scopes = [c.city, c.district_a, c.street_a, c.community_a, c.grid_a1, c.grid_a2, c.district_b]
        for i, region in enumerate(scopes):
            user = make_staff(f"scoped{i}", unit_b, [Role.DISPATCHER], regions=[region])
            prefix = region.subtree_prefix
            expected = set(Case.objects.filter(grid_code__startswith=prefix).values_list("pk", flat=True))
            assert set(visible_cases(user).values_list("pk", flat=True)) == expected, region.code
            assert access.scope_prefixes(user) == (prefix,)
        # Each level's scope is an equality on its column, the city's a prefix.
        where = str(visible_cases(make_staff("on_street", unit_b, [Role.DISPATCHER], regions=[c.street_a])).query)
        assert f'"street_code" = {c.street_a.code}' in where.replace("'", "")
        assert "LIKE" not in where.upper()
