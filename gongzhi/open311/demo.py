"""Demo: Open311 for 普陀区 — the district as jurisdiction, community locations for 东港街道, extra
questions for two services, and the published integration key ``demo-open311-key`` for 东港街道.

The community locations are APPROXIMATE: points laid out around 东港街道's centre so that a demo
client's lat/long lands in a community. They are not surveyed centroids; replace them (admin →
社区位置) before relying on lat/long in production. Idempotent: existing rows are left alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongzhi.areas.models import Area
from gongzhi.core.demo import DISTRICT, STREET_DG, demo_step
from gongzhi.open311.models import ApiKey, CommunityLocation, Jurisdiction, ServiceAttribute
from gongzhi.open311.selectors import hash_key
from gongzhi.open311.services import api_key_issue
from gongzhi.orders.models import Category

DEMO_KEY = "demo-open311-key"  # published in the README; demo data only

# 东港街道's ten 社区, two rows of five about 800 m apart (approximate, see the module docstring).
_ROWS = (Decimal("29.9695"), Decimal("29.9625"))
_COLUMNS = (Decimal("122.324"), Decimal("122.332"), Decimal("122.340"), Decimal("122.348"), Decimal("122.356"))
COMMUNITY_POINTS = {f"{STREET_DG}{n:03d}": (_ROWS[(n - 1) // 5], _COLUMNS[(n - 1) % 5]) for n in range(1, 11)}

YES_NO = [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]
QUESTIONS: dict[str, list[dict[str, Any]]] = {
    "elderly_care": [
        {
            "code": "living_alone",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "老人是否独居？",
            "values": YES_NO,
        },
        {
            "code": "age",
            "datatype": "number",
            "description": "老人年龄（周岁）",
            "datatype_description": "填写数字，如 78",
        },
        {
            "code": "help_needed",
            "datatype": "multivaluelist",
            "description": "需要哪些帮助？（可多选）",
            "values": [
                {"key": "clean", "name": "打扫卫生"},
                {"key": "bath", "name": "助浴"},
                {"key": "shopping", "name": "代买代办"},
                {"key": "company", "name": "陪伴聊天"},
            ],
        },
        {
            "code": "first_visit",
            "datatype": "datetime",
            "description": "希望第一次上门的时间",
            "datatype_description": "如 2026-12-01T09:00:00+08:00",
        },
        {"code": "building", "datatype": "string", "description": "楼栋、单元和门牌号"},
        {"code": "situation", "datatype": "text", "description": "其他需要说明的情况（身体状况、家人联系情况等）"},
        {
            "code": "phone_notice",
            "datatype": "string",
            "variable": False,
            "description": "上门前工作人员会先电话确认，请保持电话畅通。",
        },
    ],
    "property_repair": [
        {
            "code": "where",
            "datatype": "singlevaluelist",
            "required": True,
            "description": "哪里需要维修？",
            "values": [
                {"key": "stairwell", "name": "楼道"},
                {"key": "lift", "name": "电梯"},
                {"key": "roof", "name": "屋顶/外墙"},
                {"key": "other", "name": "其他"},
            ],
        },
    ],
}


@demo_step(70, "open311")
def _open311(system: Any, state: dict[str, Any]) -> None:
    Jurisdiction.objects.get_or_create(
        area=Area.objects.get(code=DISTRICT),
        defaults={
            "contact": "演示环境：请联系平台管理员（admin）",
            "key_service": "接口密钥由管理员在管理后台或用 gongzhi open311_key issue 命令签发",
        },
    )
    for code, (lat, lng) in COMMUNITY_POINTS.items():
        area = Area.objects.filter(code=code).first()
        if area is not None:
            CommunityLocation.objects.get_or_create(area=area, defaults={"lat": lat, "lng": lng, "approximate": True})
    for category_code, questions in QUESTIONS.items():
        category = Category.objects.filter(code=category_code).first()
        if category is None:
            continue
        for order, question in enumerate(questions, start=1):
            ServiceAttribute.objects.get_or_create(
                category=category, code=question["code"], defaults={**question, "order": order}
            )
    if not ApiKey.objects.filter(key_hash=hash_key(DEMO_KEY)).exists():
        api_key_issue(actor=system, name="演示接入（Open311 客户端）", area_code=STREET_DG, raw_key=DEMO_KEY)
