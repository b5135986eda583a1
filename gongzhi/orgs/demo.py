"""Demo data for the register and the pools: more Putuo organizations with their life cycle, 2025
annual reports with results, grades, service catalogues, talents, and venues with bookings.

Written through the services, by the demo staff who would do it (民政局 王科长 registers, 东港街道
files, 海韵社工 fills its report …), so the history and the audit chain look like real use. Rows
for organizations without a demo account are written directly. Idempotent: each item is looked
up first and left alone if present.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gongzhi.accounts.models import Grant, Role, User
from gongzhi.areas.models import Area
from gongzhi.audit.services import audit_record
from gongzhi.core.demo import COMMUNITY_WK, COMMUNITY_XP, DISTRICT, STREET_DG, demo_step
from gongzhi.orgs import services as svc
from gongzhi.orgs.models import (
    AnnualReport,
    Booking,
    MemberRole,
    Membership,
    Organization,
    OrgStatus,
    OrgStatusChange,
    OrgType,
    ReportResult,
    ReportStatus,
    Resource,
    ResourceKind,
    ServiceOffer,
    Talent,
)
from gongzhi.orgs.validators import build_credit_code

ORG_A = "舟山市普陀区海韵社会工作服务中心"
ORG_B = "东港街道兴普社区邻里互助会"
YIJIA = "舟山市普陀区益家亲社会工作服务中心"
VOLUNTEERS = "舟山市普陀区志愿者协会"
FOUNDATION = "舟山市普陀区海之翼公益基金会"
MENTAL = "舟山市普陀区心理健康促进会"
SILVER = "东港街道文康社区银龄志愿服务队"
YOUTH = "东港街道青少年成长服务社（筹）"

# name, type, kind code, org code body, registered on, leader, phone, categories, summary
REGISTERED = [
    (
        YIJIA,
        OrgType.SERVICE_INSTITUTION,
        "2",
        "MJ9001B3",
        date(2016, 5, 18),
        "陈海燕",
        "0580-3812266",
        "养老服务 助残 社区矫正",
        "为困境老人、残障人士提供个案管理和社区照护，运营东港街道居家养老服务站。",
    ),
    (
        VOLUNTEERS,
        OrgType.SOCIAL_GROUP,
        "1",
        "MJ9000C7",
        date(2012, 3, 5),
        "李建国",
        "0580-3830512",
        "志愿服务 应急救援 文明实践",
        "全区志愿服务枢纽型组织，组织应急救援、海岛义诊、助老助学等志愿活动。",
    ),
    (
        FOUNDATION,
        OrgType.FOUNDATION,
        "3",
        "MJ9002K4",
        date(2019, 11, 8),
        "王静",
        "0580-3867701",
        "公益资助 助学 社区微心愿",
        "非公募基金会，资助社区微心愿、困境儿童助学和社区社会组织培育项目。",
    ),
    (
        MENTAL,
        OrgType.SOCIAL_GROUP,
        "1",
        "MJ9003D9",
        date(2018, 7, 23),
        "郑晓",
        "0580-3878890",
        "心理疏导 心理健康",
        "由心理咨询师组成的专业社团，开展心理健康讲座和危机干预。",
    ),
]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _area(code: str) -> Area:
    return Area.objects.get(code=code)


def _backfill(org: Organization, status: str, registered_on: date, **profile: str) -> None:
    """The foundation's two organizations predate the register: give them a history and a profile."""
    if org.status_changes.exists():
        return
    for key, value in {**profile, "registered_on": registered_on}.items():
        if not getattr(org, key):
            setattr(org, key, value)
    org.save()
    at = timezone.make_aware(datetime.combine(registered_on, time(9, 0)))
    OrgStatusChange.objects.create(organization=org, from_status="", to_status=status, at=at, data={"demo": True})
    OrgStatusChange.objects.create(
        organization=org, from_status=status, to_status=org.status, at=at + timedelta(days=30), data={"demo": True}
    )
    for grant in Grant.objects.filter(organization=org).select_related("user"):
        role = MemberRole.ADMIN if grant.role == Role.ORG_ADMIN else MemberRole.MEMBER
        Membership.objects.get_or_create(
            organization=org,
            user=grant.user,
            removed_at__isnull=True,
            defaults={"role": role, "name": grant.user.display_name or grant.user.username, "phone": grant.user.phone},
        )
    audit_record(actor=None, action="orgs.organization.backfilled", target=org, data={"demo": True})


