"""Sending a tip on the web: no account, the receipt code shown once, nothing identifying kept,
nothing in clear in the database, nothing in the logs."""

import hashlib
import io
import logging
import re

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from PIL import ExifTags, Image

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.tips import crypto, receipts, throttle
from civicgrid.tips.models import Tip, TipAttachment
from civicgrid.tips.tests.conftest import (
    CLIENT,
    IP,
    PASSPHRASE,
    SECRET_CONTACT,
    SECRET_TEXT,
    UA,
    database_dump,
    phone_jpeg,
)

URL = "/tips/"


def form(**changes):
    data = {
        "text": SECRET_TEXT,
        "topic": "organised_crime",
        "district": "120101",
        "contact": "",
        "passphrase": PASSPHRASE,
        "passphrase_again": PASSPHRASE,
        "submission": "form-key-1",
    }
    data.update(changes)
    return data


def receipt_code(response) -> str:
    match = re.search(rb"data-receipt-code>([0-9A-Z-]{19})<", response.content)
    assert match, response.content.decode()[:2000]
    return match.group(1).decode()


@pytest.mark.django_db
def test_it_shows_the_form_to_anyone(client, small_city):
    response = client.get(URL)
    assert response.status_code == 200
    assert b"What is kept about you" in response.content
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "same-origin"
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_it_records_the_tip_and_shows_the_receipt_code_once(client, small_city):
    response = client.post(URL, form(contact=SECRET_CONTACT), **CLIENT)
    assert response.status_code == 201
    code = receipt_code(response)
    assert b"shown only now" in response.content
    tip = Tip.objects.select_related("case").get()
    assert tip.receipt_digest == hashlib.sha256(receipts.normalize(code).encode()).hexdigest()
    assert crypto.decrypt_json(tip.content) == {"text": SECRET_TEXT, "topic": "organised_crime"}
    assert crypto.decrypt_text(tip.contact) == SECRET_CONTACT
    assert tip.case.district_code == "120101"
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_it_keeps_nothing_in_clear_and_nothing_that_identifies_the_submitter(client, small_city):
    photo = SimpleUploadedFile("zhang-san-home.jpg", phone_jpeg(), content_type="image/jpeg")
    response = client.post(URL, form(contact=SECRET_CONTACT, photos=photo), **CLIENT)
    code = receipt_code(response)
    dump = database_dump()
    for secret in (
        SECRET_TEXT,
        "Dock Road",
        "Zhang San",
        SECRET_CONTACT,
        PASSPHRASE,
        code,
        receipts.normalize(code),
        IP,
        UA,
        "zhang-san-home",
        "organised_crime",
        "Model-X-unique",
    ):
        assert secret.encode() not in dump, secret
    attachment = TipAttachment.objects.get()
    assert b"\xff\xd8\xff" not in bytes(attachment.data)  # no JPEG in clear either
    stored = crypto.decrypt(attachment.data)
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Model-X-unique" not in stored and b"PhoneMaker" not in stored
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.django_db
def test_it_stores_no_account_for_a_signed_in_submitter(client, personas):
    client.force_login(personas.rita)
    response = client.post(URL, form(), **CLIENT)
    assert response.status_code == 201
    case = Case.objects.get(kind="tip")
    assert case.reporter_id is None
    assert CaseEvent.objects.get(case=case).actor_id is None


@pytest.mark.django_db
def test_it_keeps_uploads_in_memory_never_on_disk(client, small_city, settings, monkeypatch):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # the stock handlers would write this photo to disk
    seen = []
    from civicgrid.web.tips import forms as tip_forms

    real = tip_forms.clean_photo

    def spy(upload):
        seen.append(type(upload))
        return real(upload)

    monkeypatch.setattr(tip_forms, "clean_photo", spy)
    photo = SimpleUploadedFile("p.jpg", phone_jpeg(), content_type="image/jpeg")
    assert client.post(URL, form(photos=photo)).status_code == 201
    assert seen == [InMemoryUploadedFile]


@pytest.mark.django_db
def test_it_refuses_a_body_over_the_limit_writing_nothing(client, small_city, settings):
    settings.MAX_PHOTO_BYTES = 1000
    big = SimpleUploadedFile("p.jpg", b"\xff\xd8" + b"0" * 400_000, content_type="image/jpeg")
    response = client.post(URL, form(photos=big))
    assert response.status_code == 413
    assert Tip.objects.count() == 0 and Case.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"passphrase_again": "something else"}, b"The two passphrases differ"),
        ({"passphrase": "short", "passphrase_again": "short"}, b"at least 8"),
        ({"text": ""}, b"What do you want to report?"),
        ({"district": "999999"}, b"District"),
        ({"photos": SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg")}, b"not a photo"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_error_writing_nothing(client, small_city, changes, field):
    response = client.post(URL, form(**changes))
    assert response.status_code == 400
    assert field in response.content
    assert Tip.objects.count() == 0 and Case.objects.count() == 0
    assert PASSPHRASE.encode() not in response.content  # a passphrase is never echoed back


@pytest.mark.django_db
def test_it_makes_one_tip_when_the_form_is_sent_twice(client, small_city):
    assert client.post(URL, form()).status_code == 201
    again = client.post(URL, form())
    assert again.status_code == 200 and b"already received" in again.content
    assert b"data-receipt-code" not in again.content
    assert Tip.objects.count() == 1


@pytest.mark.django_db
def test_it_limits_submissions_per_connection(client, small_city, monkeypatch):
    monkeypatch.setattr(throttle, "SUBMISSIONS", 2)
    for n in range(2):
        assert client.post(URL, form(submission=f"k{n}"), **CLIENT).status_code == 201
    response = client.post(URL, form(submission="k3"), **CLIENT)
    assert response.status_code == 429
    assert Tip.objects.count() == 2
    # Another connection is not affected.
    other = {**CLIENT, "REMOTE_ADDR": "198.51.100.9"}
    assert client.post(URL, form(submission="k4"), **other).status_code == 201


@pytest.mark.django_db
def test_it_leaves_the_address_and_user_agent_out_of_every_log_record(client, small_city, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(URL, form(passphrase_again="different"), **CLIENT)  # a 400: Django logs "Bad Request: /tips/"
    client.post("/tips/check/", {"receipt_code": "7KQ2-M9XD-4RTB-H0WS", "passphrase": "wrong one"}, **CLIENT)
    records = [r for r in caplog.records if r.name.startswith("django")]
    assert records, "Django logs 4xx responses"
    for record in records:
        assert getattr(record, "request", None) is None
        text = record.getMessage() + repr(record.__dict__)
        assert IP not in text and UA not in text and SECRET_TEXT not in text


@pytest.mark.django_db
def test_it_speaks_both_languages(small_city):
    from django.test import Client

    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(URL)
    assert b'lang="zh-hans"' in chinese.content
    assert b"What is kept about you" not in chinese.content
    assert "回执码".encode() in chinese.content
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL)
    assert b"What is kept about you" in english.content
