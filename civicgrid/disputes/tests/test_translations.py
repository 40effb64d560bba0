"""The mediation pages in both languages (the project catalogue, locale/, is checked by
web/tests/test_translations.py)."""

from civicgrid.disputes.tests.conftest import apply


def test_it_shows_the_application_in_chinese(client, mediation):
    # The project's catalogue (LOCALE_PATHS) may word a string differently; it takes precedence.
    body = client.get("/mediation/apply/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "申请调解" in body
    for english in ("Send the application", "Your phone or email", "What is the dispute about?"):
        assert english not in body


def test_it_shows_the_follow_page_in_both_languages(client, mediation):
    d = apply(mediation)
    url = f"/mediation/follow/{d.case.tracking_token}/"
    assert "Application received" not in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Application received" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_it_refuses_in_chinese_citing_the_article(mediation):
    from django.utils import translation

    from civicgrid.cases.actions import Invalid
    from civicgrid.disputes import actions
    from civicgrid.disputes.tests.conftest import assigned

    d = assigned(mediation)
    actions.do_ask_consent(d, acting_user=mediation.mia)
    with translation.override("zh-hans"):
        try:
            actions.do_start_mediation(d, acting_user=mediation.mia)
        except Invalid as e:
            message = e.message
    assert "人民调解法 Art. 17" in message and "Mediation can start" not in message and "当事人" in message
