"""Annual evaluation points (年度评价积分): the published formula, item by item.

For year Y and each organization (counting, as every figure does, the orders posted in Y):

  完成订单   min(completed, done_cap) × per_done
  按时办结率 (completed on time / completed with a deadline) × ontime          (0 without such orders)
  服务评价   (smoothed rating − 1) / 4 × rating   smoothed = Bayesian average with the leaderboards'
             prior (m ratings at the prior mean); 0 when the organization has no rated order
  年度报告   the latest reviewed annual report of a year ≤ Y: 合格 report_pass, 基本合格 report_basic,
             不合格 report_fail, none 0
  评估等级   the grade valid on 31 December of Y × grade_per_a
  逾期扣分   − min((taken on late + finished late) × overdue_each, overdue_cap)
  重办扣分   − min(reopenings × reopen_each, reopen_cap)

Each item is rounded to 0.01 (half up) and the total is their sum. Ranking: total, then more completed
orders, then the higher smoothed rating; organizations equal on all three share a rank.
Project acceptance scores are not an item yet: the project pools do not exist in this codebase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import ValidationFailed
from gongzhi.insights import conf
from gongzhi.insights.facts import GRAINS, STARS
from gongzhi.insights.models import DEFAULT_WEIGHTS, PointsFormula, Tally
from gongzhi.orgs.models import PUBLIC_STATUSES, AnnualReport, GradeAward, Organization, ReportResult, ReportStatus

CENT = Decimal("0.01")
ORG_GRAIN = next(g for g in GRAINS if g.org and not g.category and g.geo == 0 and g.yearly)
NEEDED = ("done", "done_due", "done_ontime", "taken_due", "taken_ontime", "reopens", *STARS)


def check_year(year: int, *, past: bool = False) -> int:
    """A year points can be asked for (2000 to next year); ``past``: one that has ended (to freeze it)."""
    this = timezone.localdate().year
    if not isinstance(year, int) or not 2000 <= year <= this + 1:
        raise ValidationFailed({"year": [_("年度应在 2000 到 %(y)s 之间") % {"y": this + 1}]})
    if past and year >= this:
        raise ValidationFailed({"year": [_("%(y)s 年度尚未结束，年度结束后才能固化排名") % {"y": year}]})
    return year


def _cents(value: Decimal | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def weights_for(year: int) -> dict[str, Decimal]:
    formula = PointsFormula.objects.filter(year=year).first()
    return formula.weights() if formula else dict(DEFAULT_WEIGHTS)


@dataclass
class Item:
    code: str
    label: str
    basis: str
    rule: str
    points: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "basis": self.basis,
            "rule": self.rule,
            "points": str(self.points),
        }


@dataclass
class OrgPoints:
    org_id: int
    org_name: str
    org_type: str
    items: list[Item]
    done: int
    smoothed: Fraction
    rank: int = 0
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.total = sum((i.points for i in self.items), Decimal("0.00"))


def smoothed_exact(stars: list[int]) -> Fraction:
    m, mean = conf.prior_count(), Fraction(str(conf.prior_mean()))
    n = sum(stars)
    return (m * mean + sum((i + 1) * c for i, c in enumerate(stars))) / (m + n) if m + n else mean


def _items(
    c: dict[str, int], w: dict[str, Decimal], report: tuple[int, str] | None, grade: GradeAward | None, year: int
) -> list[Item]:
    done, stars = c["done"], [c[s] for s in STARS]
    rated = sum(stars)
    smooth = smoothed_exact(stars)
    late = (c["taken_due"] - c["taken_ontime"]) + (c["done_due"] - c["done_ontime"])
    counted = min(Decimal(done), w["done_cap"])
    result_points: dict[str, Decimal] = {
        ReportResult.PASS.value: w["report_pass"],
        ReportResult.BASIC.value: w["report_basic"],
        ReportResult.FAIL.value: w["report_fail"],
    }
    prior = _("先验 %(m)s 条 %(c)s 分") % {"m": conf.prior_count(), "c": conf.prior_mean()}
    return [
        Item(
            "done",
            _("完成订单"),
            _("完成 %(n)s 单") % {"n": done},
            _("每单 %(p)s 分，最多计 %(cap)s 单") % {"p": w["per_done"], "cap": w["done_cap"]},
            _cents(counted * w["per_done"]),
        ),
        Item(
            "ontime",
            _("按时办结率"),
            (_("%(a)s / %(b)s 单按时办结") % {"a": c["done_ontime"], "b": c["done_due"]})
            if c["done_due"]
            else _("无有期限的完成订单"),
            _("按时办结率 × %(w)s") % {"w": w["ontime"]},
            _cents(Fraction(c["done_ontime"], c["done_due"]) * Fraction(str(w["ontime"])))
            if c["done_due"]
            else Decimal("0.00"),
        ),
        Item(
            "rating",
            _("服务评价"),
            (_("%(n)s 条评价，平滑评分 %(s).2f（%(prior)s）") % {"n": rated, "s": float(smooth), "prior": prior})
            if rated
            else _("暂无评价"),
            _("(平滑评分 − 1) ÷ 4 × %(w)s") % {"w": w["rating"]},
            _cents((smooth - 1) / 4 * Fraction(str(w["rating"]))) if rated else Decimal("0.00"),
        ),
        Item(
            "report",
            _("年度报告"),
            (_("%(y)s 年度：%(r)s") % {"y": report[0], "r": ReportResult(report[1]).label})
            if report
            else _("无已审核的年度报告"),
            _("合格 %(a)s，基本合格 %(b)s，不合格 %(c)s")
            % {"a": w["report_pass"], "b": w["report_basic"], "c": w["report_fail"]},
            _cents(result_points[report[1]]) if report else Decimal("0.00"),
        ),
        Item(
            "grade",
            _("评估等级"),
            (_("%(g)sA（有效期至 %(d)s）") % {"g": grade.grade, "d": grade.valid_until})
            if grade
            else _("%(y)s 年末无有效等级") % {"y": year},
            _("每 A %(w)s 分") % {"w": w["grade_per_a"]},
            _cents(grade.grade * w["grade_per_a"]) if grade else Decimal("0.00"),
        ),
        Item(
            "overdue",
            _("逾期扣分"),
            _("受理或办结逾期 %(n)s 次") % {"n": late},
            _("每次扣 %(p)s 分，最多扣 %(cap)s 分") % {"p": w["overdue_each"], "cap": w["overdue_cap"]},
            -_cents(min(late * w["overdue_each"], w["overdue_cap"])),
        ),
        Item(
            "reopen",
            _("重办扣分"),
            _("重办 %(n)s 次") % {"n": c["reopens"]},
            _("每次扣 %(p)s 分，最多扣 %(cap)s 分") % {"p": w["reopen_each"], "cap": w["reopen_cap"]},
            -_cents(min(c["reopens"] * w["reopen_each"], w["reopen_cap"])),
        ),
    ]


def _counters(year: int, org_ids: list[int] | None) -> dict[int, dict[str, int]]:
    qs = Tally.objects.filter(grain=ORG_GRAIN.code, month=date(year, 1, 1))
    qs = qs.exclude(org_id=0)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    rows: list[Any] = list(qs.values("org_id").annotate(**{m: Sum(m) for m in NEEDED}).order_by())
    return {r["org_id"]: {m: r[m] or 0 for m in NEEDED} for r in rows}


def _reports(year: int) -> dict[int, tuple[int, str]]:
    out: dict[int, tuple[int, str]] = {}
    for org_id, y, result in (
        AnnualReport.objects.filter(status=ReportStatus.REVIEWED, year__lte=year)
        .order_by("organization_id", "year")
        .values_list("organization_id", "year", "result")
    ):
        out[org_id] = (y, result)  # ascending years: the latest wins
    return out


def _grades(year: int) -> dict[int, GradeAward]:
    end = date(year, 12, 31)
    out: dict[int, GradeAward] = {}
    for award in GradeAward.objects.filter(awarded_on__lte=end, valid_until__gte=end).order_by("awarded_on", "pk"):
        out[award.organization_id] = award
    return out


def compute(year: int, org_ids: list[int] | None = None) -> list[OrgPoints]:
    """Every organization's points for ``year`` (or only ``org_ids``), ranked. Reads the maintained counters,
    not the orders: a district's ranking takes milliseconds."""
    weights = weights_for(year)
    counters = _counters(year, org_ids)
    orgs = (
        Organization.objects.all()
        if org_ids is not None
        else Organization.objects.filter(pk__in=list(counters))
        | Organization.objects.filter(status__in=PUBLIC_STATUSES)
    )
    if org_ids is not None:
        orgs = orgs.filter(pk__in=org_ids)
    reports, grades = _reports(year), _grades(year)
    zero = dict.fromkeys(NEEDED, 0)
    out = []
    for org in orgs.only("pk", "name", "org_type").order_by("pk"):
        c = counters.get(org.pk, zero)
        out.append(
            OrgPoints(
                org.pk,
                org.name,
                org.org_type,
                _items(c, weights, reports.get(org.pk), grades.get(org.pk), year),
                c["done"],
                smoothed_exact([c[s] for s in STARS]),
            )
        )
    return rank(out)


def rank(entries: list[OrgPoints]) -> list[OrgPoints]:
    def key(e: OrgPoints) -> tuple[Decimal, int, Fraction]:
        return (e.total, e.done, e.smoothed)

    entries.sort(key=lambda e: (-e.total, -e.done, -e.smoothed, e.org_id))
    for n, e in enumerate(entries):
        e.rank = entries[n - 1].rank if n and key(entries[n - 1]) == key(e) else n + 1
    return entries
