"""Reads for organizations and the pools: the directory, records, eligibility, searches, calendars.

Every list and aggregate starts from ``restrict()``; :func:`org_eligibility` and
:func:`org_issues` compute on an organization the caller has already fetched through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import get_for, restrict
from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFound
from gongzhi.insights import conf as rating_conf
from gongzhi.insights.facts import smoothed_rating
from gongzhi.orders.models import Order, OrderPhoto, Rating
from gongzhi.orgs.models import (
    PUBLIC_STATUSES,
    REGISTERED_TYPES,
    AnnualReport,
    Booking,
    BookingSlot,
    BookingStatus,
    GradeAward,
    MemberRole,
    Membership,
    Organization,
    OrgStatus,
    OrgStatusChange,
    ReportResult,
    ReportStatus,
    Resource,
    ServiceOffer,
    Talent,
    TalentSkill,
)

GOOD_STANDING = (OrgStatus.REGISTERED, OrgStatus.FILED, OrgStatus.ACTIVE)


# ---- the directory and the public page -----------------------------------------------------------


def area_by_code(code: str | None) -> Area | None:
    return Area.objects.filter(code=code).first() if code else None


def serving_q(area: Area, prefix: str = "") -> Q:
    """Organizations serving ``area``: those serving it, a place above it (its street), or a place in it."""
    through = Organization.areas_served.through
    ancestors = area.path.strip("/").split("/")
    serving = through.objects.filter(Q(area__code__in=ancestors) | Q(area__path__startswith=area.path))
    return Q(**{f"{prefix}pk__in": serving.values("organization_id")})


def with_current_grade(qs: QuerySet[Organization], on: date | None = None) -> QuerySet[Organization]:
    """Annotates ``current_grade``: the grade while it is valid, else 0."""
    on = on or timezone.localdate()
    return qs.annotate(
        current_grade=Case(
            When(grade__isnull=False, grade_valid_until__gte=on, then="grade"),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def directory(
    user: Any,
    *,
    q: str = "",
    org_type: str = "",
    category: str = "",
    area_code: str = "",
    min_grade: int | None = None,
    on: date | None = None,
) -> QuerySet[Organization]:
    """The public directory (名录): searchable by name, type, category served, area and grade."""
    on = on or timezone.localdate()
    qs = restrict(Organization.objects.all(), user, "view").filter(status__in=PUBLIC_STATUSES)
    if q := (q or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(summary__icontains=q) | Q(credit_code=q.upper()))
    if org_type:
        qs = qs.filter(org_type=org_type)
    if category := (category or "").strip():
        offers = ServiceOffer.objects.filter(
            Q(category_code__iexact=category) | Q(title__icontains=category), active=True
        )
        qs = qs.filter(Q(categories__icontains=category) | Q(pk__in=offers.values("organization_id")))
    area = area_by_code(area_code)
    if area_code and area is None:
        return qs.none()
    if area is not None:
        qs = qs.filter(serving_q(area))
    if min_grade:
        qs = qs.filter(grade__gte=min_grade, grade_valid_until__gte=on)
    return with_current_grade(qs, on).select_related("home_area").order_by("-current_grade", "name")  # type: ignore[misc]


def _iso(d: Any) -> str:
    return d.isoformat() if d else ""


def org_public(user: Any, pk: int) -> Organization:
    return get_for(with_current_grade(Organization.objects.select_related("home_area")), user, "view", pk=pk)


def org_offers(user: Any, org: Organization) -> QuerySet[ServiceOffer]:
    return (
        restrict(ServiceOffer.objects.filter(organization=org), user, "view")
        .select_related("area")
        .order_by("-active", "category_code", "title")
    )


def org_report_results(user: Any, org: Organization) -> QuerySet[AnnualReport]:
    """Conclusions of reviewed reports (public); the organization and its supervisors also see the rest."""
    return restrict(AnnualReport.objects.filter(organization=org), user, "view_result").order_by("-year")


@dataclass(frozen=True)
class PublicFigures:
    offers: int
    capacity_per_month: int
    areas_served: int
    volunteers: int
    resources: int
    years_registered: int | None
    orders_completed: int = 0
    rating_count: int = 0
    # The Bayesian average of the leaderboards (prior: rating_prior_count ratings at rating_prior_mean),
    # so that two 5-star ratings do not read as a perfect record; None without ratings.
    rating_average: float | None = None
    praise_rate: int | None = None  # per cent of ratings with 4 or 5 stars
    rating_prior_count: int = 0
    rating_prior_mean: float = 0.0


def org_order_figures(user: Any, org: Organization) -> dict[str, Any]:
    """Orders completed and ratings received: counts only, never who asked or rated."""
    stars = [0] * 5
    ratings = restrict(Rating.objects.filter(org=org), user, "public")
    for value, n in ratings.order_by().values_list("stars").annotate(n=Count("pk")):
        stars[value - 1] = n
    rated = sum(stars)
    return {
        "orders_completed": restrict(Order.objects.filter(org=org), user, "public").count(),
        "rating_count": rated,
        "rating_average": round(smoothed_rating(stars), 2) if rated else None,
        "praise_rate": int(100 * (stars[3] + stars[4]) / rated + 0.5) if rated else None,  # half up
        "rating_prior_count": rating_conf.prior_count(),
        "rating_prior_mean": rating_conf.prior_mean(),
    }


def _public_photos(user: Any, org: Organization) -> QuerySet[OrderPhoto]:
    return restrict(OrderPhoto.objects.filter(order__org=org), user, "public")


def org_activity_photos(user: Any, org: Organization, *, limit: int = 12) -> list[dict[str, Any]]:
    """Photos of the organization's completed services for its public page, newest first.

    Only the category and the month go with a photo: no title, description, place or person. The
    files were re-encoded without metadata when they were uploaded (gongzhi.core.uploads).
    """
    photos = (
        _public_photos(user, org)
        .order_by("-order__completed_at", "-pk")
        .values("pk", "order__category__name", "order__completed_at")
    )
    return [
        {
            "id": p["pk"],
            "category": p["order__category__name"],
            "month": timezone.localtime(p["order__completed_at"]).strftime("%Y-%m") if p["order__completed_at"] else "",
        }
        for p in photos[:limit]
    ]


def org_activity_photo(user: Any, org_id: int, photo_id: int) -> OrderPhoto:
    """One activity photo, only if it is on the organization's public page (else 404)."""
    photo = _public_photos(user, org_public(user, org_id)).filter(pk=photo_id).first()
    if photo is None:
        raise NotFound()
    return photo