def _register_all(mzj: User) -> dict[str, Organization]:
    orgs = {}
    for name, org_type, kind, body, registered_on, leader, phone, categories, summary in REGISTERED:
        org = Organization.objects.filter(name=name).first()
        if org is None:
            org = svc.org_register(
                actor=mzj,
                name=name,
                org_type=org_type,
                home_area=_area(DISTRICT),
                credit_code=build_credit_code("5", kind, DISTRICT, body),
                registered_on=registered_on,
                leader_name=leader,
                contact_phone=phone,
                categories=categories,
                summary=summary,
                areas_served=[_area(STREET_DG), _area("330903001")],
            )
            svc.org_activate(actor=mzj, org=org)
        orgs[name] = org
    return orgs


def _community_groups(street: User) -> None:
    if not Organization.objects.filter(name=SILVER).exists():
        org = svc.org_file(
            actor=street,
            name=SILVER,
            home_area=_area(COMMUNITY_WK),
            filed_on=date(2022, 4, 12),
            leader_name="周阿姨",
            contact_phone="13905801234",
            categories="探访关爱 文体活动",
            summary="文康社区低龄老人组成的志愿服务队，结对探访高龄独居老人。",
            areas_served=[_area(COMMUNITY_WK)],
        )
        svc.org_activate(actor=street, org=org)
    if not Organization.objects.filter(name=YOUTH).exists():
        svc.org_incubate(
            actor=street,
            name=YOUTH,
            org_type=OrgType.COMMUNITY_GROUP,
            home_area=_area(STREET_DG),
            incubator="东港街道社会组织服务中心",
            incubation_start=date(2026, 3, 1),
            incubation_end=date(2027, 2, 28),
            categories="课后托管 青少年成长",
            summary="由社区青年志愿者发起，为双职工家庭孩子提供课后托管。",
        )


REPORT_FIGURES = {
    ORG_A: (Decimal("1286400.00"), Decimal("1204310.50"), 18, 126, ReportResult.PASS, ""),
    YIJIA: (
        Decimal("836000.00"),
        Decimal("851220.00"),
        11,
        64,
        ReportResult.BASIC,
        "财务报表未附审计报告，请于三个月内补交",
    ),
    VOLUNTEERS: (Decimal("312000.00"), Decimal("298700.00"), 3, 2150, ReportResult.PASS, ""),
    FOUNDATION: (Decimal("2150000.00"), Decimal("1732000.00"), 4, 20, None, ""),
}


def _reports(mzj: User, org_a_admin: User) -> None:
    year = 2025
    for name, (income, expense, staff, volunteers, result, note) in REPORT_FIGURES.items():
        org = Organization.objects.get(name=name)
        if AnnualReport.objects.filter(organization=org, year=year).exists():
            continue
        fields = {
            "activities": f"{year}年开展社区服务项目，服务对象满意度调查良好。",
            "income": income,
            "expense": expense,
            "net_assets": income - expense + Decimal("200000"),
            "staff_count": staff,
            "volunteer_count": volunteers,
            "party_org": "joint",
            "party_members": 5,
            "party_activities": "参加街道社会组织联合党委组织生活。",
            "changes": "无",
        }
        if name == ORG_A:
            report = svc.annual_report_save(actor=org_a_admin, org=org, year=year, **fields)
            report = svc.annual_report_submit(actor=org_a_admin, report=report)
        else:
            report = AnnualReport.objects.create(
                organization=org, year=year, status=ReportStatus.SUBMITTED, submitted_at=timezone.now(), **fields
            )
            audit_record(actor=None, action="orgs.annual_report.submitted", target=report, data={"demo": True})
        if result:
            svc.annual_report_review(actor=mzj, report=report, result=result, note=note)


