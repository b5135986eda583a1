"""The admin: a webhook's secret can be set but is never shown; changes are audited; the outbox is read-only."""

from __future__ import annotations

import pytest

from gongzhi.audit.models import AuditEntry
from gongzhi.notify.models import OutboxMessage, WebhookEndpoint
from gongzhi.notify.services import notify

pytestmark = pytest.mark.django_db

NEW_SECRET = "a-brand-new-secret-0123456789"


def _form(**extra):
    return {
        "name": "12345 热线对接",
        "url": "https://hotline.example.gov.cn/hook",
        "kinds": '["orders."]',
        "active": "on",
        **extra,
    }


def test_create_needs_a_secret_and_never_shows_it(web):
    admin = web("admin")
    response = admin.post("/admin/notify/webhookendpoint/add/", _form())
    assert response.status_code == 200 and "请填写签名密钥" in response.content.decode()
    assert admin.post("/admin/notify/webhookendpoint/add/", _form(secret="short")).status_code == 200
    response = admin.post("/admin/notify/webhookendpoint/add/", _form(secret=NEW_SECRET))
    assert response.status_code == 302
    hook = WebhookEndpoint.objects.get()
    assert hook.secret == NEW_SECRET and hook.kinds == ["orders."]
    page = admin.get(f"/admin/notify/webhookendpoint/{hook.pk}/change/").content.decode()
    assert NEW_SECRET not in page
    assert AuditEntry.objects.filter(action="notify.webhook.created", target_id=str(hook.pk)).exists()


def test_change_without_a_secret_keeps_the_old_one(web, endpoint):
    hook = endpoint()
    old = hook.secret
    response = web("admin").post(f"/admin/notify/webhookendpoint/{hook.pk}/change/", _form(active=""))
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.secret, hook.active) == (old, False)
    entry = AuditEntry.objects.get(action="notify.webhook.changed", target_id=str(hook.pk))
    assert entry.data["secret_changed"] is False and "active" in entry.data["fields"]
    assert old not in str(entry.data)


def test_kinds_must_be_a_list_of_prefixes(web):
    response = web("admin").post("/admin/notify/webhookendpoint/add/", _form(secret=NEW_SECRET, kinds='"orders"'))
    assert response.status_code == 200 and "事件类型前缀的列表" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_outbox_is_a_read_only_list(web, user, endpoint):
    endpoint()
    notify(recipients=[user("resident_a")], kind="orders.completed", title="x", event_key="k")
    message = OutboxMessage.objects.get()
    admin = web("admin")
    assert admin.get("/admin/notify/outboxmessage/").status_code == 200
    assert admin.get("/admin/notify/outboxmessage/add/").status_code == 403
    assert admin.post(f"/admin/notify/outboxmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.filter(pk=message.pk).exists()


@pytest.mark.parametrize("who", ["resident_a", "org_a", None])
def test_admin_pages_are_closed_to_everyone_else(web, who):
    response = web(who).get("/admin/notify/webhookendpoint/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_non_http_address_is_never_opened(user, endpoint, receiver):
    from gongzhi.notify.tasks import deliver_outbox

    endpoint(url="file:///etc/passwd")
    notify(recipients=[user("resident_a")], kind="orders.completed", title="x", event_key="k")
    assert deliver_outbox.call() == {"failed": 1}
