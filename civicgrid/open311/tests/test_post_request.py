import pytest
from django.contrib.auth import get_user_model

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.categories.models import Category
from civicgrid.open311.tests.support import A1, A1_GCJ, B1, BASE, OUTSIDE, parse_json, parse_xml
from civicgrid.org.apikeys import create_api_key
from civicgrid.org.models import ApiKey

pytestmark = [pytest.mark.urls("civicgrid.open311.test_urls"), pytest.mark.django_db]


@pytest.fixture
def fields(city, category, api_key):
    return {
        "api_key": api_key.key,
        "service_code": category.code,
        "lat": f"{A1[0]:.7f}",
        "long": f"{A1[1]:.7f}",
        "description": "Rubbish piled by the school gate",
        "address_string": "5 Gate Road",
        "email": "ming@example.org",
        "first_name": "Ming",
        "last_name": "Li",
        "phone": "13800000000",
        "device_id": "device-1",
        "account_id": "acct-1",
        "media_url": "https://photos.example.org/1.jpg",
    }


def post(client, fmt, data, **kwargs):
    return client.post(f"{BASE}/requests.{fmt}?locale=en", data, **kwargs)


def assert_nothing_written(api_key=None):
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    if api_key is not None:
        assert ApiKey.objects.get(pk=api_key.pk).last_used_at is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_it_creates_a_case(client, fields, fmt):
    r = post(client, fmt, fields)
    assert r.status_code == 201
    case = Case.objects.get()
    body = parse_json(r) if fmt == "json" else parse_xml(r, "service_requests")
    assert body == [
        {
            "service_request_id": case.number,
            "service_notice": "Received. The governance centre checks and accepts it.",
            "account_id": None,
        }
    ]
    assert case.source == Case.Source.OPEN311
    assert case.status == "reported"
    assert case.category.code == "E0102"
    assert case.description == "Rubbish piled by the school gate"
    assert case.address == "5 Gate Road"
    assert case.grid_code == "120101001001001"
    assert case.x == pytest.approx(A1_GCJ[1], abs=1e-6)
    assert case.y == pytest.approx(A1_GCJ[0], abs=1e-6)
    assert case.reporter is None
    assert case.contact == "ming@example.org"
    assert case.contact_shared is False
    assert case.idempotency_key is None
    assert [e.action for e in case.events.all()] == ["report"]


def test_it_keeps_the_phone_when_there_is_no_email(client, fields):
    del fields["email"]
    assert post(client, "json", fields).status_code == 201
    assert Case.objects.get().contact == "13800000000"


def test_it_needs_no_contact(client, fields):
    for name in ("email", "phone", "first_name", "last_name", "address_string", "media_url"):
        del fields[name]
    assert post(client, "json", fields).status_code == 201
    case = Case.objects.get()
    assert (case.contact, case.address) == ("", "")


def test_it_files_as_the_user_a_key_is_bound_to(client, fields):
    user = get_user_model().objects.create_user("hotline-bridge")
    _, key = create_api_key("bridge", user=user)
    fields["api_key"] = key
    assert post(client, "json", fields).status_code == 201
    assert Case.objects.get().reporter == user


def test_it_takes_the_api_key_from_the_query_string(client, fields):
    key = fields.pop("api_key")
    r = client.post(f"{BASE}/requests.json?api_key={key}", fields)
    assert r.status_code == 201


def test_it_places_a_point_in_the_right_district(client, fields):
    fields["lat"], fields["long"] = B1
    assert post(client, "json", fields).status_code == 201
    assert Case.objects.get().district_code == "120102"


def test_it_stamps_the_key_as_used(client, fields, api_key):
    post(client, "json", fields)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