def _grades_and_status(mzj: User) -> None:
    for name, grade, awarded_on in (
        (ORG_A, 4, date(2023, 11, 10)),
        (YIJIA, 3, date(2021, 6, 15)),
        (VOLUNTEERS, 5, date(2024, 9, 20)),
        (FOUNDATION, 4, date(2025, 10, 28)),
    ):
        org = Organization.objects.get(name=name)
        if not org.grade_awards.exists():
            svc.org_set_grade(actor=mzj, org=org, grade=grade, awarded_on=awarded_on)
    mental = Organization.objects.get(name=MENTAL)
    if mental.status == OrgStatus.ACTIVE:
        svc.org_mark_abnormal(actor=mzj, org=mental, reason="未按时提交2025年度工作报告")


OFFERS = {
    ORG_A: [
        ("elderly_care", "居家养老上门服务", STREET_DG, 40, None, "助浴、助洁、陪同就医，每次约2小时。"),
        ("counseling", "个案心理疏导", None, 20, Decimal("50.00"), "持证社工一对一心理疏导，低保对象免费。"),
        ("disability", "助残康复陪护", STREET_DG, 15, None, "协助残障人士康复训练与出行。"),
    ],
    ORG_B: [
        ("elderly_visit", "邻里陪伴探访", COMMUNITY_XP, 60, None, "志愿者每周探访独居老人，聊天、读报。"),
        ("elderly_meal", "代购代办与送餐", COMMUNITY_XP, 30, None, "为行动不便的老人代买菜、代取药、送餐。"),
    ],
    YIJIA: [("elderly_meal", "老年助餐配送", STREET_DG, 300, Decimal("8.00"), "中午送餐到家，每份8元，困难老人减免。")],
    VOLUNTEERS: [
        ("health_checkup", "海岛义诊", None, 4, None, "每月组织医生志愿者到社区义诊。"),
        ("culture", "文明实践志愿活动", None, 10, None, "节假日社区文艺和文明劝导。"),
    ],
    SILVER: [("elderly_visit", "高龄老人结对探访", COMMUNITY_WK, 40, None, "低龄老人结对高龄独居老人。")],
}


def _offers() -> None:
    for name, rows in OFFERS.items():
        org = Organization.objects.get(name=name)
        for code, title, area_code, capacity, price, description in rows:
            if not ServiceOffer.objects.filter(organization=org, title=title).exists():
                ServiceOffer.objects.create(
                    organization=org,
                    category_code=code,
                    title=title,
                    area=_area(area_code) if area_code else None,
                    capacity_per_month=capacity,
                    price=price,
                    description=description,
                )


TALENTS = [
    (
        "community_xp",
        "volunteer",
        "林秀英",
        "13805801111",
        COMMUNITY_XP,
        ["elder_care", "arts"],
        "越剧",
        "",
        "周二、周四下午",
        None,
    ),
    (
        "community_xp",
        "volunteer",
        "黄志强",
        "13905802222",
        COMMUNITY_XP,
        ["repair", "driving"],
        "水电维修",
        "电工证",
        "周末全天",
        None,
    ),
    (
        "community_xp",
        "professional",
        "吴律师",
        "13605803333",
        COMMUNITY_XP,
        ["law", "mediation"],
        "",
        "法律职业资格证书",
        "每月第一个周六上午",
        None,
    ),
    (
        "org_a",
        "professional",
        "孙丽华",
        "13705804444",
        STREET_DG,
        ["social_work", "psychology"],
        "",
        "社会工作者职业资格（中级）\n心理咨询师（三级）",
        "工作日",
        ORG_A,
    ),
    (
        "org_a",
        "volunteer",
        "何晓东",
        "13505805555",
        STREET_DG,
        ["first_aid", "photo"],
        "",
        "红十字救护员证",
        "工作日晚上",
        ORG_A,
    ),
    (
        "org_b",
        "volunteer",
        "钱美琴",
        "13805806666",
        COMMUNITY_XP,
        ["housekeeping", "elder_care"],
        "包馄饨",
        "",
        "上午",
        ORG_B,
    ),
]


def _talents() -> None:
    for actor, kind, name, phone, area, skills, tags, certificates, availability, org_name in TALENTS:
        if Talent.objects.filter(name=name, phone=phone).exists():
            continue
        org = Organization.objects.get(name=org_name) if org_name else None
        svc.talent_create(
            actor=_user(actor),
            kind=kind,
            name=name,
            phone=phone,
            area=_area(area),
            skills=skills,
            tags=tags,
            certificates=certificates,
            availability=availability,
            organization=org,
        )
        if org is not None and kind == "volunteer":
            Membership.objects.get_or_create(
                organization=org, name=name, role=MemberRole.VOLUNTEER, defaults={"phone": phone}
            )