def org_public_figures(user: Any, org: Organization, on: date | None = None) -> PublicFigures:
    """The figures the public page can show today."""
    on = on or timezone.localdate()
    offers = restrict(ServiceOffer.objects.filter(organization=org, active=True), user, "view")
    totals = offers.aggregate(capacity=Sum("capacity_per_month"))
    volunteers = restrict(
        Membership.objects.filter(organization=org, role=MemberRole.VOLUNTEER, removed_at__isnull=True),
        user,
        "public_count",
    )
    resources = restrict(Resource.objects.filter(owner_org=org, active=True), user, "public_count")
    years = None
    if org.registered_on:
        years = (
            on.year - org.registered_on.year - ((on.month, on.day) < (org.registered_on.month, org.registered_on.day))
        )
    return PublicFigures(
        offers=offers.count(),
        capacity_per_month=totals["capacity"] or 0,
        areas_served=org.areas_served.count(),
        volunteers=volunteers.count(),
        resources=resources.count(),
        years_registered=years,
        **org_order_figures(user, org),
    )


# ---- the register ---------------------------------------------------------------------------------


def registry_list(
    user: Any, *, q: str = "", status: str = "", org_type: str = "", area_code: str = ""
) -> QuerySet[Organization]:
    """The register as its keepers see it: every status, including incubating and deregistered."""
    qs = restrict(Organization.objects.all(), user, "registry")
    if q := (q or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code=q.upper()))
    if status:
        qs = qs.filter(status=status)
    if org_type:
        qs = qs.filter(org_type=org_type)
    area = area_by_code(area_code)
    if area is not None:
        qs = qs.filter(home_area__path__startswith=area.path)
    return with_current_grade(qs).select_related("home_area").order_by("name")


