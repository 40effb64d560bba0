"""Fixtures of the tip-line tests: the small city, its personas, and tip handlers.

- tina and tom: tip handlers of district A (two, so that one can approve what the other proposes);
- cora: tip handler for the whole city (she also sees tips that name no district);
- bob: tip handler of district B (no access to district A's tips);
- the shared personas: dan (dispatcher A), sara (supervisor A), carl (handler A), audrey
  (auditor, city), rita (a resident with an account).
"""

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType
from civicgrid.testing import make_staff, make_unit
from civicgrid.tips import actions

TEST_KEY = "b0TQq2vUsCPuTWpGdyMNcJy7ESwDmOEB5c6FbmaqhGw="
OLD_KEY = "VtMZhn4ZuyfOrI5Wr61mxutuuNzm23Ot2WFeWJ69PLs="
PASSPHRASE = "correct horse battery"
SECRET_TEXT = "Warehouse 7 on Dock Road stores illegal fireworks; owner Zhang San pays the guards."
SECRET_CONTACT = "whistle.blower@example.org"


@pytest.fixture(autouse=True)
def _tip_keys(settings):
    settings.TIP_ENCRYPTION_KEYS = TEST_KEY


@pytest.fixture
def client():
    """A browser that asks for English (the site's default language is Chinese)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limits live in the cache: every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class TipDesk:
    tina: object
    tom: object
    cora: object
    bob: object
    unit_a: Unit


@pytest.fixture
def desk(personas, small_city):
    K = Unit.Kind
    unit_a = make_unit("120101-tips", "A区线索核查组", K.DEPARTMENT, UnitType.PUBLIC_SECURITY, small_city.district_a)
    unit_b = make_unit("120102-tips", "B区线索核查组", K.DEPARTMENT, UnitType.PUBLIC_SECURITY, small_city.district_b)
    city = make_unit("120000-tips", "市线索举报中心", K.CENTRE, UnitType.PUBLIC_SECURITY, small_city.city)
    return TipDesk(
        tina=make_staff("tina", unit_a, [Role.TIP_HANDLER]),
        tom=make_staff("tom", unit_a, [Role.TIP_HANDLER]),
        cora=make_staff("cora", city, [Role.TIP_HANDLER]),
        bob=make_staff("bob", unit_b, [Role.TIP_HANDLER]),
        unit_a=unit_a,
    )


def submit(text=SECRET_TEXT, *, district="120101", passphrase=PASSPHRASE, contact="", photos=(), **kw):
    """A tip as the action records it; returns (tip, receipt code)."""
    done = actions.do_submit_tip(
        text=text, passphrase=passphrase, district_code=district, contact=contact, photos=photos, **kw
    )
    return done.tip, done.receipt_code


@pytest.fixture
def tip_a(small_city):
    """A tip naming district A, with a contact; returns (tip, receipt code)."""
    return submit(contact=SECRET_CONTACT, topic="safety_hazard")


CLIENT = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "TipTestBrowser/9.9 (ua-marker-4711)"}
IP, UA = "203.0.113.77", "ua-marker-4711"


def phone_jpeg() -> bytes:
    """A small JPEG as a phone writes it, with the device and a GPS position in its EXIF."""
    import io

    from PIL import ExifTags, Image

    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model-X-unique"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 7.0, 32.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (117.0, 12.0, 3.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def database_dump() -> bytes:
    """Every value of every row of every table, as bytes: what someone with the database has."""
    from django.db import connection

    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview):
                        value = value.tobytes()
                    chunks.append(value if isinstance(value, bytes) else str(value).encode("utf-8"))
    return b"\x00".join(chunks)
