import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from civicgrid.categories.loading import (
    DEFAULT_FILE,
    CategoryFileError,
    effective_deadline,
    load_categories_file,
    load_default_categories,
)
from civicgrid.categories.models import DEADLINE_STEPS, Category
from civicgrid.lib.workcalendar import Duration, parse_duration
from civicgrid.org.roles import UnitType

SMALL_FILE = """
[[category]]
code = "B01"
kind = "component"
name_zh = "公共设施"
name_en = "Public facilities"
unit_type = "urban_management"
duplicate_radius_m = 50
deadlines = { accept = "1wh", dispatch = "1wh", sign = "1wd", handle = "5wd", verify = "1wd" }

[[category]]
code = "B0101"
name_zh = "上水井盖"
name_en = "Water-supply manhole cover"
unit_type = "water"
deadlines = { sign = "30min" }

[[category]]
code = "B0108"
name_zh = "路灯"
name_en = "Street light"
"""


@pytest.fixture(autouse=True)
def english():
    # The messages asserted below are the English originals.
    with translation.override("en"):
        yield


def write(tmp_path, text, name="categories.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_it_loads_the_repository_file():
    created, updated = load_default_categories()
    classes = Category.objects.filter(parent=None)
    leaves = Category.objects.exclude(parent=None).select_related("parent")
    assert (created, updated) == (Category.objects.count(), 0)
    assert sorted(classes.values_list("code", flat=True)) == [
        *("B01", "B02", "B03", "B04", "B05", "B06"),
        *("D01",),
        *("E01", "E02", "E03", "E04", "E05"),
        *("G01",),
    ]
    assert 60 <= leaves.count() <= 90
    for leaf in leaves:
        assert leaf.code.startswith(leaf.parent.code)
        assert leaf.kind == leaf.parent.kind
        assert leaf.active
        if leaf.kind == Category.Kind.GRIEVANCE:
            assert leaf.deadlines == {"accept": "15d", "handle": "60d"}
            assert leaf.unit_type == UnitType.LETTERS_VISITS
        else:
            assert set(leaf.deadlines) == set(DEADLINE_STEPS), leaf.code
    for category in Category.objects.all():
        assert category.unit_type in UnitType.values
        for text in category.deadlines.values():
            parse_duration(text)
    for leaf in leaves.filter(kind=Category.Kind.DISPUTE):
        assert leaf.unit_type == UnitType.MEDIATION
        assert leaf.public


@pytest.mark.django_db
def test_it_keeps_the_reference_deadlines():
    load_default_categories()

    def deadline(code, step):
        return effective_deadline(Category.objects.get(code=code), step)

    assert deadline("E0102", "handle") == Duration(4, "wh")  # exposed garbage
    assert deadline("E0104", "handle") == Duration(2, "wh")  # dirty road
    assert deadline("B0403", "handle") == Duration(5, "wd")  # green space, from its class
    assert deadline("E0103", "handle") == Duration(4, "wd")  # accumulated muck
    assert deadline("E0101", "sign") == Duration(4, "wh")  # illegal construction: stop work
    assert deadline("E0101", "handle") == Duration(20, "wd")  # ... and demolish
    assert deadline("E0101", "accept") == Duration(1, "wh")  # inherited from E01
    assert deadline("B0105", "sign") == Duration(15, "min")  # gas: threat to life
    assert deadline("E0501", "sign") == Duration(30, "min")  # water main
    assert deadline("B0111", "sign") == Duration(1, "wd")  # general
    assert Category.objects.get(code="B0101").duplicate_radius_m == 50
    assert Category.objects.get(code="E0105").on_spot
    assert Category.objects.get(code="E0201").on_spot
    assert not Category.objects.get(code="E0101").on_spot


@pytest.mark.django_db
def test_it_reloads_idempotently(tmp_path):
    first = load_default_categories()
    assert load_default_categories() == (0, 0)
    assert Category.objects.count() == first[0]
    # One changed value is one update.
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace('name_en = "Street light"', 'name_en = "Streetlight"')
    assert load_categories_file(write(tmp_path, text)) == (0, 1)
    assert Category.objects.get(code="B0108").name_en == "Streetlight"


@pytest.mark.django_db
def test_it_propagates_a_class_deadline_to_leaves_that_do_not_override_it(tmp_path):
    load_categories_file(write(tmp_path, SMALL_FILE))
    changed = SMALL_FILE.replace('verify = "1wd" }', 'verify = "2wd" }')
    assert load_categories_file(write(tmp_path, changed)) == (0, 3)
    assert Category.objects.get(code="B0101").deadlines == {
        "accept": "1wh",
        "dispatch": "1wh",
        "sign": "30min",
        "handle": "5wd",
        "verify": "2wd",
    }
    street_light = Category.objects.get(code="B0108")
    assert street_light.unit_type == "urban_management"  # inherited
    assert street_light.duplicate_radius_m == 50  # inherited


@pytest.mark.django_db
def test_it_deactivates_categories_missing_from_the_file(tmp_path):
    load_default_categories()
    total = Category.objects.count()
    created, updated = load_categories_file(write(tmp_path, SMALL_FILE))
    assert created == 0
    assert updated == total - 3 + 2  # deactivated rows, plus B0101 and B0108 whose fields changed
    assert Category.objects.count() == total
    assert set(Category.objects.filter(active=True).values_list("code", flat=True)) == {"B01", "B0101", "B0108"}
    assert not Category.objects.get(code="E0102").active
    # Loading the full file again brings them back.
    assert load_default_categories() == (0, total - 3 + 2)
    assert not Category.objects.filter(active=False).exists()


BAD_FILE = """
colour = "blue"

[[category]]
code = "B01"
kind = "component"
name_zh = "公共设施"
name_en = "Public facilities"
unit_type = "urban_management"
deadlines = { accept = "1wh", handle = "5 days", review = "1wd" }

[[category]]
code = "B0101"
kind = "component"
name_zh = "上水井盖"
name_en = "Water-supply manhole cover"
unit_type = "waterworks"
duplicate_radius_m = 0
colour = "red"

[[category]]
code = "B0101"
name_zh = "污水井盖"
name_en = "Sewer manhole cover"

[[category]]
code = "E0301"
name_zh = "施工扰民"
name_en = "Construction noise"

[[category]]
code = "X1"
name_zh = "?"
name_en = "?"

[[category]]
code = "D01"
kind = "component"
name_zh = "矛盾纠纷"
name_en = "Disputes"
unit_type = "mediation"
on_spot = "yes"

[[category]]
code = "G01"
kind = "grumble"
name_zh = ""
unit_type = "letters_visits"
deadlines = { handle = "0d" }
"""


@pytest.mark.django_db
def test_it_reports_every_problem_and_writes_nothing(tmp_path):
    load_categories_file(write(tmp_path, SMALL_FILE))
    before = list(Category.objects.order_by("code").values())
    with pytest.raises(CategoryFileError) as info:
        load_categories_file(write(tmp_path, BAD_FILE))
    errors = "\n".join(info.value.errors)
    expected = [
        "unknown top-level key 'colour'",
        "B01: deadline for handle: Invalid duration '5 days'",
        "B01: unknown deadline step 'review'",
        "B0101: a leaf takes its kind from its class",
        "B0101: unknown key 'colour'",
        "B0101: unknown unit_type 'waterworks'",
        "B0101: duplicate_radius_m must be a whole number of metres",
        "B0101: duplicate code",
        "E0301: its class E03 is not in the file",
        "X1: a code is a letter B, E, D or G",
        "D01: kind 'component' does not match the code letter",
        "D01: on_spot must be true or false",
        "G01: unknown kind 'grumble'",
        "G01: name_zh must be a non-empty text",
        "G01: missing name_en",
        "G01: deadline for handle: Invalid duration '0d'",
    ]
    for message in expected:
        assert message in errors
    assert len(info.value.errors) == len(expected)
    assert "16 problem(s), nothing was loaded" in info.value.summary
    assert list(Category.objects.order_by("code").values()) == before


@pytest.mark.django_db
def test_it_reports_unreadable_files(tmp_path):
    with pytest.raises(CategoryFileError, match="not valid TOML"):
        load_categories_file(write(tmp_path, "[[category]]\ncode = B01\n"))
    with pytest.raises(CategoryFileError, match="cannot read the file"):
        load_categories_file(tmp_path / "missing.toml")
    with pytest.raises(CategoryFileError, match="array of tables"):
        load_categories_file(write(tmp_path, '[category]\ncode = "B01"\n'))
    assert not Category.objects.exists()


@pytest.mark.django_db
def test_it_falls_back_to_the_class_deadline():
    parent = Category.objects.create(
        code="B09", kind="component", name_zh="类", name_en="Class", unit_type="water", deadlines={"handle": "5wd"}
    )
    leaf = Category.objects.create(
        code="B0901", parent=parent, kind="component", name_zh="项", name_en="Leaf", unit_type="water"
    )
    leaf.deadlines = {"sign": "2h"}
    assert effective_deadline(leaf, "sign") == Duration(2, "h")
    assert effective_deadline(leaf, "handle") == Duration(5, "wd")
    assert effective_deadline(leaf, "verify") is None
    with pytest.raises(ValueError, match="Unknown deadline step"):
        effective_deadline(leaf, "close")


@pytest.mark.django_db
def test_it_loads_from_the_command(tmp_path):
    out = StringIO()
    call_command("load_categories", stdout=out)
    total = Category.objects.count()
    assert f"{total} created, 0 updated; {total} active, 0 inactive" in out.getvalue()
    out = StringIO()
    call_command("load_categories", str(write(tmp_path, SMALL_FILE)), stdout=out)
    assert f"0 created, {total - 1} updated; 3 active, {total - 3} inactive" in out.getvalue()


@pytest.mark.django_db
def test_it_fails_the_command_with_one_line_and_the_details(tmp_path):
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("load_categories", str(write(tmp_path, BAD_FILE)), stderr=err)
    assert "\n" not in str(info.value)
    assert "16 problem(s), nothing was loaded" in str(info.value)
    assert "B0101: unknown unit_type 'waterworks'" in err.getvalue()
    assert not Category.objects.exists()


# --- admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    admin = django_user_model.objects.create_superuser("ada", "ada@example.org", "a-long-password-1")
    client.force_login(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def form_data(**overrides):
    data = {
        "code": "B0199",
        "parent": "",
        "kind": "component",
        "name_zh": "井盖",
        "name_en": "Manhole cover",
        "unit_type": "water",
        "active": "on",
        "sort_order": "0",
        "deadlines": json.dumps({"handle": "5wd"}),
        "duplicate_radius_m": "50",
        "escalates": "on",
        "public": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_it_rejects_a_bad_deadline_in_the_admin(admin_client_logged_in):
    url = reverse("admin:categories_category_add")
    response = admin_client_logged_in.post(url, form_data(deadlines=json.dumps({"handle": "5 weeks"})))
    assert response.status_code == 200
    assert "Invalid duration &#x27;5 weeks&#x27;" in response.content.decode()
    response = admin_client_logged_in.post(url, form_data(deadlines=json.dumps({"close": "1wd"})))
    assert response.status_code == 200
    assert "unknown deadline step &#x27;close&#x27;" in response.content.decode()
    response = admin_client_logged_in.post(url, form_data(deadlines=json.dumps(["5wd"])))
    assert "deadlines must be a table" in response.content.decode()
    assert not Category.objects.exists()


@pytest.mark.django_db
def test_it_keeps_the_row_when_an_admin_edit_is_rejected(admin_client_logged_in):
    load_default_categories()
    category = Category.objects.get(code="B0108")
    url = reverse("admin:categories_category_change", args=[category.pk])
    data = form_data(
        code="B0108", parent=str(category.parent_id), kind="component", deadlines=json.dumps({"sign": "-1wd"})
    )
    response = admin_client_logged_in.post(url, data)
    assert response.status_code == 200
    assert "Invalid duration" in response.content.decode()
    category.refresh_from_db()
    assert category.deadlines["sign"] == "1wd"


@pytest.mark.django_db
def test_it_saves_a_good_category_and_checks_its_parent_in_the_admin(admin_client_logged_in):
    load_default_categories()
    url = reverse("admin:categories_category_add")
    event_class = Category.objects.get(code="E01")
    response = admin_client_logged_in.post(url, form_data(parent=str(event_class.pk)))
    assert response.status_code == 200
    assert "A category has the kind of its class" in response.content.decode()
    leaf = Category.objects.get(code="E0101")
    response = admin_client_logged_in.post(url, form_data(parent=str(leaf.pk), kind="event"))
    assert "The parent must be a top-level class." in response.content.decode()
    parent = Category.objects.get(code="B01")
    response = admin_client_logged_in.post(url, form_data(parent=str(parent.pk)))
    assert response.status_code == 302
    saved = Category.objects.get(code="B0199")
    assert saved.deadlines == {"handle": "5wd"}
    assert effective_deadline(saved, "sign") == Duration(1, "wd")  # from B01


@pytest.mark.django_db
def test_it_lists_and_searches_categories_in_the_admin(admin_client_logged_in):
    load_default_categories()
    response = admin_client_logged_in.get(reverse("admin:categories_category_changelist"), {"q": "井盖"})
    assert response.status_code == 200
    assert "B0105" in response.content.decode()
    assert "E0102" not in response.content.decode()
