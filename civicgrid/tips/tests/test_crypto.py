"""Encryption at rest: keys from configuration, rotation, and no start without a key in production."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from civicgrid.tips import crypto
from civicgrid.tips.tests.conftest import OLD_KEY, TEST_KEY


@pytest.fixture(autouse=True)
def _keep_startup_mode(monkeypatch):
    """These tests replay startup; the run's own mode is put back afterwards."""
    monkeypatch.setattr(crypto, "_development_key_allowed", crypto._development_key_allowed)


def test_it_round_trips_and_never_stores_the_plaintext():
    token = crypto.encrypt_text("塘沽码头7号仓库")
    assert "塘沽".encode() not in token
    assert crypto.decrypt_text(token) == "塘沽码头7号仓库"
    assert crypto.encrypt_text("same") != crypto.encrypt_text("same")  # a fresh IV each time


def test_it_decrypts_with_every_key_and_encrypts_with_the_first(settings):
    settings.TIP_ENCRYPTION_KEYS = OLD_KEY
    old = crypto.encrypt(b"secret")
    settings.TIP_ENCRYPTION_KEYS = f"{TEST_KEY}, {OLD_KEY}"
    assert crypto.decrypt(old) == b"secret"
    rotated = crypto.rotate(old)
    settings.TIP_ENCRYPTION_KEYS = TEST_KEY
    assert crypto.decrypt(rotated) == b"secret"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old)


def test_it_accepts_a_list_of_keys(settings):
    settings.TIP_ENCRYPTION_KEYS = [TEST_KEY, OLD_KEY]
    assert crypto.configured_keys() == [TEST_KEY, OLD_KEY]


def test_it_refuses_a_tampered_value():
    token = bytearray(crypto.encrypt(b"secret"))
    token[-5] = ord("A") if token[-5] != ord("A") else ord("B")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(token))


def test_it_refuses_to_start_in_production_without_a_key(settings):
    settings.TIP_ENCRYPTION_KEYS = ""
    with pytest.raises(ImproperlyConfigured, match="TIP_ENCRYPTION_KEYS"):
        crypto.check_configuration(debug=False)
    # Nor does it fall back later, whatever DEBUG says then.
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(b"x")


def test_it_refuses_a_malformed_key(settings):
    settings.TIP_ENCRYPTION_KEYS = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="key 1"):
        crypto.check_configuration(debug=False)


def test_it_derives_a_development_key_with_a_warning(settings, caplog):
    settings.TIP_ENCRYPTION_KEYS = ""
    assert crypto.check_configuration(debug=True) == "development"
    assert "development key" in caplog.text
    token = crypto.encrypt(b"dev")
    assert crypto.decrypt(token) == b"dev"
    expected = crypto.development_key(settings.SECRET_KEY)
    settings.TIP_ENCRYPTION_KEYS = expected
    assert crypto.decrypt(token) == b"dev"


def test_it_accepts_configured_keys_in_production(settings):
    settings.TIP_ENCRYPTION_KEYS = crypto.generate_key()
    assert crypto.check_configuration(debug=False) == "configured"