def org_history(user: Any, org: Organization) -> QuerySet[OrgStatusChange]:
    return restrict(OrgStatusChange.objects.filter(organization=org), user, "view").select_related("actor")


def org_grades(user: Any, org: Organization) -> QuerySet[GradeAward]:
    return restrict(GradeAward.objects.filter(organization=org), user, "view")


def org_reports(user: Any, org: Organization) -> QuerySet[AnnualReport]:
    return restrict(AnnualReport.objects.filter(organization=org), user, "view").order_by("-year")


def reports_to_review(
    user: Any, *, status: str = ReportStatus.SUBMITTED, year: int | None = None
) -> QuerySet[AnnualReport]:
    qs = restrict(AnnualReport.objects.all(), user, "review").select_related("organization")
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("submitted_at", "pk")


def org_members(user: Any, org: Organization) -> QuerySet[Membership]:
    return restrict(Membership.objects.filter(organization=org, removed_at__isnull=True), user, "view").select_related(
        "user"
    )


def orgs_administered(user: Any) -> QuerySet[Organization]:
    return restrict(Organization.objects.all(), user, "change").order_by("name")


# ---- eligibility -----------------------------------------------------------------------------------


def _status_reasons(org: Organization) -> list[str]:
    if org.status in GOOD_STANDING:
        return []
    if org.status == OrgStatus.INCUBATING:
        return [_("尚在培育孵化中，未登记或备案")]
    reason = _("组织状态为“%(state)s”") % {"state": org.get_status_display()}
    return [f"{reason}：{org.status_reason}" if org.status_reason else reason]


def _grade_reasons(org: Organization, min_grade: int, on: date) -> list[str]:
    wanted = {"want": f"{min_grade}A"}
    if not org.grade:
        return [_("尚未取得评估等级（要求 %(want)s 及以上）") % wanted]
    if not org.grade_valid(on):
        return [
            _("评估等级 %(grade)s 已于 %(until)s 过期（要求 %(want)s 及以上）")
            % {"grade": org.grade_label, "until": _iso(org.grade_valid_until), **wanted}
        ]
    if org.grade < min_grade:
        return [_("评估等级为 %(grade)s，低于要求的 %(want)s") % {"grade": org.grade_label, **wanted}]
    return []


def _report_reasons(org: Organization, year: int, *, must_pass: bool) -> list[str]:
    report = AnnualReport.objects.filter(organization=org, year=year).first()
    y = {"year": year}
    if report is None or report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        return [_("%(year)s 年度报告未提交") % y]
    if report.status == ReportStatus.SUBMITTED:
        return [_("%(year)s 年度报告尚未审核") % y]
    if report.result == ReportResult.FAIL:
        return [_("%(year)s 年度检查不合格") % y]
    if report.result == ReportResult.BASIC and must_pass:
        return [_("%(year)s 年度检查为基本合格（要求合格）") % y]
    return []


def org_eligibility(
    org: Organization,
    *,
    min_grade: int | None,
    require_report_year: int | None,
    on: date | None = None,
    report_must_pass: bool = False,
) -> list[str]:
    """Why ``org`` may not take part (in a call, a purchase …), in Chinese; empty means eligible.

    基本合格 counts as passed unless ``report_must_pass``.
    """
    on = on or timezone.localdate()
    reasons = _status_reasons(org)
    if min_grade:
        reasons += _grade_reasons(org, min_grade, on)
    if require_report_year:
        reasons += _report_reasons(org, require_report_year, must_pass=report_must_pass)
    return reasons


