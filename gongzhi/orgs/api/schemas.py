"""Input and output shapes of the organization, talent and resource APIs.

Personal data leaves masked: a talent's name and phone, a member's phone, an organization's
leader and (for the public) its contact phone. Full values come only from the reveal endpoint.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema

from gongzhi.areas.models import Area
from gongzhi.core.dates import Day
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.orgs.models import (
    AnnualReport,
    Booking,
    Membership,
    Organization,
    Resource,
    ServiceOffer,
    Talent,
)


def areas_from_codes(codes: list[str] | None, *, field: str = "areas_served") -> list[Area]:
    codes = [c.strip() for c in codes or [] if c and c.strip()]
    found = {a.code: a for a in Area.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed({field: [_("找不到区划代码“%(code)s”") % {"code": missing[0]}]})
    return [found[c] for c in codes]


def area_from_code(code: str | None, *, field: str) -> Area | None:
    if not code or not code.strip():
        return None  # blank (spaces or control characters only) means "not given", as for an empty field
    return areas_from_codes([code], field=field)[0]


class AreaRef(Schema):
    code: str
    name: str


def area_ref(area: Area | None) -> dict[str, str] | None:
    return {"code": area.code, "name": area.display_name} if area else None


# ---- organizations ----------------------------------------------------------------------------------


class OrgCardOut(Schema):
    id: int
    name: str
    org_type: str
    org_type_label: str
    status: str
    status_label: str
    grade: int | None
    grade_label: str
    grade_valid_until: date | None
    grade_expired: bool
    home_area: AreaRef
    categories: list[str]
    summary: str
    contact_phone: str


def org_card(org: Organization, *, full_contact: bool = False) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "org_type": org.org_type,
        "org_type_label": org.get_org_type_display(),
        "status": org.status,
        "status_label": org.get_status_display(),
        "grade": org.grade,
        "grade_label": org.grade_label,
        "grade_valid_until": org.grade_valid_until,
        "grade_expired": bool(org.grade) and not org.grade_valid(),
        "home_area": area_ref(org.home_area),
        "categories": org.category_tags,
        "summary": org.summary[:500],
        "contact_phone": org.contact_phone if full_contact else mask_phone(org.contact_phone),
    }


class OfferOut(Schema):
    id: int
    category_code: str
    title: str
    area: AreaRef | None
    capacity_per_month: int
    price: Decimal | None
    description: str
    active: bool


def offer_out(offer: ServiceOffer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "category_code": offer.category_code,
        "title": offer.title,
        "area": area_ref(offer.area),
        "capacity_per_month": offer.capacity_per_month,
        "price": offer.price,
        "description": offer.description,
        "active": offer.active,
    }


class ReportResultOut(Schema):
    year: int
    status: str
    status_label: str
    result: str
    result_label: str


class FiguresOut(Schema):
    offers: int
    capacity_per_month: int
    areas_served: int
    volunteers: int
    resources: int
    years_registered: int | None
    orders_completed: int
    rating_count: int
    rating_average: float | None
    praise_rate: int | None
    rating_prior_count: int
    rating_prior_mean: float


class OrgDetailOut(OrgCardOut):
    credit_code: str | None
    registered_on: date | None
    address: str
    leader_name: str
    areas_served: list[AreaRef]
    offers: list[OfferOut]
    report_results: list[ReportResultOut]
    figures: FiguresOut


class OrgListOut(Schema):
    count: int
    items: list[OrgCardOut]


class RegistryItemOut(OrgCardOut):
    credit_code: str | None
    registered_on: date | None
    leader_name: str
    status_reason: str


def registry_item(org: Organization) -> dict[str, Any]:
    return {
        **org_card(org, full_contact=True),
        "credit_code": org.credit_code,
        "registered_on": org.registered_on,
        "leader_name": org.leader_name,
        "status_reason": org.status_reason,
    }


class RegistryListOut(Schema):
    count: int
    items: list[RegistryItemOut]


class ProfileIn(Schema):
    name: str | None = None
    org_type: str | None = None
    home_area: str | None = None
    areas_served: list[str] | None = None
    summary: str | None = None
    contact_phone: str | None = None
    categories: str | None = None
    leader_name: str | None = None
    address: str | None = None
    admin_username: str = ""


PROFILE_KEYS = {
    "name",
    "org_type",
    "home_area",
    "areas_served",
    "summary",
    "contact_phone",
    "categories",
    "leader_name",
    "address",
}


def profile_kwargs(payload: ProfileIn, *, creating: bool) -> dict[str, Any]:
    """The profile part of an entry payload as service keywords (areas resolved from their codes)."""
    data = payload.dict(exclude_unset=not creating, include=PROFILE_KEYS)
    data = {k: v for k, v in data.items() if v is not None or k in ("name", "org_type", "home_area")}
    if "home_area" in data:
        data["home_area"] = area_from_code(data["home_area"], field="home_area")
    if "areas_served" in data:
        data["areas_served"] = areas_from_codes(data["areas_served"])
    return data


class RegisterIn(ProfileIn):
    credit_code: str
    registered_on: Day | None = None


class FileIn(ProfileIn):
    credit_code: str = ""
    filed_on: Day | None = None


class IncubateIn(ProfileIn):
    incubator: str
    incubation_start: Day
    incubation_end: Day | None = None


class ReasonIn(Schema):
    reason: str = ""


class CreditCodeIn(Schema):
    code: str


class CreditCodeOut(Schema):
    valid: bool
    normalized: str
    message: str
    parts: dict[str, str] | None


class HistoryOut(Schema):
    from_status: str
    to_status: str
    to_status_label: str
    at: datetime
    reason: str
    actor: str


class GradeIn(Schema):
    grade: int
    awarded_on: Day
    note: str = ""


class GradeOut(Schema):
    grade: int
    grade_label: str
    awarded_on: date
    valid_until: date


class EligibilityOut(Schema):
    eligible: bool
    reasons: list[str]


class ProfileUpdateIn(Schema):
    summary: str | None = None
    contact_phone: str | None = None
    categories: str | None = None
    address: str | None = None
    areas_served: list[str] | None = None


# ---- members and offers ------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    role: str
    role_label: str
    name: str
    phone: str
    username: str | None
    joined_at: datetime


def member_out(m: Membership) -> dict[str, Any]:
    # Fellow members see each other's names (they work together); phones stay masked.
    return {
        "id": m.pk,
        "role": m.role,
        "role_label": m.get_role_display(),
        "name": m.name,
        "phone": mask_phone(m.phone),
        "username": m.user.username if m.user_id else None,
        "joined_at": m.joined_at,
    }


class InviteIn(Schema):
    username: str
    role: str = "member"


class VolunteerIn(Schema):
    name: str = ""
    phone: str = ""
    username: str = ""


class OfferIn(Schema):
    category_code: str
    title: str
    area: str | None = None
    capacity_per_month: int = 0
    price: Decimal | None = None
    description: str = ""


class OfferPatchIn(Schema):
    category_code: str | None = None
    title: str | None = None
    area: str | None = None
    capacity_per_month: int | None = None
    price: Decimal | None = None
    description: str | None = None
    active: bool | None = None


# ---- annual reports ---------------------------------------------------------------------------------


class ReportIn(Schema):
    activities: str | None = None
    income: Decimal | None = None
    expense: Decimal | None = None
    net_assets: Decimal | None = None
    staff_count: int | None = None
    volunteer_count: int | None = None
    party_org: str | None = None
    party_members: int | None = None
    party_activities: str | None = None
    changes: str | None = None


class ReportOut(Schema):
    id: int
    organization: int
    organization_name: str
    year: int
    status: str
    status_label: str
    activities: str
    income: Decimal | None
    expense: Decimal | None
    net_assets: Decimal | None
    staff_count: int | None
    volunteer_count: int | None
    party_org: str
    party_members: int | None
    party_activities: str
    changes: str
    submitted_at: datetime | None
    result: str
    result_label: str
    review_note: str
    reviewed_at: datetime | None


def report_out(r: AnnualReport) -> dict[str, Any]:
    fields = (
        "activities",
        "income",
        "expense",
        "net_assets",
        "staff_count",
        "volunteer_count",
        "party_org",
        "party_members",
        "party_activities",
        "changes",
        "submitted_at",
        "result",
        "review_note",
        "reviewed_at",
        "year",
        "status",
    )
    return {
        "id": r.pk,
        "organization": r.organization_id,
        "organization_name": r.organization.name,
        "status_label": r.get_status_display(),
        "result_label": r.get_result_display() if r.result else "",
        **{f: getattr(r, f) for f in fields},
    }


class ReviewIn(Schema):
    result: str
    note: str = ""


class NoteIn(Schema):
    note: str = ""


class ImportProblemOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    ok: bool
    rows: int
    created: int
    problems: list[ImportProblemOut]


# ---- talents -----------------------------------------------------------------------------------------


class TalentOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    phone: str
    area: AreaRef
    organization: str | None
    skills: list[str]
    skill_labels: list[str]
    tags: str
    certificates: list[str]
    availability: str
    available: bool


def talent_out(t: Talent) -> dict[str, Any]:
    rows = list(t.skill_rows.all())
    return {
        "id": t.pk,
        "kind": t.kind,
        "kind_label": t.get_kind_display(),
        "name": mask_name(t.name),
        "phone": mask_phone(t.phone),
        "area": area_ref(t.area),
        "organization": t.organization.name if t.organization_id else None,
        "skills": [r.skill for r in rows],
        "skill_labels": [r.get_skill_display() for r in rows],
        "tags": t.tags,
        "certificates": t.certificate_list,
        "availability": t.availability,
        "available": t.available,
    }


class TalentIn(Schema):
    kind: str
    name: str
    phone: str = ""
    area: str
    skills: list[str] = []
    tags: str = ""
    certificates: str = ""
    availability: str = ""
    available: bool = True
    organization: int | None = None


class TalentPatchIn(Schema):
    kind: str | None = None
    name: str | None = None
    phone: str | None = None
    area: str | None = None
    skills: list[str] | None = None
    tags: str | None = None
    certificates: str | None = None
    availability: str | None = None
    available: bool | None = None


class RevealOut(Schema):
    name: str
    phone: str


class SkillOut(Schema):
    code: str
    label: str


# ---- resources ---------------------------------------------------------------------------------------


class ResourceOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    description: str
    area: AreaRef
    address: str
    owner: str
    capacity: int | None
    amount: Decimal | None
    active: bool
    bookable: bool


def resource_out(r: Resource) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "name": r.name,
        "description": r.description,
        "area": area_ref(r.area),
        "address": r.address,
        "owner": r.owner_label,
        "capacity": r.capacity,
        "amount": r.amount,
        "active": r.active,
        "bookable": r.bookable,
    }


class ResourceIn(Schema):
    kind: str
    name: str
    area: str
    owner_org: int | None = None
    owner_department: int | None = None
    unit_name: str = ""
    description: str = ""
    address: str = ""
    capacity: int | None = None
    amount: Decimal | None = None


class ActiveIn(Schema):
    active: bool


class BookingIn(Schema):
    start: datetime
    end: datetime
    purpose: str
    requester_org: int | None = None


class BookingOut(Schema):
    id: int
    resource: int
    resource_name: str
    start: datetime
    end: datetime
    purpose: str
    status: str
    status_label: str
    requester: str
    requester_org: str | None
    note: str


def booking_out(b: Booking) -> dict[str, Any]:
    return {
        "id": b.pk,
        "resource": b.resource_id,
        "resource_name": b.resource.name,
        "start": b.start,
        "end": b.end,
        "purpose": b.purpose,
        "status": b.status,
        "status_label": b.get_status_display(),
        "requester": mask_name(str(b.requester)),
        "requester_org": b.requester_org.name if b.requester_org_id else None,
        "note": b.note,
    }


class CalendarCellOut(Schema):
    start: datetime
    state: str


class CalendarOut(Schema):
    resource: int
    monday: date
    slots: list[CalendarCellOut]
