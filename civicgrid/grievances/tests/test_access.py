"""Who reads what of a grievance (access.py), Art. 30 of the Regulations: the access functions
decide, and the list filter agrees with them for every persona."""

import pytest
from django.http import Http404

from civicgrid.grievances import access
from civicgrid.grievances.access import FULL, WITHOUT_IDENTITY
from civicgrid.grievances.models import Grievance
from civicgrid.grievances.tests.conftest import SECRET_NAME, accusation, assign, reload, submit
from civicgrid.org import access as org_access
from civicgrid.privacy.models import PersonalDataAccess

PERSONAS = ("gina", "cora", "carl", "hugo", "ruth", "sara", "pete", "paula", "pat", "dan", "olga", "rita")


def level(world, name, case):
    user = getattr(world, name)
    return access.read_level(user, Grievance.objects.select_related("case").get(pk=case.pk))


def visible(world, name):
    return set(access.visible_grievances(getattr(world, name)).values_list("pk", flat=True))


@pytest.fixture
def cases(world):
    """An accusation about the housing commission (sent to urban management), an appeal against
    the housing commission decided by the commission itself, and an ordinary appeal."""
    return {
        "accusation": assign(world, accusation(world, complained_unit=world.housing_a)),
        "about_housing": admit_by_pete(
            world, assign(world, submit(world, complained_unit=world.housing_a), unit=world.housing_a)
        ),
        "plain": assign(world, submit(world, user=world.rita)),
    }


def admit_by_pete(world, case):
    from civicgrid.grievances import actions

    actions.do_admit_grievance(reload(case), acting_user=world.pete, text="已接收")
    return reload(case)


EXPECTED = {
    # persona: (accusation, about_housing, plain)
    "gina": (FULL, FULL, FULL),  # district A's letters-and-visits office
    "cora": (FULL, FULL, FULL),  # the city's office
    "carl": (FULL, None, FULL),  # the body with authority of the accusation and the plain appeal
    "hugo": (None, None, None),  # the level above: not (yet) a body of these matters
    "ruth": (None, None, None),
    "sara": (FULL, FULL, FULL),  # supervisor of district A: the accused unit is known
    # the accused commission's handler and supervisor: decides its own appeal without the identity;
    # as a supervisor of district A it sees the appeal that is not about it
    "pete": (None, WITHOUT_IDENTITY, FULL),
    "paula": (None, None, None),  # a team under the accused commission, not the deciding body
    "pat": (None, None, FULL),  # a grievance officer working in the accused commission
    "dan": (None, None, None),  # a dispatcher: no grievance role
    "olga": (None, None, None),  # another district
    "rita": (None, None, FULL),  # the petitioner of the plain appeal, through her account
}


def allowed_for(cases, name) -> set[int]:
    kinds = ("accusation", "about_housing", "plain")
    return {cases[k].pk for k, lvl in zip(kinds, EXPECTED[name], strict=True) if lvl}


@pytest.mark.parametrize("name", PERSONAS)
def test_it_gives_each_persona_what_the_rules_say(world, cases, name):
    got = tuple(level(world, name, cases[k]) for k in ("accusation", "about_housing", "plain"))
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name", PERSONAS)
def test_it_lists_exactly_what_each_persona_may_read(world, cases, name):
    expected = {
        cases[k].pk for k, lvl in zip(("accusation", "about_housing", "plain"), EXPECTED[name], strict=True) if lvl
    }
    if name == "rita":
        expected = set()  # a petitioner follows her grievance by its link, not in a staff list
    assert visible(world, name) == expected


@pytest.mark.parametrize("name", ["gina", "sara", "carl", "pete", "dan", "olga"])
def test_it_answers_missing_and_forbidden_alike(world, cases, name):
    user = getattr(world, name)
    allowed = {
        cases[k].pk for k, lvl in zip(("accusation", "about_housing", "plain"), EXPECTED[name], strict=True) if lvl
    }
    for case in cases.values():
        if case.pk in allowed:
            assert access.access_grievance_by_id(user, case.pk).case.pk == case.pk
        else:
            with pytest.raises(Http404):
                access.access_grievance_by_id(user, case.pk)
    with pytest.raises(Http404):
        access.access_grievance_by_id(user, 999999)
    with pytest.raises(Http404):
        access.access_grievance_by_id(user, "x")


def test_it_hides_an_accusation_from_supervisors_until_its_unit_is_known(world):
    case = accusation(world)  # the petitioner named no unit
    assert level(world, "sara", case) is None and level(world, "pete", case) is None
    assert level(world, "gina", case) == FULL
    assert case.pk not in visible(world, "sara") and case.pk in visible(world, "gina")


def test_it_gives_the_accused_no_role_to_act_on_an_accusation(world, cases):
    g = Grievance.objects.select_related("case").get(pk=cases["accusation"].pk)
    for name in ("pete", "paula", "pat"):
        assert access.roles_on_grievance(getattr(world, name), g) == {"resident"}


def test_it_logs_every_staff_read_before_showing_anything(world, cases, rf):
    acc = access.access_grievance_by_id(world.carl, cases["plain"].pk)
    f = access.read_file(world.carl, acc, purpose="办理", request=rf.get("/", REMOTE_ADDR="10.0.0.7"))
    assert f.name == SECRET_NAME and not f.identity_withheld
    logged = list(PersonalDataAccess.objects.order_by("field").values_list("user__username", "case_id", "field", "ip"))
    assert logged == [
        ("carl", cases["plain"].pk, access.CONTENT, "10.0.0.7"),
        ("carl", cases["plain"].pk, access.IDENTITY, "10.0.0.7"),
    ]


def test_it_never_gives_the_deciding_complained_unit_the_identity(world, cases):
    acc = access.access_grievance_by_id(world.pete, cases["about_housing"].pk)
    f = access.read_file(world.pete, acc, purpose="办理")
    assert f.name is None and f.address is None and f.contact is None and f.identity_withheld
    assert f.request  # the matter it must decide
    assert list(PersonalDataAccess.objects.values_list("field", flat=True)) == [access.CONTENT]


def test_it_shows_nothing_when_the_read_cannot_be_logged(world, cases):
    acc = access.access_grievance_by_id(world.carl, cases["plain"].pk)
    with pytest.raises(ValueError):
        access.read_file(world.carl, acc, purpose="")
    assert PersonalDataAccess.objects.count() == 0


def test_it_lets_the_petitioner_read_her_own_without_a_log(world, cases):
    acc = access.access_grievance_by_token(None, cases["plain"].tracking_token)
    assert access.read_file(None, acc, purpose="", as_petitioner=True).name == SECRET_NAME
    assert PersonalDataAccess.objects.count() == 0
    for bad in ("", "x" * 65, cases["plain"].tracking_token[:-1] + "?"):
        with pytest.raises(Http404):
            access.access_grievance_by_token(None, bad)


def test_it_sees_the_complained_party_through_the_whole_unit_tree(world):
    for name in ("pete", "paula"):
        user = getattr(world, name)
        org_access.forget(user)
        g = Grievance.objects.select_related("case").get(pk=accusation(world, complained_unit=world.housing_a).pk)
        assert access.is_complained_party(user, g)
    assert not access.is_complained_party(world.carl, g)