def org_issues(org: Organization, on: date | None = None) -> list[str]:
    """What the organization's record should flag: its status, last year's report, an expired grade."""
    on = on or timezone.localdate()
    reasons = _status_reasons(org) if org.status != OrgStatus.INCUBATING else []
    last_year = on.year - 1
    must_report = org.org_type in REGISTERED_TYPES and org.status not in (OrgStatus.INCUBATING, OrgStatus.DEREGISTERED)
    if must_report and (org.registered_on is None or org.registered_on.year <= last_year):
        reasons += _report_reasons(org, last_year, must_pass=False)
    if org.grade and not org.grade_valid(on):
        reasons.append(
            _("评估等级 %(grade)s 已于 %(until)s 过期，请申请重新评估")
            % {"grade": org.grade_label, "until": _iso(org.grade_valid_until)}
        )
    return reasons


# ---- the talent pool ----------------------------------------------------------------------------


def talent_search(
    user: Any, *, skill: str = "", area_code: str = "", q: str = "", kind: str = "", available_only: bool = False
) -> QuerySet[Talent]:
    qs = restrict(Talent.objects.all(), user, "view")
    if skill:
        qs = qs.filter(pk__in=TalentSkill.objects.filter(skill=skill).values("talent_id"))
    area = area_by_code(area_code)
    if area_code and area is None:
        return qs.none()
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    if q := (q or "").strip():
        qs = qs.filter(Q(tags__icontains=q) | Q(certificates__icontains=q) | Q(availability__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if available_only:
        qs = qs.filter(available=True)
    return qs.select_related("area", "organization").prefetch_related("skill_rows")


# ---- the resource pool ----------------------------------------------------------------------------


def resource_search(user: Any, *, kind: str = "", area_code: str = "", q: str = "") -> QuerySet[Resource]:
    qs = restrict(Resource.objects.all(), user, "view")
    if kind:
        qs = qs.filter(kind=kind)
    area = area_by_code(area_code)
    if area_code and area is None:
        return qs.none()
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    if q := (q or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(unit_name__icontains=q))
    return qs.select_related("area", "owner_org", "owner_department").order_by("-active", "kind", "name")


DAY_START, DAY_END = time(7, 0), time(22, 0)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def resource_week(user: Any, resource: Resource, monday: date) -> dict[str, Any]:
    """A week of half hours from 07:00 to 22:00: each free, pending, approved or past.

    Who booked is not shown here; the owner sees that in the list of requests.
    """
    resource = get_for(Resource.objects.all(), user, "view", pk=resource.pk)
    days = [monday + timedelta(days=i) for i in range(7)]
    tz = timezone.get_current_timezone()
    begin = datetime.combine(monday, time(0, 0), tzinfo=tz)
    held = {
        timezone.localtime(s.start): s.booking.status
        for s in BookingSlot.objects.filter(
            resource=resource, start__gte=begin, start__lt=begin + timedelta(days=7)
        ).select_related("booking")
    }
    now = timezone.now()
    rows = []
    moment = datetime.combine(monday, DAY_START)
    while moment.time() < DAY_END:
        cells = []
        for day in days:
            at = datetime.combine(day, moment.time(), tzinfo=tz)
            state = held.get(at) or ("past" if at < now else "free")
            cells.append({"at": at, "state": state})
        rows.append({"time": moment.time(), "cells": cells})
        moment += timedelta(minutes=30)
    return {
        "resource": resource,
        "days": days,
        "rows": rows,
        "monday": monday,
        "prev": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
    }


def bookings_mine(user: Any) -> QuerySet[Booking]:
    qs = restrict(Booking.objects.filter(requester=user.pk), user, "view")
    return qs.select_related("resource").order_by("-start")


def bookings_to_decide(user: Any, *, status: str = BookingStatus.PENDING) -> QuerySet[Booking]:
    qs = restrict(Booking.objects.all(), user, "decide")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("resource", "requester", "requester_org").order_by("start")


def resources_managed(user: Any) -> QuerySet[Resource]:
    return restrict(Resource.objects.all(), user, "manage").select_related("area").order_by("name")
