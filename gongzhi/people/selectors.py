"""Reads of the people base, every one through the permission chokepoint, every personal value through
:mod:`gongzhi.people.privacy` (masked unless the viewer's role and area say otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.accounts.permissions import get_for, restrict
from gongzhi.areas.models import Area
from gongzhi.people import privacy
from gongzhi.people.models import ImportJob, Person, RevealLog

ELDERLY = 60


def person_list(user: Any, *, area: str | None = None, action: str = "view") -> QuerySet[Person]:
    qs = restrict(Person.objects.filter(anonymised_at__isnull=True), user, action)
    if area:
        target = Area.objects.filter(code=area).first()
        qs = qs.filter(area__path__startswith=target.path) if target else qs.none()
    return qs.select_related("house", "grid", "area").prefetch_related("tags").order_by("id")


def age(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class Shown:
    """One person as one viewer may see them: each value in full or masked, and which may be revealed."""

    pk: int
    name: str
    gender: str
    age: int | None
    birth_date: str
    id_number: str
    phone: str
    address: str
    grid: str
    tags: str
    revealable: tuple[str, ...]

    # For templates, which cannot ask "x in y" inside an include.
    @property
    def can_name(self) -> bool:
        return "name" in self.revealable

    @property
    def can_id_number(self) -> bool:
        return "id_number" in self.revealable

    @property
    def can_phone(self) -> bool:
        return "phone" in self.revealable

    @property
    def can_address(self) -> bool:
        return "address" in self.revealable


def shown(user: Any, person: Person, today: date) -> Shown:
    def value(field: str, raw: str) -> str:
        return privacy.shown(user, person, field, raw)

    tags = "、".join(t.name for t in person.tags.all())
    revealable = tuple(
        f
        for f in ("name", "id_number", "phone", "address")
        if not privacy.plain(user, person, f) and privacy.may_reveal(user, person, f)
    )
    return Shown(
        pk=person.pk,
        name=value("name", person.name),
        gender=person.get_gender_display(),
        age=age(person.birth_date, today),
        birth_date=value("birth_date", person.birth_date.isoformat() if person.birth_date else ""),
        id_number=value("id_number", person.id_number or ""),
        phone=value("phone", person.phone),
        address=value("address", person.address),
        grid=person.grid.display_name if person.grid else "",
        tags=value("tags", tags),
        revealable=revealable,
    )


def birthdays(user: Any, *, community: Area | None = None, days: int = 30, today: date) -> list[tuple[date, Person]]:
    """Residents 60 or older on their birthday, whose birthday falls within the next ``days`` days (today
    included), soonest first. ``user`` None is the operator at the command line (everyone in ``community``)."""
    qs = Person.objects.filter(anonymised_at__isnull=True, birth_date__isnull=False)
    qs = restrict(qs, user, "view") if user is not None else qs
    if community is not None:
        qs = qs.filter(community=community)
    dates = [today + timedelta(days=n) for n in range(max(0, min(days, 366)) + 1)]
    wanted = {d.month * 100 + d.day for d in dates}
    if any(d.month == 2 and d.day == 28 for d in dates):
        wanted.add(229)  # born on 29 February: celebrated on the 28th in other years
    by_md: dict[int, date] = {}
    for d in reversed(dates):
        by_md[d.month * 100 + d.day] = d
    if 229 in wanted and 229 not in by_md:
        by_md[229] = next(d for d in dates if d.month == 2 and d.day == 28)
    latest_birth = today.replace(year=today.year - ELDERLY + 1, month=12, day=31)
    rows = []
    for person in qs.filter(birth_md__in=wanted, birth_date__lte=latest_birth).select_related("grid", "house", "area"):
        assert person.birth_md is not None and person.birth_date is not None
        day = by_md[person.birth_md]
        if (age(person.birth_date, day + timedelta(days=1)) or 0) >= ELDERLY:
            rows.append((day, person))
    rows.sort(key=lambda r: (r[0], r[1].grid.code if r[1].grid else "", r[1].pk))
    return rows


def import_jobs(user: Any) -> QuerySet[ImportJob]:
    return restrict(ImportJob.objects.all(), user, "view").select_related("community")


def import_job(user: Any, job_id: int) -> ImportJob:
    return get_for(ImportJob.objects.select_related("community"), user, "view", pk=job_id)


def access_log(user: Any) -> QuerySet[RevealLog]:
    return restrict(RevealLog.objects.all(), user, "view").select_related("actor", "person", "area")


def my_record(user: Any) -> Person | None:
    return (
        restrict(Person.objects.filter(Q(anonymised_at__isnull=True)), user, "self")
        .select_related("house", "grid", "community")
        .prefetch_related("tags")
        .first()
    )


def my_data(user: Any) -> dict[str, Any]:
    """Everything the platform holds about the resident, for their own export."""
    person = my_record(user)
    if person is None:
        return {}
    return {
        "姓名": person.name,
        "公民身份号码": person.id_number or "",
        "性别": str(person.get_gender_display()),
        "出生日期": person.birth_date.isoformat() if person.birth_date else "",
        "联系电话": person.phone,
        "住址": person.address,
        "社区": person.community.display_name,
        "网格": person.grid.display_name if person.grid else "",
        "特殊群体": [t.name for t in person.tags.all()],
        "数据访问记录": [
            {
                "时间": log.at.isoformat(),
                "查看人": str(log.actor),
                "字段": str(privacy.FIELDS[log.field].label),
                "事由": log.reason,
            }
            for log in person.reveals.select_related("actor").order_by("-at")
        ],
    }