class TestIdempotency:
    def test_it_creates_one_case_for_a_repeated_key(self, client, fields, api_key):
        first = post(client, "json", fields, headers={"Idempotency-Key": "abc-1"})
        again = post(client, "json", fields, headers={"Idempotency-Key": "abc-1"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        case = Case.objects.get()
        assert case.idempotency_key == f"open311:{api_key.pk}:abc-1"

    def test_it_keeps_the_keys_of_different_clients_apart(self, client, fields):
        _, other = create_api_key("another app")
        post(client, "json", fields, headers={"Idempotency-Key": "abc-1"})
        post(client, "json", {**fields, "api_key": other}, headers={"Idempotency-Key": "abc-1"})
        assert Case.objects.count() == 2

    def test_it_creates_a_case_per_request_without_the_header(self, client, fields):
        post(client, "json", fields)
        post(client, "json", fields)
        assert Case.objects.count() == 2

    def test_it_refuses_an_overlong_key(self, client, fields, api_key):
        r = post(client, "json", fields, headers={"Idempotency-Key": "k" * 81})
        assert r.status_code == 400
        assert "Idempotency-Key" in r.json()[0]["description"]
        assert_nothing_written(api_key)


class TestApiKey:
    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_it_answers_403_without_a_key(self, client, fields, api_key, fmt):
        del fields["api_key"]
        r = post(client, fmt, fields)
        assert r.status_code == 403
        expected = [{"code": 403, "description": "A valid api_key is required to submit a request."}]
        if fmt == "json":
            assert parse_json(r) == expected
        else:
            assert parse_xml(r, "errors") == [{"code": "403", "description": expected[0]["description"]}]
        assert_nothing_written(api_key)

    def test_it_answers_403_for_a_wrong_key(self, client, fields, api_key):
        fields["api_key"] = api_key.key + "x"
        r = post(client, "json", fields)
        assert r.status_code == 403
        assert_nothing_written(api_key)

    def test_it_answers_403_for_a_revoked_key(self, client, fields, api_key):
        ApiKey.objects.filter(pk=api_key.pk).update(active=False)
        assert post(client, "json", fields).status_code == 403
        assert_nothing_written(api_key)

    def test_it_checks_the_key_before_the_fields(self, client, api_key, city):
        r = post(client, "json", {"api_key": "nope"})
        assert r.status_code == 403


class TestInvalidFields:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"service_code": "X9999"}, "service_code: Unknown service_code X9999."),
            ({"service_code": ""}, "service_code: This field is required."),
            ({"description": ""}, "description: This field is required."),
            ({"description": "x" * 2001}, "description: Ensure this value has at most 2000 characters (it has 2001)."),
            ({"lat": "north"}, "lat: Enter a number."),
            ({"lat": "nan"}, "lat: Enter a number."),
            ({"long": ""}, "long: Send both lat and long."),
            ({"email": "not-an-email"}, "email: Enter a valid email address."),
            ({"media_url": "not a url"}, "media_url: Enter a valid URL."),
            (
                {"address_string": "x" * 301},
                "address_string: Ensure this value has at most 300 characters (it has 301).",
            ),
            (
                {"lat": "", "long": ""},
                "lat: Addresses cannot be placed on the map here: send the position as lat and long (WGS-84 degrees).",
            ),
            (
                {"lat": "", "long": "", "address_string": ""},
                "lat: Send the position as lat and long (WGS-84 degrees).",
            ),
            (
                {"lat": str(OUTSIDE[0]), "long": str(OUTSIDE[1])},
                "The point is outside the service area: no grid covers it.",
            ),
            ({"lat": "91", "long": "117.2"}, "Latitude must be between -90 and 90 (got 91.0)."),
        ],
    )
    def test_it_answers_400_and_writes_nothing(self, client, fields, api_key, change, message):
        fields.update(change)
        r = post(client, "json", fields)
        assert r.status_code == 400
        assert parse_json(r) == [{"code": 400, "description": message}]
        assert_nothing_written(api_key)

    def test_it_lists_every_invalid_field(self, client, fields, api_key):
        fields.update(service_code="X9999", description="")
        r = post(client, "xml", fields)
        assert r.status_code == 400
        errors = parse_xml(r, "errors")
        assert [e["code"] for e in errors] == ["400", "400"]
        assert {e["description"].split(":")[0] for e in errors} == {"service_code", "description"}
        assert_nothing_written(api_key)

    @pytest.mark.parametrize("change", [{"active": False}, {"public": False}])
    def test_it_refuses_a_service_not_offered(self, client, fields, category, change):
        Category.objects.filter(pk=category.pk).update(**change)
        r = post(client, "json", fields)
        assert r.status_code == 400
        assert_nothing_written()

    def test_it_refuses_a_category_class(self, client, fields, category):
        fields["service_code"] = category.parent.code
        assert post(client, "json", fields).status_code == 400
        assert_nothing_written()

    def test_it_writes_well_formed_xml_for_any_text(self, client, fields):
        fields["service_code"] = "<&\x01>"
        r = post(client, "xml", fields)
        assert r.status_code == 400
        [e] = parse_xml(r, "errors")
        assert e["description"] == "service_code: Unknown service_code <&>."


def test_a_submission_writes_the_case_and_its_event_and_little_else(client, fields):
    """The submission path is the hot path of intake: pin its statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post(client, "json", fields)  # the first use stamps the key and reads the services
    with CaptureQueriesContext(connection) as queries:
        r = post(client, "json", {**fields, "description": "A second pile"})
    assert r.status_code == 201
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE")]
    assert [w.split()[2].strip('"') for w in writes if w.startswith("INSERT")] == ["cases_case", "cases_caseevent"]
    updates = [w for w in writes if w.startswith("UPDATE")]
    if connection.vendor == "postgresql":
        assert updates == []  # the id is drawn first, so the row is inserted complete
    else:
        assert len(updates) == 1 and "last_event_hash" in updates[0]
    assert statements.count("SELECT") <= 2  # the key (and the id on PostgreSQL); services are kept
    case = Case.objects.get(description="A second pile")
    event = case.events.get()
    assert (case.version, case.last_event_hash, case.updated_at) == (1, event.hash, event.at)


def test_a_category_retired_in_this_process_is_refused_at_once(client, fields, category):
    assert post(client, "json", fields).status_code == 201
    category.active = False
    category.save()
    r = post(client, "json", {**fields, "description": "Another"})
    assert r.status_code == 400
    assert Case.objects.count() == 1
