"""The inbox: my notifications only (API and page), unread filter, marking read, and 404 for anyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.core.navigation import nav_for
from gongzhi.notify.models import Notification
from gongzhi.notify.selectors import unread_count
from gongzhi.notify.services import notify

pytestmark = pytest.mark.django_db


def _note(username_user, n, *, read=False, url="/orders/1/", minutes_ago=0):
    [note] = notify(
        recipients=[username_user],
        kind="orders.accepted",
        title=f"消息{n}",
        body=f"内容{n}",
        url=url,
        event_key=f"test:{n}",
    )
    changes = {"created_at": timezone.now() - timedelta(minutes=minutes_ago)}
    if read:
        changes["read_at"] = timezone.now()
    Notification.objects.filter(pk=note.pk).update(**changes)
    note.refresh_from_db()
    return note


@pytest.fixture
def inbox(user):
    """resident_a: 消息1 (oldest, read), 消息2 and 消息3 (newest) unread; resident_b: 消息4."""
    a = user("resident_a")
    notes = [_note(a, 1, read=True, minutes_ago=30), _note(a, 2, minutes_ago=20), _note(a, 3, minutes_ago=10)]
    other = _note(user("resident_b"), 4)
    return notes, other


# ---- API ------------------------------------------------------------------------------------------


def test_list_is_mine_newest_first(api, inbox):
    response = api("resident_a").get("notifications")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [n["title"] for n in body["items"]] == ["消息3", "消息2", "消息1"]
    assert [n["unread"] for n in body["items"]] == [True, True, False]
    assert body["items"][0]["url"] == "/orders/1/"


@pytest.mark.parametrize(("unread", "titles"), [("true", ["消息3", "消息2"]), ("false", ["消息1"])])
def test_list_unread_filter(api, inbox, unread, titles):
    body = api("resident_a").get("notifications", unread=unread).json()
    assert [n["title"] for n in body["items"]] == titles


def test_list_is_paginated(api, inbox):
    first = api("resident_a").get("notifications", page_size=2).json()
    second = api("resident_a").get("notifications", page_size=2, page=2).json()
    assert [n["title"] for n in first["items"]] == ["消息3", "消息2"]
    assert [n["title"] for n in second["items"]] == ["消息1"]
    assert first["count"] == second["count"] == 3
    assert api("resident_a").get("notifications", page=0).status_code == 422


def test_mark_one_read(api, inbox):
    notes, _other = inbox
    client = api("resident_a")
    response = client.post(f"notifications/{notes[1].pk}/read")
    assert response.status_code == 200
    assert response.json()["unread"] is False
    first_read_at = Notification.objects.get(pk=notes[1].pk).read_at
    assert first_read_at is not None
    assert client.post(f"notifications/{notes[1].pk}/read").status_code == 200
    assert Notification.objects.get(pk=notes[1].pk).read_at == first_read_at  # the first reading counts
    assert client.get("notifications/unread-count").json() == {"unread": 1}


@pytest.mark.parametrize("outsider", ["resident_b", "community_xp", "admin"])
def test_someone_elses_notification_is_404(api, inbox, outsider):
    notes, _other = inbox
    response = api(outsider).post(f"notifications/{notes[1].pk}/read")
    assert response.status_code == 404
    assert Notification.objects.get(pk=notes[1].pk).read_at is None
    titles = [n["title"] for n in api(outsider).get("notifications").json()["items"]]
    assert "消息2" not in titles


def test_unknown_id_is_404(api, inbox):
    assert api("resident_a").post("notifications/999999999/read").status_code == 404


def test_read_all_marks_only_mine(api, inbox):
    response = api("resident_a").post("notifications/read-all")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.get(title="消息4").read_at is None
    assert api("resident_b").get("notifications/unread-count").json() == {"unread": 1}


def test_anonymous_gets_401(api, inbox):
    assert api(None).get("notifications").status_code == 401
    assert api(None).post("notifications/read-all").status_code == 401


# ---- the page -------------------------------------------------------------------------------------


def test_page_lists_my_notifications_unread_in_bold(web, inbox):
    response = web("resident_a").get("/inbox/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("消息3") < html.index("消息2") < html.index("消息1")
    assert "消息4" not in html
    assert html.count('data-unread="1"') == 2
    assert (
        '<strong><form class="note-open" method="post" action="/inbox/' in html
    )  # unread titles are bold, opened by POST
    assert 'data-testid="inbox-unread">2<' in html


def test_page_unread_filter(web, inbox):
    html = web("resident_a").get("/inbox/?show=unread").content.decode()
    assert "消息3" in html and "消息2" in html and "消息1" not in html


def test_page_needs_login(web):
    response = web(None).get("/inbox/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_htmx_mark_read_swaps_the_item_and_the_count(web, inbox):
    notes, _other = inbox
    response = web("resident_a").post(
        f"/inbox/{notes[2].pk}/read/", {"next": "/inbox/"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="n-{notes[2].pk}"' in html and 'data-unread="0"' in html
    assert 'hx-swap-oob="true">1<' in html
    assert response["HX-Trigger"] == "notify-read"
    assert Notification.objects.get(pk=notes[2].pk).read_at is not None


def test_mark_read_without_javascript_goes_back(web, inbox):
    notes, _other = inbox
    response = web("resident_a").post(f"/inbox/{notes[2].pk}/read/", {"next": "/inbox/?show=unread"})
    assert response.status_code == 302 and response["Location"] == "/inbox/?show=unread"
    response = web("resident_a").post(f"/inbox/{notes[1].pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/inbox/"


def test_read_all_on_the_page(web, inbox):
    response = web("resident_a").post("/inbox/read-all/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-unread="1"' not in response.content.decode()
    assert unread_count(inbox[0][0].recipient) == 0
    assert Notification.objects.get(title="消息4").read_at is None


def test_open_marks_read_and_follows_the_link(web, inbox):
    notes, _other = inbox
    page = web("resident_a").get("/inbox/").content.decode()
    assert f'method="post" action="/inbox/{notes[2].pk}/open/"' in page  # the inbox opens by POST
    response = web("resident_a").post(f"/inbox/{notes[2].pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/orders/1/"
    assert Notification.objects.get(pk=notes[2].pk).read_at is not None


def test_a_get_follows_the_link_without_marking_it_read(web, inbox):
    notes, _other = inbox
    response = web("resident_a").get(f"/inbox/{notes[2].pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/orders/1/"
    assert Notification.objects.get(pk=notes[2].pk).read_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_open_does_not_redirect_off_site(web, user, method):
    note = _note(user("resident_a"), 9, url="https://evil.example/phish")
    response = getattr(web("resident_a"), method)(f"/inbox/{note.pk}/open/")
    assert response["Location"] == "/inbox/"


@pytest.mark.parametrize("path", ["/inbox/{pk}/read/", "/inbox/{pk}/open/"])
def test_page_actions_on_someone_elses_notification_are_404(web, inbox, path):
    notes, _other = inbox
    client = web("resident_b")
    url = path.format(pk=notes[1].pk)
    assert client.post(url).status_code == 404
    assert client.get(url).status_code in (404, 405)
    assert Notification.objects.get(pk=notes[1].pk).read_at is None


def test_page_works_in_elder_mode_and_the_menu_keeps_the_inbox(web, user, inbox):
    resident = user("resident_a")
    resident.elder_mode = True
    resident.save(update_fields=["elder_mode"])
    response = web("resident_a").get("/inbox/")
    html = response.content.decode()
    assert response.status_code == 200 and 'class="elder"' in html
    # The header carries the inbox link with its unread count on every page, elder mode included.
    assert 'data-testid="inbox-badge"' in html and ">2</span>" in html
    assert not any(item["name"] == "notify:inbox" for item in nav_for({"resident"}, elder=True))


def test_badge_and_workspace_panel_show_the_unread_count(web, inbox):
    badge = web("resident_a").get("/inbox/badge/").content.decode()
    assert '<span class="count"' in badge and ">2</span>" in badge
    workspace = web("resident_a").get("/workspace/").content.decode()
    assert 'data-testid="inbox-panel"' in workspace and "消息3" in workspace and "消息1" not in workspace


def test_page_queries_do_not_grow_with_the_list(web, user):
    resident = user("resident_a")
    client = web("resident_a")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/inbox/").status_code == 200
        return len(ctx.captured_queries)

    _note(resident, 1)
    few = queries()
    for n in range(2, 19):
        _note(resident, n)
    assert queries() == few