def _resources() -> dict[str, Resource]:
    org_a = Organization.objects.get(name=ORG_A)
    foundation = Organization.objects.get(name=FOUNDATION)
    specs = [
        (
            "community_xp",
            ResourceKind.VENUE,
            "兴普社区邻里中心多功能活动室",
            COMMUNITY_XP,
            None,
            {
                "capacity": 60,
                "address": "兴普路 88 号邻里中心二楼",
                "description": "配投影、音响，可办讲座和文艺排练。",
            },
        ),
        (
            "community_xp",
            ResourceKind.VENUE,
            "兴普社区党群服务中心会议室",
            COMMUNITY_XP,
            None,
            {"capacity": 20, "address": "兴普路 88 号一楼", "unit_name": "", "description": "适合小型议事会。"},
        ),
        (
            "org_a",
            ResourceKind.EQUIPMENT,
            "康复轮椅（5 台）",
            STREET_DG,
            org_a,
            {"capacity": 5, "description": "可借给社区活动或居民短期使用。"},
        ),
        (
            None,
            ResourceKind.FUND,
            "社区微心愿资助资金",
            DISTRICT,
            foundation,
            {"amount": Decimal("50000.00"), "description": "每个微心愿不超过 500 元，由社区推荐。"},
        ),
    ]
    out = {}
    for actor, kind, name, area, owner, extra in specs:
        resource = Resource.objects.filter(name=name).first()
        if resource is None:
            if actor is None:  # the foundation has no demo account
                resource = Resource.objects.create(kind=kind, name=name, area=_area(area), owner_org=owner, **extra)
                audit_record(actor=None, action="orgs.resource.created", target=resource, data={"demo": True})
            else:
                resource = svc.resource_create(
                    actor=_user(actor), kind=kind, name=name, area=_area(area), owner_org=owner, **extra
                )
        out[name] = resource
    return out


def _bookings(resources: dict[str, Resource]) -> None:
    room = resources["兴普社区邻里中心多功能活动室"]
    if Booking.objects.filter(resource=room).exists():
        return
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    tz = timezone.get_current_timezone()

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(monday + timedelta(days=day), time(hour, minute), tzinfo=tz)

    org_a = Organization.objects.get(name=ORG_A)
    org_b = Organization.objects.get(name=ORG_B)
    svc.booking_request(
        actor=_user("org_a"),
        resource=room,
        start=at(1, 14),
        end=at(1, 16),
        purpose="老年人防跌倒健康讲座",
        requester_org=org_a,
    )
    approved = Booking.objects.filter(resource=room).latest("pk")
    svc.booking_approve(actor=_user("community_xp"), booking=approved, note="请提前半小时到场布置")
    svc.booking_request(
        actor=_user("org_b"),
        resource=room,
        start=at(3, 9),
        end=at(3, 11, 30),
        purpose="邻里互助会月度例会",
        requester_org=org_b,
    )
    svc.booking_request(
        actor=_user("community_xp"), resource=room, start=at(4, 19), end=at(4, 21), purpose="居民议事会"
    )


@demo_step(40, "orgs")
def _orgs(system: Any, state: dict[str, Any]) -> None:
    mzj, street = _user("mzj"), _user("street_dg")
    org_a, org_b = Organization.objects.get(name=ORG_A), Organization.objects.get(name=ORG_B)
    _backfill(
        org_a,
        OrgStatus.REGISTERED,
        date(2015, 9, 1),
        leader_name="孙海波",
        categories="养老服务 助残 心理疏导",
        address="沈家门街道东河路 21 号",
    )
    _backfill(
        org_b,
        OrgStatus.FILED,
        date(2020, 6, 18),
        leader_name="吴国平",
        categories="邻里互助 探访关爱",
        address="兴普社区邻里中心",
    )
    _register_all(mzj)
    _community_groups(street)
    _reports(mzj, _user("org_a"))
    _grades_and_status(mzj)
    _offers()
    _talents()
    _bookings(_resources())
