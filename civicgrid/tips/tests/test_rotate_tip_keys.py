"""``manage.py rotate_tip_keys``: every stored value re-encrypted with the first key."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.tips import actions, crypto
from civicgrid.tips.models import Tip, TipAttachment, TipMessage, TipReward
from civicgrid.tips.tests.conftest import OLD_KEY, SECRET_CONTACT, SECRET_TEXT, TEST_KEY, submit


@pytest.mark.django_db
def test_it_re_encrypts_everything_with_the_first_key(settings, desk):
    settings.TIP_ENCRYPTION_KEYS = OLD_KEY
    tip, _code = submit(contact=SECRET_CONTACT, photos=[actions.Photo(b"jpeg-bytes", "image/jpeg")])
    actions.do_screen_tip(tip, acting_user=desk.tina, note="A note.")
    tip = Tip.objects.select_related("case").get(pk=tip.pk)
    actions.do_verify_tip(tip, acting_user=desk.tina, note="Found.")
    reward = actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount="50", basis="Helpful.")
    actions.do_decide_tip_reward(tip, reward, acting_user=desk.tom, approve=False, note="Not enough.")

    settings.TIP_ENCRYPTION_KEYS = f"{TEST_KEY},{OLD_KEY}"
    out = io.StringIO()
    call_command("rotate_tip_keys", stdout=out)
    # content + contact, 2 notes, 1 photo, the basis and the decision note: 2 + 2 + 1 + 2 = 7
    assert "7 values re-encrypted" in out.getvalue()

    settings.TIP_ENCRYPTION_KEYS = TEST_KEY  # the old key dropped: everything still opens
    tip = Tip.objects.get(pk=tip.pk)
    assert crypto.decrypt_json(tip.content)["text"] == SECRET_TEXT
    assert crypto.decrypt_text(tip.contact) == SECRET_CONTACT
    assert sorted(crypto.decrypt_text(m.body) for m in TipMessage.objects.all()) == ["A note.", "Found."]
    assert crypto.decrypt(TipAttachment.objects.get().data) == b"jpeg-bytes"
    reward = TipReward.objects.get()
    assert (crypto.decrypt_text(reward.basis), crypto.decrypt_text(reward.decision_note)) == ("Helpful.", "Not enough.")


@pytest.mark.django_db
def test_it_stops_on_a_value_no_key_opens(settings, small_city):
    settings.TIP_ENCRYPTION_KEYS = OLD_KEY
    submit()
    settings.TIP_ENCRYPTION_KEYS = TEST_KEY
    with pytest.raises(CommandError, match="content"):
        call_command("rotate_tip_keys", stdout=io.StringIO())


def test_it_prints_a_new_key():
    out = io.StringIO()
    call_command("rotate_tip_keys", "--new-key", stdout=out)
    key = out.getvalue().strip()
    assert len(key) == 44 and crypto.Fernet(key)
