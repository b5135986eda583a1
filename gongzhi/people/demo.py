"""Demo residents and houses in the 兴普 and 文康 grids: generated, realistic, and plainly fake.

Every ID number starts with 330999 — a county code that does not exist (Zhoushan has 330902, 330903, 330921,
330922) — and still passes the GB 11643 check character, so the validators treat it as any other number.
resident_a (张阿姨) is linked to her record. Birthdays are spread so that the elderly birthday list of the next
30 days is never empty, whatever day the demo is loaded.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.audit.services import audit_record
from gongzhi.core.demo import COMMUNITY_WK, COMMUNITY_XP, demo_step
from gongzhi.people.models import House, Person, Tag
from gongzhi.people.validators import fake_id_number

FAKE_PLACE = "330999"
TAGS = [
    ("alone", "独居"),
    ("disabled", "残疾"),
    ("low_income", "低保"),
    ("floating", "流动人口"),
    ("veteran", "退役军人"),
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
GIVEN = [
    "秀英",
    "桂兰",
    "建国",
    "海波",
    "丽华",
    "志强",
    "玉珍",
    "国平",
    "美娟",
    "伟",
    "芳",
    "军",
    "敏",
    "静",
    "磊",
    "洋",
    "海燕",
    "春梅",
    "文彬",
    "雪芬",
    "阿毛",
    "小英",
    "德明",
    "根娣",
    "彩娥",
    "荣华",
    "宏伟",
    "晓东",
    "佳怡",
    "子涵",
]
PER_GRID = 40


def ensure_tags() -> None:
    for code, name in TAGS:
        Tag.objects.get_or_create(code=code, defaults={"name": name})


@demo_step(70, "people")
def _people(system: Any, state: dict[str, Any]) -> None:
    ensure_tags()
    if Person.objects.filter(id_number__startswith=FAKE_PLACE).exists():
        return
    rng = random.Random(18)
    today = timezone.localdate()
    tags = {t.code: t for t in Tag.objects.all()}
    sequence = 0
    people: list[Person] = []
    tagged: list[tuple[int, str]] = []
    for community_code, estate in ((COMMUNITY_XP, "兴普小区"), (COMMUNITY_WK, "文康花园")):
        community = Area.objects.get(code=community_code)
        for grid in Area.objects.filter(parent=community, level="grid").order_by("code"):
            number = int(grid.code[-3:])
            houses = House.objects.bulk_create(
                [
                    House(community=community, grid=grid, address=f"{estate}{(number - 1) * 6 + b}幢{f}0{r}室")
                    for b in range(1, 7)
                    for f in range(1, 4)
                    for r in (1, 2)
                ],
                ignore_conflicts=True,
            )
            houses = list(House.objects.filter(community=community, grid=grid).order_by("id"))
            for i in range(PER_GRID):
                sequence += 1
                if i < 6:  # birthdays in the coming weeks, 60 and over
                    born = (today + timedelta(days=2 + i * 4)).replace(year=today.year - 62 - i * 3)
                else:
                    born = date(rng.randint(1936, 2016), rng.randint(1, 12), rng.randint(1, 28))
                gender_digit = rng.randint(0, 9)
                id_number = fake_id_number(FAKE_PLACE, born, (sequence * 2 + gender_digit % 2) % 1000)
                person = Person(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    id_number=id_number,
                    gender="M" if int(id_number[16]) % 2 else "F",
                    birth_date=born,
                    birth_md=born.month * 100 + born.day,
                    phone=f"139{rng.randint(0, 99999999):08d}",
                    house=houses[i % len(houses)],
                    community=community,
                    grid=grid,
                    area=grid,
                )
                people.append(person)
                age = today.year - born.year
                if age >= 75 and rng.random() < 0.5:
                    tagged.append((len(people) - 1, "alone"))
                if rng.random() < 0.08:
                    tagged.append((len(people) - 1, rng.choice(["disabled", "low_income", "floating", "veteran"])))
    Person.objects.bulk_create(people)
    saved = list(Person.objects.filter(id_number__startswith=FAKE_PLACE).order_by("id"))
    through = Person.tags.through
    through.objects.bulk_create([through(person_id=saved[i].pk, tag_id=tags[code].pk) for i, code in tagged])
    resident = User.objects.filter(username="resident_a").first()
    if resident is not None:
        mine = saved[0]
        mine.name, mine.user = "张阿姨", resident
        mine.save(update_fields=["name", "user"])
        mine.tags.add(tags["alone"])
    audit_record(actor=system, action="people.demo.loaded", data={"people": len(saved)})
