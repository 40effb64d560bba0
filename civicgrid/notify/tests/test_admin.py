"""The admin (pytest-django's ``admin_client``, a superuser): a read-only outbox with a status
filter, and editable webhooks."""

from civicgrid.notify.models import Outbox, Webhook


def test_it_lists_the_outbox_by_status_with_addresses_masked(admin_client):
    Outbox.objects.create(channel="email", recipient="rita@example.org", subject="Sent one", body="b", status="sent")
    Outbox.objects.create(
        channel="email", recipient="olga@example.org", subject="Failed one", body="b", status="failed"
    )

    page = admin_client.get("/admin/notify/outbox/?status__exact=failed")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Failed one" in html and "Sent one" not in html
    assert "o***@example.org" in html and "olga@example.org" not in html


def test_it_keeps_the_outbox_read_only(admin_client):
    row = Outbox.objects.create(channel="email", recipient="rita@example.org", subject="s", body="b")

    assert admin_client.get("/admin/notify/outbox/add/").status_code == 403
    assert admin_client.post(f"/admin/notify/outbox/{row.pk}/change/", {"subject": "x"}).status_code == 403
    row.refresh_from_db()
    assert row.subject == "s"


def test_it_queues_failed_messages_again(admin_client):
    row = Outbox.objects.create(channel="email", recipient="r@example.org", body="b", status="failed", attempts=6)

    admin_client.post("/admin/notify/outbox/", {"action": "send_again", "_selected_action": [row.pk]})

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


def test_it_adds_a_webhook(admin_client):
    page = admin_client.post(
        "/admin/notify/webhook/add/",
        {
            "name": "city data",
            "url": "https://example.org/hook",
            "secret": "s3cret",
            "active": "on",
            "kinds": '["accept"]',
        },
    )

    assert page.status_code == 302
    assert Webhook.objects.get().kinds == ["accept"]
