"""The tip handlers' pages: queues by step with deadlines, the tip page (decrypted, the read
logged), the steps, rewards and the contact; nobody else gets in."""

import pytest
from django.urls import reverse

from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.tips import actions
from civicgrid.tips.models import Tip, TipReward
from civicgrid.tips.tests.conftest import SECRET_CONTACT, SECRET_TEXT, phone_jpeg, submit


def tip_url(tip, name="staff_tip", **kw):
    return reverse(f"tips:{name}", kwargs={"tip_id": tip.pk, **kw})


def staff_urls(tip):
    return [
        ("get", reverse("tips:staff_home")),
        ("get", reverse("tips:staff_queue", args=["verify"])),
        ("get", tip_url(tip)),
        ("post", tip_url(tip, "staff_action", action="screen")),
        ("post", tip_url(tip, "staff_reward")),
        ("post", tip_url(tip, "staff_contact")),
        ("get", tip_url(tip, "staff_photo", photo_id=1)),
    ]


@pytest.mark.django_db
def test_it_lists_the_queue_by_step_with_deadlines_and_no_content(client, desk):
    tip, _code = submit()
    other, _code = submit(district="120102")
    client.force_login(desk.tina)
    response = client.get(reverse("tips:staff_home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert tip.case.number in body and other.case.number not in body  # district B is not hers
    assert SECRET_TEXT not in body and "Dock Road" not in body
    assert 'data-queue-count="screen">1<' in body
    assert PersonalDataAccess.objects.count() == 0  # a list reads nothing personal


@pytest.mark.django_db
def test_it_shows_the_decrypted_tip_and_logs_the_read(client, desk, tip_a):
    tip, _code = tip_a
    client.force_login(desk.tina)
    response = client.get(tip_url(tip))
    assert response.status_code == 200
    assert SECRET_TEXT in response.content.decode()
    assert SECRET_CONTACT not in response.content.decode()  # only on a reveal with a purpose
    assert response["Cache-Control"] == "no-store"
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.case_id, log.field) == (desk.tina, tip.case_id, "tip_content")


@pytest.mark.django_db
def test_it_reveals_the_contact_only_with_a_purpose_and_logs_it(client, desk, tip_a):
    tip, _code = tip_a
    client.force_login(desk.tina)
    missing = client.post(tip_url(tip, "staff_contact"), {"contact-purpose": ""})
    assert missing.status_code == 400 and SECRET_CONTACT not in missing.content.decode()
    response = client.post(tip_url(tip, "staff_contact"), {"contact-purpose": "Arrange the reward"})
    assert SECRET_CONTACT in response.content.decode()
    assert PersonalDataAccess.objects.filter(field="tip_contact", purpose="Arrange the reward").count() == 1


@pytest.mark.django_db
def test_it_serves_a_photo_decrypted_and_logs_it(client, desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from civicgrid.lib.images import clean_photo

    data, content_type = clean_photo(SimpleUploadedFile("p.jpg", phone_jpeg()))
    tip, _code = submit(photos=[actions.Photo(data, content_type)])
    photo = tip.attachments.get()
    client.force_login(desk.tina)
    response = client.get(tip_url(tip, "staff_photo", photo_id=photo.pk))
    assert response.status_code == 200 and response.content == data
    assert PersonalDataAccess.objects.filter(field="tip_attachment", case=tip.case).count() == 1
    assert client.get(tip_url(tip, "staff_photo", photo_id=photo.pk + 99)).status_code == 404


@pytest.mark.django_db
def test_it_takes_the_steps_from_the_page(client, desk, tip_a):
    tip, _code = tip_a
    client.force_login(desk.tina)
    version = tip.case.version
    response = client.post(tip_url(tip, "staff_action", action="screen"), {"screen-expected_version": version})
    assert response.status_code == 302
    tip = Tip.objects.select_related("case").get(pk=tip.pk)
    assert tip.case.status == "screened"
    # A step that needs a note refuses without one, saying why, writing nothing.
    refused = client.post(
        tip_url(tip, "staff_action", action="verify"), {"verify-expected_version": tip.case.version, "verify-note": ""}
    )
    assert refused.status_code == 400 and b"This field is required" in refused.content
    # A stale form: reloaded with a warning.
    stale = client.post(
        tip_url(tip, "staff_action", action="verify"), {"verify-expected_version": 0, "verify-note": "Found."}
    )
    assert stale.status_code == 409
    ok = client.post(
        tip_url(tip, "staff_action", action="verify"),
        {"verify-expected_version": tip.case.version, "verify-note": "Found."},
    )
    assert ok.status_code == 302
    assert Tip.objects.get(pk=tip.pk).outcome == "substantiated"
    # Not on offer in this state: refused by the table.
    wrong = client.post(
        tip_url(tip, "staff_action", action="screen"), {"screen-expected_version": tip.case.version + 1}
    )
    assert wrong.status_code == 403
    assert client.post(tip_url(tip, "staff_action", action="fly"), {}).status_code == 404


@pytest.mark.django_db
def test_it_records_a_reward_from_the_pages_with_a_second_person(client, desk, tip_a):
    tip, _code = tip_a
    actions.do_screen_tip(tip, acting_user=desk.tina)
    tip.refresh_from_db()
    actions.do_verify_tip(tip, acting_user=desk.tina, note="Found.")
    client.force_login(desk.tina)
    response = client.post(tip_url(tip, "staff_reward"), {"reward-amount": "1500", "reward-basis": "Seizure."})
    assert response.status_code == 302
    reward = TipReward.objects.get()
    own = client.post(
        tip_url(tip, "staff_reward_decision", reward_id=reward.pk), {f"decide{reward.pk}-decision": "approve"}
    )
    assert own.status_code == 403 and b"A second tip handler" in own.content
    client.force_login(desk.tom)
    page = client.get(tip_url(tip))
    assert b"Record the decision" in page.content
    done = client.post(
        tip_url(tip, "staff_reward_decision", reward_id=reward.pk), {f"decide{reward.pk}-decision": "approve"}
    )
    assert done.status_code == 302
    assert TipReward.objects.get().decision == "approved"


@pytest.mark.django_db
def test_it_keeps_other_staff_out(client, desk, personas, tip_a):
    tip, _code = tip_a
    for user in (personas.dan, personas.sara, personas.carl, personas.audrey, personas.gwen):
        client.force_login(user)
        for method, url in staff_urls(tip):
            response = getattr(client, method)(url)
            assert response.status_code == 403, (user, url)
            assert SECRET_TEXT not in response.content.decode()
    client.logout()
    for method, url in staff_urls(tip):
        assert getattr(client, method)(url).status_code == 302  # to the sign-in page
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.django_db
def test_it_answers_404_for_a_tip_outside_the_scope(client, desk, tip_a):
    tip, _code = tip_a
    client.force_login(desk.bob)
    for method, url in staff_urls(tip)[2:]:
        assert getattr(client, method)(url).status_code == 404, url
    missing = Tip.objects.order_by("-pk").first().pk + 100
    assert client.get(reverse("tips:staff_tip", args=[missing])).status_code == 404
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.django_db
def test_it_shows_tips_with_no_place_to_the_city_desk_only(client, desk):
    tip, _code = submit(district="")
    client.force_login(desk.tina)
    assert client.get(tip_url(tip)).status_code == 404
    client.force_login(desk.cora)
    assert client.get(tip_url(tip)).status_code == 200
    assert tip.case.number in client.get(reverse("tips:staff_home")).content.decode()


@pytest.mark.django_db
def test_it_shows_the_four_rates(client, desk, personas, tip_a):
    tip, _code = tip_a
    actions.do_screen_tip(tip, acting_user=desk.tina)
    client.force_login(desk.tina)
    response = client.get(reverse("tips:staff_numbers"))
    assert response.status_code == 200 and b"1 tip submitted" in response.content
    client.force_login(personas.sara)  # a supervisor reads numbers, never tips
    assert client.get(reverse("tips:staff_numbers")).status_code == 200
    client.force_login(personas.carl)
    assert client.get(reverse("tips:staff_numbers")).status_code == 403


@pytest.mark.django_db
def test_it_reads_the_queue_in_a_few_queries(client, desk, django_assert_max_num_queries):
    for _n in range(8):
        submit()
    client.force_login(desk.tina)
    client.get(reverse("tips:staff_home"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("tips:staff_home")).status_code == 200


@pytest.mark.django_db
def test_it_reads_a_tip_page_in_as_many_queries_however_long_the_tip(client, desk, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tip, _code = submit()

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(tip_url(tip)).status_code == 200
        return len(queries)

    client.force_login(desk.tina)
    actions.do_note_tip(tip, acting_user=desk.tina, note="One.")
    short = page_queries()
    for n in range(8):
        actions.do_note_tip(Tip.objects.select_related("case").get(pk=tip.pk), acting_user=desk.tom, note=f"Note {n}")
        actions.do_add_tip_information(
            Tip.objects.select_related("case").get(pk=tip.pk),
            text=f"More {n}",
            photos=[actions.Photo(b"x", "image/jpeg")],
        )
    assert page_queries() == short
