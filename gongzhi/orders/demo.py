"""Demo: the responsibility matrix and a realistic history of orders in 兴普 and 文康 communities.

Every order goes through the real services (so events, audit entries, ledger rows and notifications
are what the platform would have written); afterwards the history is moved back in time so that lists,
overdue flags and the ledger have something to show. Skipped when any demo order already exists.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from PIL import Image, ImageDraw

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.demo import COMMUNITY_WK, COMMUNITY_XP, DISTRICT, demo_step
from gongzhi.orders import services
from gongzhi.orders.defaults import ensure_default_categories
from gongzhi.orders.models import Category, LedgerEntry, Order, OrderEvent, Rating, ResponsibilityRule
from gongzhi.orgs.models import Department

MATRIX = [
    ("health", "区卫健局"),
    ("legal", "区司法局"),
    ("mediation", "区司法局"),
    ("property", "区住建局"),
    ("employment", "区人力社保局"),
    ("sanitation", "区综合执法局"),
    (None, "区民政局"),
]

NEEDS = [
    ("elderly_care", "独居老人日常照料", "老伴去世后一个人住，想请人每周上门打扫两次卫生。", "兴普社区3号楼201室"),
    ("elderly_meal", "老年助餐送餐", "腿脚不方便下楼，希望社区食堂中午能送餐上门。", "兴普社区7号楼102室"),
    ("elderly_visit", "空巢老人探访", "子女在外地工作，希望有志愿者每周来聊聊天。", "文康社区12号楼301室"),
    ("disability", "轮椅维修", "家里轮椅刹车坏了，出门不安全。", "兴普社区5号楼一单元"),
    ("youth_tutoring", "暑期儿童托管", "双职工家庭，暑假孩子无人看管，希望参加社区托管班。", "文康社区4号楼"),
    ("mediation_neighbour", "楼上漏水纠纷", "楼上卫生间漏水到我家天花板，沟通几次没有结果。", "兴普社区9号楼402室"),
    ("legal", "工资拖欠咨询", "在工地打工三个月工资没拿到，想咨询怎么维权。", "文康社区2号楼"),
    ("counseling", "青少年心理疏导", "孩子初三压力大，最近不愿说话，希望找专业老师聊聊。", "兴普社区11号楼"),
    ("health_checkup", "慢病老人上门体检", "高血压多年，行动不便，希望医生上门量血压。", "文康社区8号楼101室"),
    ("culture", "广场舞场地协调", "社区广场舞队想在晚上使用活动中心。", "兴普社区活动中心"),
    ("sanitation", "垃圾分类督导", "楼道垃圾长期堆放，希望协调清理并宣传分类。", "文康社区6号楼"),
    ("property_repair", "楼道灯不亮", "三单元楼道灯坏了一个月，晚上上下楼很危险。", "兴普社区3号楼三单元"),
    ("employment", "失业人员技能培训", "刚失业，想参加电工或养老护理员培训。", "文康社区10号楼"),
    ("elderly_care", "助浴服务", "九十岁老人洗澡困难，希望有专业人员上门助浴。", "兴普社区6号楼202室"),
    ("other", "旧衣物捐赠", "整理了一批冬衣，想捐给有需要的家庭。", "文康社区1号楼"),
]
PHOTO_COLOURS = [(196, 80, 64), (64, 128, 196), (90, 160, 90), (220, 170, 60)]


def demo_photo(n: int) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), PHOTO_COLOURS[n % len(PHOTO_COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 600, 440), outline=(255, 255, 255), width=6)
    draw.ellipse((240, 160, 400, 320), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(f"service-{n}.jpg", buffer.getvalue(), content_type="image/jpeg")


@demo_step(45, "categories")
def _categories(system: Any, state: dict[str, Any]) -> None:
    # Normally created by the migration; restored here if a test flush or an operator removed them.
    ensure_default_categories(Category)


@demo_step(50, "responsibility")
def _matrix(system: Any, state: dict[str, Any]) -> None:
    district = Area.objects.get(code=DISTRICT)
    for code, dept_name in MATRIX:
        category = Category.objects.get(code=code) if code else None
        department = Department.objects.get(area=district, name=dept_name)
        ResponsibilityRule.objects.get_or_create(category=category, area=district, defaults={"department": department})


def _shift(order: Order, days: float) -> None:
    """Move an order's history ``days`` into the past (the demo's notion of 'it happened last month')."""
    delta = timedelta(days=days)
    fields = ["created_at", "accepted_at", "completed_at", "closed_at", "accept_by", "complete_by"]
    Order.objects.filter(pk=order.pk).update(**{f: F(f) - delta for f in fields})
    OrderEvent.objects.filter(order=order).update(at=F("at") - delta)
    Rating.objects.filter(order=order).update(created_at=F("created_at") - delta)
    LedgerEntry.objects.filter(order=order).update(service_date=F("service_date") - delta)
    # Deadlines count working days, so they are recomputed from the moved dates rather than moved.
    order = Order.objects.select_related("category").get(pk=order.pk)
    order.accept_by = services.deadline(order.created_at, services.accept_days(order))
    if order.accepted_at:
        order.complete_by = services.deadline(order.accepted_at, services.complete_days(order))
    order.save(update_fields=["accept_by", "complete_by"])


@demo_step(60, "orders")
def _history(system: Any, state: dict[str, Any]) -> None:
    if (
        not state.get("history", True)
        or Order.objects.filter(created_by__username__in=["resident_a", "resident_b", "community_xp"]).exists()
    ):
        return
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "resident_a",
                "resident_b",
                "community_xp",
                "grid_xp1",
                "street_dg",
                "org_a",
                "org_b",
                "dept_wj",
            ]
        )
    }
    rng = random.Random(20261122)
    grids = {c: list(Area.objects.filter(parent__code=c).order_by("code")) for c in (COMMUNITY_XP, COMMUNITY_WK)}
    orgs = {o.name: o for o in [users["org_a"].grants.first().organization, users["org_b"].grants.first().organization]}
    org_a, org_b = list(orgs.values())
    # (need index, how far it gets, days ago)
    plan = [
        (0, "closed", 40),
        (1, "closed", 35),
        (2, "closed", 30),
        (3, "completed", 12),
        (4, "accepted", 9),
        (5, "forwarded", 6),
        (6, "dispatched", 5),
        (7, "pending", 4),
        (8, "signed", 8),
        (9, "closed", 25),
        (10, "pending", 1),
        (11, "accepted", 2),
        (12, "rejected", 3),
        (13, "closed", 20),
        (14, "pending", 0),
    ]
    for n, (index, goal, days_ago) in enumerate(plan):
        category, title, description, address = NEEDS[index]
        community = COMMUNITY_WK if "文康" in address else COMMUNITY_XP
        grid = rng.choice(grids[community]).code
        if goal in ("dispatched", "rejected"):
            order = services.order_create(
                actor=users["community_xp"] if community == COMMUNITY_XP else users["street_dg"],
                category=category,
                title=title,
                description=description,
                community=community,
                grid=grid,
                address=address,
                org=(org_a if goal == "rejected" else org_b).pk,
            )
        elif index in (2, 8):
            order = services.order_create(
                actor=users["grid_xp1"] if community == COMMUNITY_XP else users["street_dg"],
                category=category,
                title=title,
                description=description,
                community=community,
                grid=grid,
                address=address,
                on_behalf_of={"name": "王奶奶" if index == 2 else "李大爷", "phone": "13905801234"},
                scenario="special" if index == 8 else None,
            )
        else:
            resident = users["resident_a"] if community == COMMUNITY_XP and n % 2 == 0 else users["resident_b"]
            if community == COMMUNITY_WK:
                order = services.order_create(
                    actor=users["street_dg"],
                    category=category,
                    title=title,
                    description=description,
                    community=community,
                    grid=grid,
                    address=address,
                    channel="hotline",
                    on_behalf_of={"name": "陈先生", "phone": "13857001234"},
                )
            else:
                order = services.order_create(
                    actor=resident,
                    category=category,
                    title=title,
                    description=description,
                    community=community,
                    grid=grid,
                    address=address,
                    urgency="urgent" if index == 13 else "normal",
                    scenario="special" if goal == "forwarded" else None,
                )
        _advance(order, goal, users, org_a, org_b, n)
        _shift(order, days_ago + rng.random())


def _advance(order: Order, goal: str, users: dict[str, User], org_a: Any, org_b: Any, n: int) -> None:
    if goal in ("pending", "dispatched"):
        return
    if goal == "rejected":
        services.order_reject(actor=users["org_a"], order_id=order.pk, reason="本月志愿者人手不足，无法按时服务")
        return
    if goal == "forwarded":
        if order.state != "forwarded":
            services.order_forward(actor=users["community_xp"], order_id=order.pk, note="涉及专业部门，请协助")
        return
    if goal == "signed":
        if order.state != "forwarded":
            services.order_forward(actor=users["community_xp"], order_id=order.pk)
        if order.department and order.department.name == "区卫健局":
            services.order_sign(actor=users["dept_wj"], order_id=order.pk)
        return
    handler = users["org_a"] if n % 3 else users["org_b"]
    services.order_claim(actor=handler, order_id=order.pk)
    if goal == "accepted":
        return
    services.order_complete(
        actor=handler,
        order_id=order.pk,
        description="已按约定上门完成服务，居民表示满意。",
        photos=[demo_photo(n), demo_photo(n + 1)],
        people_served=1 + n % 3,
        volunteers="志愿者 小周、小林",
    )
    if goal == "closed":
        rater = order.requester or order.created_by
        # Some residents agree to show the service photos; the organization marks the first one suitable.
        agrees = n % 2 == 0
        services.order_rate(
            actor=rater, order_id=order.pk, stars=5 if n % 4 else 4, comment="服务周到，谢谢！", photos_public=agrees
        )
        if agrees:
            first = order.photos.order_by("pk").first()
            if first is not None:
                services.order_photo_mark_public(actor=handler, order_id=order.pk, photo_id=first.pk, suitable=True)
