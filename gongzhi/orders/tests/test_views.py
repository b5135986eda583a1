"""The order pages: each role's pages work for them, outsiders get 404 (or the login page), and what a
service refuses is shown in Chinese on the page with its status — never a 500."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.areas.models import Area
from gongzhi.orders import services
from gongzhi.orders.models import LedgerEntry, Order, OrderEvent, Rating, State
from gongzhi.orders.tests.conftest import WK, XP, jpeg
from gongzhi.orders.views import ACTIONS
from gongzhi.orgs.models import Department, Organization

HTMX = {"HTTP_HX_REQUEST": "true"}
ORG_A = "舟山市普陀区海韵社会工作服务中心"
ORG_B = "东港街道兴普社区邻里互助会"


def _order(user: Any, who: str = "resident_a", **fields: Any) -> Order:
    body = {
        "category": "elderly_care",
        "title": "帮忙买菜",
        "description": "腿脚不便，想请人每周帮忙买两次菜。",
        "community": XP,
        "grid": f"{XP}-001",
        "address": "兴普社区3号楼201室",
        **fields,
    }
    return services.order_create(actor=user(who), **body)


def _completed(user: Any, **fields: Any) -> Order:
    order = _order(user, **fields)
    services.order_claim(actor=user("org_a"), order_id=order.pk)
    services.order_complete(
        actor=user("org_a"),
        order_id=order.pk,
        description="已上门帮忙采购蔬菜水果。",
        photos=[jpeg()],
        people_served=2,
        volunteers="小周",
    )
    return order


def _text(response: Any) -> str:
    return response.content.decode()


def _org(name: str) -> Organization:
    return Organization.objects.get(name=name)


# ---- 我要点单: three steps ----------------------------------------------------------------------------


def test_resident_posts_a_need_in_three_steps(web, user):
    client = web("resident_a")
    step1 = client.get("/orders/new/")
    assert step1.status_code == 200
    assert "养老服务" in _text(step1) and "居家照料" in _text(step1)

    step2 = client.get("/orders/new/", {"category": "elderly_care"})
    assert step2.status_code == 200
    # The grid comes from the resident's grant: 兴普一网格 is pre-selected.
    assert f'<option value="{XP}-001" selected>' in _text(step2)

    fields = {
        "category": "elderly_care",
        "title": "帮忙买菜",
        "description": "每周两次，帮忙买菜。",
        "area": f"{XP}-001",
        "address": "3号楼201室",
        "preferred_time": "周六上午",
        "urgency": "normal",
        "contact_phone": "13800001111",
    }
    step3 = client.post("/orders/new/", {**fields, "step": "review"})
    assert step3.status_code == 200
    assert "请确认您的需求" in _text(step3) and "兴普一网格" in _text(step3)
    assert not Order.objects.filter(title="帮忙买菜", requester=user("resident_a")).exists()

    back = client.post("/orders/new/", {**fields, "step": "edit"})
    assert back.status_code == 200 and 'value="帮忙买菜"' in _text(back)

    done = client.post("/orders/new/", {**fields, "step": "submit"})
    order = Order.objects.get(title="帮忙买菜", requester=user("resident_a"))
    assert done.status_code == 302 and done["Location"] == f"/orders/{order.pk}/"
    assert (order.channel, order.area.code, order.community.code, order.contact_phone, order.preferred_time) == (
        "web",
        f"{XP}-001",
        XP,
        "13800001111",
        "周六上午",
    )

    page = client.get(done["Location"])
    assert "需求已提交" in _text(page) and "撤销需求" in _text(page)


def test_elder_mode_shows_fewer_bigger_choices(web, user):
    elder = user("resident_a")
    elder.elder_mode = True
    elder.save(update_fields=["elder_mode"])
    page = _text(web("resident_a").get("/orders/new/"))
    assert 'class="elder"' in page and "养老服务" in page and "居家照料" not in page
    assert "更多（可不填）" in _text(web("resident_a").get("/orders/new/", {"category": "elderly"}))


def test_posting_a_need_says_what_to_fix(web):
    client = web("resident_a")
    bad = client.post(
        "/orders/new/",
        {
            "category": "elderly_care",
            "title": "",
            "description": "",
            "area": f"{XP}-001",
            "urgency": "normal",
            "step": "review",
        },
    )
    assert bad.status_code == 422
    assert "请填写标题" in _text(bad) and "请填写详细情况" in _text(bad)
    # A phone the service refuses comes back on the form, at step 2.
    refused = client.post(
        "/orders/new/",
        {
            "category": "elderly_care",
            "title": "帮忙买菜",
            "description": "买菜",
            "area": f"{XP}-001",
            "urgency": "normal",
            "contact_phone": "12",
            "step": "submit",
        },
    )
    assert refused.status_code == 422
    assert "电话号码格式不正确" in _text(refused)
    # Another community is not among the resident's choices.
    foreign = client.post(
        "/orders/new/",
        {
            "category": "elderly_care",
            "title": "帮忙买菜",
            "description": "买菜",
            "area": "330903003008",
            "urgency": "normal",
            "step": "submit",
        },
    )
    assert foreign.status_code == 422


def test_only_residents_post_needs(web):
    assert web(None).get("/orders/new/").status_code == 302
    assert web(None).post("/orders/new/", {"category": "elderly_care", "step": "submit"}).status_code == 302
    for other in ["org_a", "community_xp", "dept_wj"]:
        assert web(other).get("/orders/new/").status_code == 404, other
        assert web(other).post("/orders/new/", {"category": "elderly_care", "step": "submit"}).status_code == 404


def test_my_needs_lists_only_mine(web, user):
    order = _order(user)
    Order.objects.filter(pk=order.pk).update(accept_by=timezone.now() - timedelta(days=1))
    mine = web("resident_a").get("/orders/mine/")
    assert mine.status_code == 200
    assert f'id="order-{order.pk}"' in _text(mine) and "已超期" in _text(mine) and "待确认" in _text(mine)
    assert f'id="order-{order.pk}"' not in _text(web("resident_b").get("/orders/mine/"))
    assert web(None).get("/orders/mine/").status_code == 302


# ---- the order page --------------------------------------------------------------------------------


def test_order_page_for_insiders_and_outsiders(web, user):
    order = _order(user)
    page = web("resident_a").get(f"/orders/{order.pk}/")
    assert page.status_code == 200
    text = _text(page)
    assert "帮忙买菜" in text and "兴普社区3号楼201室" in text and "居民点单" in text
    assert "act-cancel" in text and "act-claim" not in text
    # In the hall an organization sees the need with the house number hidden, and a claim button.
    hall_view = _text(web("org_b").get(f"/orders/{order.pk}/"))
    assert "兴普社区3号楼***" in hall_view and "act-claim" in hall_view and "act-cancel" not in hall_view
    for outsider in ["resident_b", "dept_wj", "expert_a"]:
        assert web(outsider).get(f"/orders/{order.pk}/").status_code == 404, outsider
    assert web(None).get(f"/orders/{order.pk}/").status_code == 302


def test_actions_by_outsiders_are_404_and_anonymous_goes_to_login(web, user):
    order = _order(user)
    for outsider in ["resident_b", "dept_wj"]:
        for action, data in [("cancel", {}), ("reopen", {"reason": "不满意"}), ("claim", {}), ("rate", {"stars": "5"})]:
            response = web(outsider).post(f"/orders/{order.pk}/{action}/", data)
            assert response.status_code == 404, (outsider, action)
    anonymous = web(None).post(f"/orders/{order.pk}/cancel/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert web("resident_a").post(f"/orders/{order.pk}/explode/").status_code == 404
    assert web("resident_a").get(f"/orders/{order.pk}/cancel/").status_code == 405
    assert Order.objects.get(pk=order.pk).state == State.PENDING


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_is_404_for_an_outsider(web, user, action):
    order = _completed(user)
    data = {
        "reason": "理由理由",
        "reply": "答复内容很长",
        "stars": "5",
        "target": "hall",
        "description": "已经完成服务",
        "people_served": "1",
    }
    assert web("resident_b").post(f"/orders/{order.pk}/{action}/", data).status_code == 404
    assert Order.objects.get(pk=order.pk).state == State.COMPLETED


def test_service_refusals_are_shown_on_the_page(web, user):
    order = _order(user)
    services.order_claim(actor=user("org_a"), order_id=order.pk)
    # Too late to cancel: 409 with the current state, in Chinese, on the order page.
    late = web("resident_a").post(f"/orders/{order.pk}/cancel/")
    assert late.status_code == 409
    assert "当前状态为“已接单”，不能撤销" in _text(late) and 'data-testid="order-title"' in _text(late)
    # Not theirs to do: the resident may not complete the service (403 on the page).
    denied = web("resident_a").post(
        f"/orders/{order.pk}/complete/", {"description": "我自己做完了。", "people_served": "1", "photos": jpeg()}
    )
    assert denied.status_code == 403 and "只有承接该需求的社会组织可以提交完成" in _text(denied)
    # A form error keeps what was typed and says what to fix.
    empty = web("org_a").post(
        f"/orders/{order.pk}/complete/", {"description": "已上门服务完毕。", "people_served": "1"}
    )
    assert empty.status_code == 422 and "请至少上传 1 张服务照片" in _text(empty) and "已上门服务完毕。" in _text(empty)
    not_image = web("org_a").post(
        f"/orders/{order.pk}/complete/",
        {"description": "已上门服务完毕。", "people_served": "1", "photos": io.BytesIO(b"not an image")},
    )
    assert not_image.status_code == 422
    assert Order.objects.get(pk=order.pk).state == State.ACCEPTED


# ---- the hall and the organization's orders -----------------------------------------------------------


def test_hall_claim_in_place_and_the_loser_hears_who_won(web, user):
    order = _order(user, urgency="urgent")
    hall = web("org_a").get("/orders/hall/")
    assert hall.status_code == 200
    text = _text(hall)
    assert f'id="order-{order.pk}"' in text and 'data-testid="claim"' in text and "紧急" in text

    won = web("org_a").post(f"/orders/{order.pk}/claim/", {"mode": "hall"}, **HTMX)
    assert won.status_code == 200
    assert "接单成功" in _text(won) and "已接单" in _text(won) and "<html" not in _text(won)

    lost = web("org_b").post(f"/orders/{order.pk}/claim/", {"mode": "hall"}, **HTMX)
    assert lost.status_code == 409
    assert f"该需求已被“{ORG_A}”接单" in _text(lost)
    # Without JavaScript the same message comes as a page.
    plain = web("org_b").post(f"/orders/{order.pk}/claim/")
    assert plain.status_code == 409 and f"该需求已被“{ORG_A}”接单" in _text(plain)
    assert Order.objects.get(pk=order.pk).org.name == ORG_A


def test_hall_and_org_orders_are_for_organizations(web):
    for url in ["/orders/hall/", "/orders/org/"]:
        for outsider in ["resident_a", "community_xp", "dept_wj", "admin"]:
            assert web(outsider).get(url).status_code == 404, (url, outsider)
        assert web(None).get(url).status_code == 302


def test_org_completes_with_photos_and_the_requester_rates(web, user):
    order = _order(user)
    services.order_claim(actor=user("org_a"), order_id=order.pk)
    in_hand = _text(web("org_a").get("/orders/org/?state=accepted"))
    assert f'id="order-{order.pk}"' in in_hand
    assert f'id="order-{order.pk}"' not in _text(web("org_b").get("/orders/org/?state=accepted"))

    form = _text(web("org_a").get(f"/orders/{order.pk}/"))
    assert 'accept="image/*"' in form and "multiple" in form and 'capture="environment"' in form
    done = web("org_a").post(
        f"/orders/{order.pk}/complete/",
        {
            "description": "已上门帮忙采购蔬菜水果。",
            "people_served": "2",
            "volunteers": "小周、小林",
            "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
        },
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.state == State.COMPLETED and order.photos.count() == 2
    assert LedgerEntry.objects.get(order=order).people_served == 2

    page = _text(web("resident_a").get(f"/orders/{order.pk}/"))
    assert page.count("/thumb/") == 2 and "/full/" in page
    assert "act-rate" in page and "act-confirm" in page and "action-reopen" in page and "act-cancel" not in page
    assert "act-rate" not in _text(web("org_a").get(f"/orders/{order.pk}/"))

    wrong = web("resident_a").post(f"/orders/{order.pk}/rate/", {"stars": "9"})
    assert wrong.status_code == 422 and "请点选 1 到 5 颗星" in _text(wrong)
    rated = web("resident_a").post(f"/orders/{order.pk}/rate/", {"stars": "5", "comment": "很好，谢谢！"})
    assert rated.status_code == 302
    order.refresh_from_db()
    assert order.state == State.CLOSED and Rating.objects.get(order=order).stars == 5
    after = _text(web("resident_a").get(f"/orders/{order.pk}/"))
    assert "★★★★★" in after and "很好，谢谢！" in after and "act-rate" not in after
    again = web("resident_a").post(f"/orders/{order.pk}/rate/", {"stars": "4"})
    assert again.status_code == 409 and "每人只能评价一次" in _text(again)


def test_reopen_needs_a_reason(web, user):
    order = _completed(user)
    empty = web("resident_a").post(f"/orders/{order.pk}/reopen/", {"reason": ""})
    assert empty.status_code == 422 and "请填写理由" in _text(empty)
    done = web("resident_a").post(f"/orders/{order.pk}/reopen/", {"reason": "菜没有买全"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.state == State.ACCEPTED and order.reopen_count == 1
    timeline = _text(web("resident_a").get(f"/orders/{order.pk}/"))
    assert timeline.index("服务完成") < timeline.index("要求重办") and "菜没有买全" in timeline


def test_photos_are_served_only_to_those_who_see_the_order(web, user):
    order = _completed(user)
    photo = order.photos.get()
    for size in ["thumb", "full"]:
        url = f"/orders/{order.pk}/photos/{photo.pk}/{size}/"
        assert web("resident_a").get(url).status_code == 200
        assert web("resident_b").get(url).status_code == 404
        assert web(None).get(url).status_code == 302


def test_a_need_sent_twice_makes_one_order(web, user):
    """A double tap on 确认提交, or the form sent again on a slow line, gives the same order back."""
    client = web("resident_a")
    step2 = _text(client.get("/orders/new/", {"category": "elderly_care"}))
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', step2).group(1)
    fields = {
        "category": "elderly_care",
        "title": "只要一张单",
        "description": "每周两次，帮忙买菜。",
        "area": f"{XP}-001",
        "urgency": "normal",
        "form_key": key,
    }
    review = _text(client.post("/orders/new/", {**fields, "step": "review"}))
    assert f'name="form_key" value="{key}"' in review  # carried through the confirmation page
    first = client.post("/orders/new/", {**fields, "step": "submit"})
    second = client.post("/orders/new/", {**fields, "step": "submit"})
    order = Order.objects.get(title="只要一张单")
    assert first["Location"] == second["Location"] == f"/orders/{order.pk}/"
    # A new form (a new key) is a new need.
    fresh = re.search(
        r'name="form_key" value="([0-9a-f]{32})"', _text(client.get("/orders/new/", {"category": "elderly_care"}))
    ).group(1)
    assert fresh != key
    client.post("/orders/new/", {**fields, "form_key": fresh, "step": "submit"})
    assert Order.objects.filter(title="只要一张单").count() == 2


def test_a_button_pressed_twice_acts_once_and_says_so_twice(web, user):
    """The second press of 接单 on the order page (same page, same key) answers like the first, not 409."""
    order = _order(user)
    client = web("org_a")
    page = _text(client.get(f"/orders/{order.pk}/"))
    form = page.split(f'action="/orders/{order.pk}/claim/"')[1].split("</form>")[0]
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', form).group(1)
    first = client.post(f"/orders/{order.pk}/claim/", {"form_key": key})
    second = client.post(f"/orders/{order.pk}/claim/", {"form_key": key})
    assert first.status_code == second.status_code == 302
    assert order.events.filter(action="claimed").count() == 1
    # Without the page's key (an old page, another tab) the state machine still refuses: it was taken.
    again = client.post(f"/orders/{order.pk}/claim/")
    assert again.status_code == 409


def test_a_dispatch_sent_twice_makes_one_order(web):
    client = web("community_xp")
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', _text(client.get("/orders/dispatch/"))).group(1)
    first = _dispatch(client, org=str(_org(ORG_B).pk), form_key=key)
    second = _dispatch(client, org=str(_org(ORG_B).pk), form_key=key)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Order.objects.filter(title="探访独居老人").count() == 1


# ---- staff: dispatch, reassign, forward, supervise --------------------------------------------------------


def _dispatch(client: Any, **fields: Any) -> Any:
    body = {
        "mode": "org",
        "category": "elderly_visit",
        "title": "探访独居老人",
        "description": "每周探访一次。",
        "area": f"{XP}-002",
        "urgency": "normal",
        "scenario": "individual",
        **fields,
    }
    return client.post("/orders/dispatch/", body)


def test_staff_dispatch_to_an_org_which_accepts(web, user):
    client = web("community_xp")
    form = _text(client.get("/orders/dispatch/"))
    assert ORG_A in form and ORG_B in form and "兴普一网格" in form
    response = _dispatch(client, org=str(_org(ORG_B).pk))
    order = Order.objects.get(title="探访独居老人")
    assert response.status_code == 302 and (order.channel, order.org.name, order.area.code) == (
        "dispatch",
        ORG_B,
        f"{XP}-002",
    )
    assert f'id="order-{order.pk}"' in _text(web("org_b").get("/orders/org/?state=pending"))
    assert web("org_b").post(f"/orders/{order.pk}/accept/").status_code == 302
    assert Order.objects.get(pk=order.pk).state == State.ACCEPTED


def test_rejected_dispatch_is_reassigned_to_the_hall(web, user):
    _dispatch(web("community_xp"), org=str(_org(ORG_A).pk))
    order = Order.objects.get(title="探访独居老人")
    no_reason = web("org_a").post(f"/orders/{order.pk}/reject/", {"reason": ""})
    assert no_reason.status_code == 422 and "请填写理由" in _text(no_reason)
    rejected = web("org_a").post(f"/orders/{order.pk}/reject/", {"reason": "本月人手不足"})
    assert rejected.status_code == 302 and rejected["Location"] == "/workspace/"
    staff_page = _text(web("community_xp").get(f"/orders/{order.pk}/"))
    assert "action-reassign" in staff_page and "action-forward" in staff_page and "本月人手不足" in staff_page
    assert web("org_a").post(f"/orders/{order.pk}/reassign/", {"target": "hall"}).status_code == 404
    done = web("community_xp").post(f"/orders/{order.pk}/reassign/", {"target": "hall", "note": "发布到大厅"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.org) == (State.PENDING, None)
    assert f'id="order-{order.pk}"' in _text(web("org_b").get("/orders/hall/"))


def test_dispatch_checks_the_form_and_the_area(web, user):
    client = web("community_xp")
    # 邻里互助会 serves 兴普 and 文康, 海韵 the whole street: both fine for 兴普; nobody picked is an error.
    missing = _dispatch(client, org="")
    assert missing.status_code == 422 and "请选择派单的社会组织" in _text(missing)
    proxy = _dispatch(client, mode="proxy", contact_name="")
    assert proxy.status_code == 422 and "代办时请填写居民姓名" in _text(proxy)
    entered = _dispatch(client, mode="proxy", contact_name="王奶奶", contact_phone="13905801234", source="hotline")
    assert entered.status_code == 302
    order = Order.objects.get(title="探访独居老人")
    assert (order.channel, order.contact_name, order.org) == ("hotline", "王奶奶", None)
    hall = _dispatch(client, mode="hall", title="社区义诊")
    assert hall.status_code == 302
    assert Order.objects.get(title="社区义诊").channel == "dispatch"


def test_dispatch_refuses_an_org_that_does_not_serve_the_community(web):
    other = Area.objects.filter(parent__code="330903003", level="community").exclude(code__in=[XP, WK]).first()
    response = _dispatch(web("street_dg"), area=other.code, org=str(_org(ORG_B).pk))
    assert response.status_code == 422 and "的服务区域不包括所选社区" in _text(response)
    assert not Order.objects.filter(title="探访独居老人").exists()


def test_dispatch_page_is_for_staff(web):
    for outsider in ["resident_a", "org_a", "expert_a"]:
        assert web(outsider).get("/orders/dispatch/").status_code == 404, outsider
        assert _dispatch(web(outsider)).status_code == 404, outsider
    assert web(None).get("/orders/dispatch/").status_code == 302
    for staff in ["community_xp", "street_dg", "grid_xp1", "dept_wj"]:
        assert web(staff).get("/orders/dispatch/").status_code == 200, staff


def test_grid_worker_enters_a_need_for_a_resident(web, user):
    response = _dispatch(
        web("grid_xp1"),
        mode="proxy",
        area=f"{XP}-001",
        contact_name="李大爷",
        contact_phone="13905801234",
        source="patrol",
    )
    assert response.status_code == 302, _text(response)
    order = Order.objects.get(title="探访独居老人")
    assert (order.channel, order.created_by.username) == ("patrol", "grid_xp1")


def test_forward_sign_reply_and_return(web, user):
    order = _order(user, category="health_checkup", title="上门量血压")
    wj = Department.objects.get(name="区卫健局")
    forwarded = web("community_xp").post(f"/orders/{order.pk}/forward/", {"department": str(wj.pk), "note": "请协助"})
    assert forwarded.status_code == 302
    inbox = _text(web("dept_wj").get("/orders/inbox/"))
    assert f'id="order-{order.pk}"' in inbox and 'data-testid="sign"' in inbox
    signed = web("dept_wj").post(f"/orders/{order.pk}/sign/", {"mode": "inbox"}, **HTMX)
    assert signed.status_code == 200 and "已签收" in _text(signed)
    short = web("dept_wj").post(f"/orders/{order.pk}/reply/", {"reply": "好"})
    assert short.status_code == 422 and "答复内容至少 5 个字" in _text(short)
    replied = web("dept_wj").post(f"/orders/{order.pk}/reply/", {"reply": "已安排社区医生每周上门测量血压。"})
    assert replied.status_code == 302
    assert Order.objects.get(pk=order.pk).state == State.COMPLETED

    other = _order(user, category="health_checkup", title="健康咨询")
    services.order_forward(actor=user("community_xp"), order_id=other.pk, department_id=wj.pk)
    returned = web("dept_wj").post(f"/orders/{other.pk}/return/", {"reason": "不属于本部门职责"})
    # Returned to the community, the case leaves the department's sight: back to the workspace.
    assert returned.status_code == 302 and returned["Location"] == "/workspace/"
    assert Order.objects.get(pk=other.pk).state == State.PENDING


def test_inbox_is_for_departments(web):
    for outsider in ["resident_a", "org_a", "community_xp"]:
        assert web(outsider).get("/orders/inbox/").status_code == 404, outsider
    assert web(None).get("/orders/inbox/").status_code == 302


def _overdue(user: Any) -> Order:
    order = _order(user)
    services.order_claim(actor=user("org_a"), order_id=order.pk)
    Order.objects.filter(pk=order.pk).update(complete_by=timezone.now() - timedelta(hours=1))
    return order


def test_supervision_lists_overdue_orders_and_reminds(web, user):
    order = _overdue(user)
    page = _text(web("community_xp").get("/orders/supervision/"))
    assert f'id="order-{order.pk}"' in page and 'data-testid="remind"' in page and "已超期" in page
    reminded = web("community_xp").post(f"/orders/{order.pk}/remind/", {"mode": "supervise"}, **HTMX)
    assert reminded.status_code == 200 and "已催办" in _text(reminded) and "已催办 1 次" in _text(reminded)
    assert OrderEvent.objects.filter(order=order, action="reminded").count() == 1
    # Civil affairs supervise the whole district but the 催办 button is for community and street staff.
    assert 'data-testid="remind"' not in _text(web("mzj").get("/orders/supervision/"))
    assert web("resident_a").post(f"/orders/{order.pk}/remind/").status_code == 403


def test_a_reminder_sent_twice_from_one_row_is_one_reminder(web, user, settings):
    """催办 can be repeated on purpose, so only the row's one-time key tells a double tap from a new reminder."""
    settings.ORDER_REMIND_COOLDOWN_HOURS = 0  # a second reminder on purpose, without waiting out the cooldown
    order = _overdue(user)
    client = web("community_xp")
    row = _text(client.get("/orders/supervision/")).split(f'id="order-{order.pk}"')[1].split("</li>")[0]
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', row).group(1)
    for _press in range(2):
        answer = client.post(f"/orders/{order.pk}/remind/", {"mode": "supervise", "form_key": key}, **HTMX)
        assert answer.status_code == 200 and "已催办 1 次" in _text(answer)
    assert OrderEvent.objects.filter(order=order, action="reminded").count() == 1
    fresh = re.search(r'name="form_key" value="([0-9a-f]{32})"', _text(answer)).group(1)
    assert fresh != key  # the row that came back carries a new key: the next press is a new reminder
    client.post(f"/orders/{order.pk}/remind/", {"mode": "supervise", "form_key": fresh}, **HTMX)
    assert OrderEvent.objects.filter(order=order, action="reminded").count() == 2


