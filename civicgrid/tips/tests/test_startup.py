"""What the app checks when the site starts: its keys and its configured periods."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from civicgrid.cases.models import STATUS_LABELS
from civicgrid.cases.workflow import workflow_for
from civicgrid.tips import crypto


@pytest.fixture(autouse=True)
def _keep_startup_mode(monkeypatch):
    monkeypatch.setattr(crypto, "_development_key_allowed", crypto._development_key_allowed)


def start():
    apps.get_app_config("tips").ready()


def test_it_registers_its_workflow_and_status_labels():
    start()
    assert workflow_for("tip").name == "tip"
    with translation.override("en"):
        assert str(STATUS_LABELS["tip"]("unfounded").label) == "Not substantiated"


def test_it_refuses_to_start_in_production_without_a_key(settings):
    settings.DEBUG, settings.TIP_ENCRYPTION_KEYS = False, ""
    with pytest.raises(ImproperlyConfigured, match="TIP_ENCRYPTION_KEYS"):
        start()


def test_it_refuses_to_start_with_periods_it_cannot_count(settings):
    settings.TIP_STEP_PERIODS = {"screen": "8h"}
    with pytest.raises(ImproperlyConfigured, match="TIP_STEP_PERIODS"):
        start()
    settings.TIP_STEP_PERIODS = {"verify": "30d"}
    start()
