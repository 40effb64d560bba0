"""RowInsert and RowLookup write and read exactly what the ORM writes and reads."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict

from civicgrid.lib.rows import RowInsert, RowLookup
from civicgrid.notify.models import Webhook
from civicgrid.org.models import ApiKey

pytestmark = pytest.mark.django_db


def fields_of(obj, *skip):
    meta = obj._meta
    return {f.attname: getattr(obj, f.attname) for f in meta.concrete_fields if f.attname not in ("id", *skip)}


def test_an_inserted_row_reads_back_as_the_orm_would_have_written_it():
    user = get_user_model().objects.create_user("machine")
    used = datetime(2026, 11, 29, 3, 4, 5, 678901, tzinfo=UTC)
    saved = ApiKey.objects.create(name="orm", prefix="cg_orm", key_hash="a" * 64, user=user, last_used_at=used)
    fast = ApiKey(name="fast", prefix="cg_fast", key_hash="b" * 64, user=user, last_used_at=used)
    RowInsert(ApiKey)(fast)
    assert fast.pk is not None and fast.pk != saved.pk
    assert not fast._state.adding
    read = ApiKey.objects.get(pk=fast.pk)
    expected = {**fields_of(saved, "created_at"), "name": "fast", "prefix": "cg_fast", "key_hash": "b" * 64}
    assert fields_of(read, "created_at") == expected
    assert read.created_at is not None  # auto_now_add ran, as in save()
    assert read.created_at == fast.created_at


def test_json_and_an_explicit_primary_key_are_written_as_given():
    hook = Webhook(pk=4242, name="city data", url="https://example.org/hook", kinds=["accept", "handle"], active=False)
    RowInsert(Webhook)(hook)
    read = Webhook.objects.get(pk=4242)
    assert model_to_dict(read) == model_to_dict(hook)
    assert read.kinds == ["accept", "handle"]


def test_a_lookup_returns_the_instance_the_orm_returns_or_none():
    used = datetime(2026, 11, 29, 3, 4, 5, 678901, tzinfo=UTC)
    ApiKey.objects.create(name="on", prefix="cg_on", key_hash="c" * 64, last_used_at=used)
    ApiKey.objects.create(name="off", prefix="cg_off", key_hash="d" * 64, active=False)
    find = RowLookup(ApiKey, "key_hash = %s AND active")

    found = find(["c" * 64])
    assert fields_of(found) == fields_of(ApiKey.objects.get(name="on"))
    assert found.last_used_at == used and found.last_used_at.tzinfo is not None
    assert not found._state.adding
    assert find(["d" * 64]) is None  # inactive
    assert find(["e" * 64]) is None  # unknown


def test_on_postgresql_a_statement_run_often_is_prepared_on_the_server():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL matter")
    insert = RowInsert(ApiKey)
    for i in range(8):
        insert(ApiKey(name=f"key {i}", prefix=f"cg_{i}", key_hash=f"{i:064d}"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith('INSERT INTO "org_apikey"') for s in prepared), prepared
    assert ApiKey.objects.count() == 8


def test_without_returning_the_id_comes_from_the_connection(monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("only SQLite before 3.35 inserts without RETURNING")
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    first, second = (
        ApiKey(name="one", prefix="cg_1", key_hash="1" * 64),
        ApiKey(name="two", prefix="cg_2", key_hash="2" * 64),
    )
    insert = RowInsert(ApiKey)
    insert(first)
    insert(second)
    assert first.pk is not None and second.pk is not None and first.pk != second.pk
    assert ApiKey.objects.get(pk=second.pk).name == "two"