def test_a_second_reminder_within_the_cooldown_is_refused_on_the_page(web, user):
    order = _overdue(user)
    client = web("community_xp")
    assert client.post(f"/orders/{order.pk}/remind/", {"mode": "supervise"}, **HTMX).status_code == 200
    again = client.post(f"/orders/{order.pk}/remind/", {"mode": "supervise"}, **HTMX)
    assert "24 小时内只能催办一次" in _text(again)
    assert OrderEvent.objects.filter(order=order, action="reminded").count() == 1


def test_supervision_is_for_supervisors(web):
    for outsider in ["resident_a", "org_a", "dept_wj", "grid_xp1"]:
        assert web(outsider).get("/orders/supervision/").status_code == 404, outsider
    assert web(None).get("/orders/supervision/").status_code == 302


def test_area_orders_filter_by_state_category_and_overdue(web, user):
    late = _overdue(user)
    fresh = _order(user, category="culture", title="广场舞")
    client = web("community_xp")
    everything = _text(client.get("/orders/area/"))
    assert f'id="order-{late.pk}"' in everything and f'id="order-{fresh.pk}"' in everything
    overdue = _text(client.get("/orders/area/", {"overdue": "1"}))
    assert f'id="order-{late.pk}"' in overdue and f'id="order-{fresh.pk}"' not in overdue
    culture = client.get("/orders/area/", {"category": "culture", "state": "pending"}, **HTMX)
    assert f'id="order-{fresh.pk}"' in _text(culture) and f'id="order-{late.pk}"' not in _text(culture)
    assert "<html" not in _text(culture)
    assert f'id="order-{late.pk}"' in _text(web("street_dg").get("/orders/area/", {"overdue": "1"}))
    for outsider in ["resident_a", "org_a", "dept_wj"]:
        assert web(outsider).get("/orders/area/").status_code == 404, outsider


