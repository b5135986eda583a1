"""Import of an existing register of social organizations from Excel, and export of the register.

The bureau's spreadsheet is checked row by row first; the report names the row, the column and
what is wrong, in Chinese. Nothing is written unless every row is good: a register half imported
is worse than none (the staff fix the file and import it again). The export has the same columns,
so an exported file imports into an empty installation.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zipfile import BadZipFile

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for, restrict
from gongzhi.areas.models import Area
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.excel import append_row
from gongzhi.orgs.models import REGISTERED_TYPES, GradeAward, Organization, OrgStatus, OrgStatusChange, OrgType
from gongzhi.orgs.services import _common as c
from gongzhi.orgs.services.registry import FILING_LEVELS, REGISTRY_LEVELS, grade_valid_until
from gongzhi.orgs.validators import credit_code_problem, normalize_credit_code

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# (header, key, required)
COLUMNS: list[tuple[Any, str, bool]] = [
    (gettext_lazy("名称"), "name", True),
    (gettext_lazy("类型"), "org_type", True),
    (gettext_lazy("统一社会信用代码"), "credit_code", False),
    (gettext_lazy("登记/备案地区划代码"), "home_area", True),
    (gettext_lazy("状态"), "status", True),
    (gettext_lazy("登记/备案日期"), "registered_on", False),
    (gettext_lazy("法定代表人/负责人"), "leader_name", False),
    (gettext_lazy("联系电话"), "contact_phone", False),
    (gettext_lazy("住所"), "address", False),
    (gettext_lazy("服务领域"), "categories", False),
    (gettext_lazy("服务区域代码"), "areas_served", False),
    (gettext_lazy("评估等级"), "grade", False),
    (gettext_lazy("等级评定日期"), "grade_awarded_on", False),
    (gettext_lazy("简介"), "summary", False),
]
IMPORTABLE_STATUSES = (
    OrgStatus.FILED,
    OrgStatus.REGISTERED,
    OrgStatus.ACTIVE,
    OrgStatus.SUSPENDED,
    OrgStatus.ABNORMAL,
    OrgStatus.DEREGISTERED,
)


@dataclass
class RowProblem:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _by_label(choices: Any) -> dict[str, str]:
    """Either the value or its Chinese label is accepted in the sheet."""
    out = {str(v): v for v in choices.values}
    out.update({str(label): value for value, label in choices.choices})
    return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))


def _read(upload: Any) -> list[tuple[int, dict[str, Any]]]:
    if getattr(upload, "size", 0) > MAX_BYTES:
        raise ValidationFailed({"file": [_("文件超过 5 MB，请分成几个文件导入")]})
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError):
        raise ValidationFailed(
            {"file": [_("无法读取文件：请上传 Excel 工作簿（.xlsx），可先导出名录作为模板")]}
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell_text(v) for v in next(rows, ())]
    positions: dict[str, int] = {}
    for label, key, required in COLUMNS:
        if str(label) in header:
            positions[key] = header.index(str(label))
        elif required:
            raise ValidationFailed({"file": [_("第1行缺少“%(col)s”列；请使用导出的名录作为模板") % {"col": label}]})
    out = []
    for number, values in enumerate(rows, start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        if len(out) >= MAX_ROWS:
            raise ValidationFailed({"file": [_("一次最多导入 %(n)s 行，请分成几个文件") % {"n": MAX_ROWS}]})
        out.append((number, {key: values[pos] if pos < len(values) else None for key, pos in positions.items()}))
    workbook.close()
    return out


class _RowChecker:
    """Checks one row at a time against the database and the rows above it in the same file."""

    def __init__(self, actor: Any) -> None:
        self.grants = grants_for(actor)
        self.types = _by_label(OrgType)
        self.statuses = _by_label(OrgStatus)
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.areas: dict[str, Area | None] = {}

    def area(self, code: str) -> Area | None:
        if code not in self.areas:
            self.areas[code] = Area.objects.filter(code=code).first()
        return self.areas[code]

    def check(self, number: int, raw: dict[str, Any], problems: list[RowProblem]) -> dict[str, Any] | None:
        errors: dict[str, list[str]] = {}
        row: dict[str, Any] = {}
        self._identity(raw, row, errors)
        self._area(raw, row, errors)
        self._details(raw, row, errors)
        for key, messages in errors.items():
            label = next((str(lbl) for lbl, k, _r in COLUMNS if k == key), key)
            problems.extend(RowProblem(number, label, m) for m in messages)
        return None if errors else row

    def _identity(self, raw: dict[str, Any], row: dict[str, Any], errors: dict[str, list[str]]) -> None:
        row["name"] = c.text(
            _cell_text(raw.get("name")), field="name", label=_("名称"), max_length=200, required=True, errors=errors
        )
        if row["name"] in self.names:
            errors.setdefault("name", []).append(_("与上面的行重名"))
        elif row["name"] and Organization.objects.filter(name=row["name"]).exists():
            errors.setdefault("name", []).append(_("已在名录中，如需修改请在系统中办理"))
        self.names.add(row["name"])
        row["org_type"] = self.types.get(_cell_text(raw.get("org_type")))
        if row["org_type"] is None:
            errors["org_type"] = [_("应为：社会团体、社会服务机构、基金会或社区社会组织")]
        row["status"] = self.statuses.get(_cell_text(raw.get("status")))
        if row["status"] not in IMPORTABLE_STATUSES:
            errors["status"] = [_("应为：已备案、已登记、活跃、暂停活动、异常名录或已注销")]
        code = _cell_text(raw.get("credit_code"))
        row["credit_code"] = None
        if code:
            problem = credit_code_problem(code)
            code = normalize_credit_code(code)
            if problem:
                errors["credit_code"] = [problem]
            elif code in self.codes:
                errors["credit_code"] = [_("与上面的行重复")]
            elif Organization.objects.filter(credit_code=code).exists():
                errors["credit_code"] = [_("已被名录中的其他组织使用")]
            row["credit_code"] = code
            self.codes.add(code)
        elif row["org_type"] in REGISTERED_TYPES:
            errors["credit_code"] = [_("登记的社会组织须填写统一社会信用代码")]

    def _area(self, raw: dict[str, Any], row: dict[str, Any], errors: dict[str, list[str]]) -> None:
        code = _cell_text(raw.get("home_area"))
        area = self.area(code) if code else None
        if area is None:
            errors["home_area"] = [_("找不到区划代码“%(code)s”，应为12位社区、9位街道或6位区县代码") % {"code": code}]
        elif not (self.grants.is_admin or self.grants.covers_area(area, Role.CIVIL_AFFAIRS)):
            errors["home_area"] = [_("不在您负责的区域内")]
        elif row["org_type"] in REGISTERED_TYPES and area.level not in REGISTRY_LEVELS:
            errors["home_area"] = [_("登记的社会组织应填写区县代码")]
        elif row["org_type"] == OrgType.COMMUNITY_GROUP and area.level not in FILING_LEVELS:
            errors["home_area"] = [_("社区社会组织应填写备案的街道或社区代码")]
        row["home_area"] = area
        served = [
            s for s in _cell_text(raw.get("areas_served")).replace("，", ",").replace("、", ",").split(",") if s.strip()
        ]
        row["areas_served"] = []
        for served_code in served:
            served_area = self.area(served_code.strip())
            if served_area is None:
                errors.setdefault("areas_served", []).append(_("找不到区划代码“%(code)s”") % {"code": served_code})
            else:
                row["areas_served"].append(served_area)

    def _details(self, raw: dict[str, Any], row: dict[str, Any], errors: dict[str, list[str]]) -> None:
        for key, label in (("registered_on", _("登记/备案日期")), ("grade_awarded_on", _("等级评定日期"))):
            try:
                row[key] = c.past_date(_cell_date(raw.get(key)), field=key, label=label, errors=errors)
            except ValueError:
                errors[key] = [_("日期格式应为 2024-03-01")]
                row[key] = None
        for key, label, limit in (
            ("leader_name", _("法定代表人/负责人"), 50),
            ("address", _("住所"), 200),
            ("categories", _("服务领域"), 200),
            ("summary", _("简介"), 4000),
        ):
            row[key] = c.text(_cell_text(raw.get(key)), field=key, label=label, max_length=limit, errors=errors)
        row["contact_phone"] = c.phone(_cell_text(raw.get("contact_phone")), field="contact_phone", errors=errors)
        grade = _cell_text(raw.get("grade")).upper().rstrip("A")
        row["grade"] = None
        if grade:
            if grade not in ("1", "2", "3", "4", "5"):
                errors["grade"] = [_("评估等级应为 1A 到 5A，未评估请留空")]
            elif row.get("grade_awarded_on") is None and "grade_awarded_on" not in errors:
                errors["grade_awarded_on"] = [_("有评估等级时请填写评定日期")]
            else:
                row["grade"] = int(grade)


def registry_import(*, actor: Any, upload: Any) -> ImportResult:
    """Import the rows of an Excel register; all or nothing. The result lists every problem found."""
    c.require_role(actor, Role.CIVIL_AFFAIRS)
    rows = _read(upload)
    result = ImportResult(rows=len(rows))
    if not rows:
        raise ValidationFailed({"file": [_("文件中没有数据行")]})
    checker = _RowChecker(actor)
    good = [row for number, raw in rows if (row := checker.check(number, raw, result.problems)) is not None]
    if result.problems:
        return result
    with transaction.atomic():
        for row in good:
            _create_row(actor, row)
        result.created = len(good)
        audit_record(actor=actor, action="orgs.registry.imported", data={"created": result.created})
    return result


def _create_row(actor: Any, row: dict[str, Any]) -> Organization:
    served = row.pop("areas_served") or [row["home_area"]]
    grade, awarded_on = row.pop("grade"), row.pop("grade_awarded_on")
    org = Organization.objects.create(**row)
    org.areas_served.set(served)
    OrgStatusChange.objects.create(
        organization=org,
        from_status="",
        to_status=org.status,
        actor=actor,
        reason=_("从 Excel 名录导入"),
        data={"imported": True},
    )
    if grade:
        award = GradeAward.objects.create(
            organization=org,
            grade=grade,
            awarded_on=awarded_on,
            valid_until=grade_valid_until(awarded_on),
            awarded_by=actor,
            note=_("从 Excel 名录导入"),
        )
        org.grade, org.grade_awarded_on, org.grade_valid_until = grade, awarded_on, award.valid_until
        org.save(update_fields=["grade", "grade_awarded_on", "grade_valid_until"])
    audit_record(actor=actor, action="orgs.organization.imported", target=org, data={"status": org.status})
    return org


def registry_export(*, actor: Any, queryset: QuerySet[Organization] | None = None) -> bytes:
    """The register as an Excel workbook, limited to what the actor supervises; the export is logged."""
    c.require_role(actor, Role.CIVIL_AFFAIRS)
    qs = restrict(queryset if queryset is not None else Organization.objects.all(), actor, "supervise")
    qs = qs.select_related("home_area").prefetch_related("areas_served").order_by("name")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("社会组织名录")
    sheet.append([str(label) for label, _k, _r in COLUMNS])
    count = 0
    for org in qs.iterator(chunk_size=500):
        append_row(
            sheet,
            (
                [
                    org.name,
                    org.get_org_type_display(),
                    org.credit_code or "",
                    org.home_area.code,
                    org.get_status_display(),
                    org.registered_on,
                    org.leader_name,
                    org.contact_phone,
                    org.address,
                    org.categories,
                    ",".join(a.code for a in org.areas_served.all()),
                    org.grade_label,
                    org.grade_awarded_on,
                    org.summary,
                ]
            ),
        )
        count += 1
    for column, width in zip("ABCDEFGHIJKLMN", (36, 14, 22, 14, 10, 14, 14, 16, 30, 20, 30, 8, 14, 40), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():
        audit_record(actor=actor, action="orgs.registry.exported", data={"rows": count})
    return buffer.getvalue()
