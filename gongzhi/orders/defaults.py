"""The default category tree for community services, with time limits in working days.

(code, name, accept_days, complete_days, urgent_accept_days, urgent_complete_days, children)
Operators adjust limits and add categories in the admin; these are only the starting point.
"""

from typing import Any

DEFAULT_CATEGORIES = [
    (
        "elderly",
        "养老服务",
        1,
        5,
        0,
        2,
        [
            ("elderly_care", "居家照料"),
            ("elderly_meal", "助餐配餐"),
            ("elderly_visit", "探访关爱"),
        ],
    ),
    ("disability", "助残服务", 1, 5, 0, 2, []),
    ("youth", "儿童青少年", 2, 10, 1, 3, [("youth_tutoring", "课后托管与辅导")]),
    ("mediation", "矛盾调解", 1, 5, 0, 2, [("mediation_neighbour", "邻里纠纷")]),
    ("legal", "法律援助", 2, 10, 1, 5, []),
    ("counseling", "心理疏导", 1, 7, 0, 2, []),
    ("health", "医疗健康", 1, 5, 0, 1, [("health_checkup", "健康体检与义诊")]),
    ("culture", "文体活动", 3, 15, 1, 5, []),
    ("sanitation", "环境卫生", 1, 3, 0, 1, []),
    ("property", "物业服务", 1, 3, 0, 1, [("property_repair", "房屋设施维修")]),
    ("employment", "就业帮扶", 2, 10, 1, 5, []),
    ("other", "其他", 2, 10, 1, 5, []),
]


def ensure_default_categories(category_model: Any) -> int:
    """Create the default categories that are missing (used by the migration and the demo); returns how many."""
    created = 0
    for sort, (code, name, acc, comp, uacc, ucomp, children) in enumerate(DEFAULT_CATEGORIES, start=1):
        limits = {"accept_days": acc, "complete_days": comp, "urgent_accept_days": uacc, "urgent_complete_days": ucomp}
        parent, made = category_model.objects.get_or_create(
            code=code, defaults={"name": name, "sort": sort * 10, **limits}
        )
        created += made
        for i, (child_code, child_name) in enumerate(children, start=1):
            _child, made = category_model.objects.get_or_create(
                code=child_code, defaults={"name": child_name, "parent": parent, "sort": sort * 10 + i, **limits}
            )
            created += made
    return created