# ---- the ledger --------------------------------------------------------------------------------------


def test_ledger_page_and_excel_export(web, user):
    order = _completed(user, title="助浴服务上门")
    page = web("community_xp").get("/orders/ledger/")
    assert page.status_code == 200
    assert "助浴服务上门" in _text(page) and ORG_A in _text(page)
    assert "/orders/ledger/export/" in _text(page)

    today = timezone.localdate().isoformat()
    export = web("community_xp").get(
        "/orders/ledger/export/", {"org": _org(ORG_A).pk, "date_from": today, "date_to": today}
    )
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert any(ORG_A in row and order.number in row for row in rows)

    # The organization sees its own ledger, another organization does not.
    assert "助浴服务上门" in _text(web("org_a").get("/orders/ledger/"))
    assert "助浴服务上门" not in _text(web("org_b").get("/orders/ledger/"))


def test_ledger_filters_say_what_is_wrong(web, user):
    _completed(user)
    bad = web("community_xp").get("/orders/ledger/", {"date_from": "2026-13-40"})
    assert bad.status_code == 400 and "开始日期格式应为" in _text(bad)
    backwards = web("community_xp").get("/orders/ledger/export/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert backwards.status_code == 400 and "结束日期不能早于开始日期" in _text(backwards)


def test_ledger_is_not_for_residents(web):
    for url in ["/orders/ledger/", "/orders/ledger/export/"]:
        assert web("resident_a").get(url).status_code == 404
        assert web("expert_a").get(url).status_code == 404
        assert web(None).get(url).status_code == 302


# ---- workspace panels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "marker"),
    [
        ("resident_a", 'data-testid="panel-new-order"'),
        ("org_a", 'data-testid="hall-count"'),
        ("community_xp", 'data-testid="overdue-count"'),
        ("dept_wj", 'data-testid="inbox-count"'),
    ],
)
def test_each_role_has_its_panel(web, user, username, marker):
    _order(user)
    page = web(username).get("/workspace/")
    assert page.status_code == 200 and marker in _text(page)


def test_panel_counts(web, user):
    from gongzhi.orders import selectors

    late = _overdue(user)
    order = _order(user, title="新需求")
    assert "新需求" in _text(web("resident_a").get("/workspace/"))
    hall = selectors.hall(user("org_b"))
    assert order.pk in hall.values_list("pk", flat=True)
    assert f'data-testid="hall-count">{hall.count()}<' in _text(web("org_b").get("/workspace/"))
    overdue = selectors.supervision(user("community_xp"))
    assert late.pk in overdue.values_list("pk", flat=True)
    assert f'data-testid="overdue-count">{overdue.count()}<' in _text(web("community_xp").get("/workspace/"))


def test_a_notification_about_an_order_that_left_you_says_what_happened(web, user):
    """Found when tried as a new user would: a dispatch later declined led from its notification to 页面不存在."""
    from gongzhi.orders.tests.test_api_transitions import build, org_of, person

    order = build("dispatched")  # to org_a, which was notified
    services.order_reject(actor=person("org_a"), order_id=order.pk, reason="本周人手不足")
    services.order_reassign(actor=person("community_xp"), order_id=order.pk, org_id=org_of("org_b").pk)
    page = web("org_a").get(f"/orders/{order.pk}/")
    assert page.status_code == 404
    body = page.content.decode()
    assert 'data-testid="order-gone"' in body and "无需再做处理" in body
    assert order.title not in body  # nothing new is revealed
    # Someone who was never told about it still gets the plain not-found page.
    assert 'data-testid="order-gone"' not in web("resident_b").get(f"/orders/{order.pk}/").content.decode()
