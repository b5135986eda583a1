"""Import of an existing register from Excel (all or nothing, row-by-row report) and export."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.orgs.models import Organization
from gongzhi.orgs.services import registry_export, registry_import
from gongzhi.orgs.services.register_excel import COLUMNS
from gongzhi.orgs.validators import build_credit_code

pytestmark = pytest.mark.django_db
HEADER = [str(label) for label, _k, _r in COLUMNS]


def _xlsx(rows: list[list[object]], header: list[str] | None = None) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("名录.xlsx", buf.getvalue())


def _row(name: str, **over: object) -> list[object]:
    values = {
        "name": name,
        "org_type": "社会团体",
        "credit_code": build_credit_code("5", "1", "330903", "MX000001"),
        "home_area": "330903",
        "status": "活跃",
        "registered_on": "2019-04-01",
        "leader_name": "张三",
        "contact_phone": "0580-3800001",
        "address": "",
        "categories": "养老",
        "areas_served": "330903003",
        "grade": "3A",
        "grade_awarded_on": "2022/06/01",
        "summary": "",
    }
    values.update(over)
    return [values[key] for _label, key, _r in COLUMNS]


def test_good_file_imports_everything(user):
    rows = [
        _row("普陀区导入测试协会"),
        _row(
            "东港街道导入测试队",
            org_type="社区社会组织",
            credit_code="",
            home_area="330903003005",
            status="已备案",
            grade="",
            grade_awarded_on="",
        ),
    ]
    result = registry_import(actor=user("mzj"), upload=_xlsx(rows))
    assert result.ok and result.created == 2
    org = Organization.objects.get(name="普陀区导入测试协会")
    assert (org.status, org.grade, org.grade_valid_until.isoformat()) == ("active", 3, "2027-05-31")
    assert list(org.areas_served.values_list("code", flat=True)) == ["330903003"]
    assert org.status_changes.get().reason == "从 Excel 名录导入"


def test_one_bad_row_writes_nothing_and_says_where(user):
    code = build_credit_code("5", "1", "330903", "MX000002")
    rows = [
        _row("好的一行协会", credit_code=code),
        _row(
            "坏的一行协会",
            credit_code=code[:-1] + ("0" if code[-1] != "0" else "1"),
            org_type="俱乐部",
            home_area="123",
            grade="6A",
        ),
        _row("好的一行协会", credit_code=code),
    ]
    result = registry_import(actor=user("mzj"), upload=_xlsx(rows))
    assert not result.ok and result.created == 0
    assert not Organization.objects.filter(name__in=["好的一行协会", "坏的一行协会"]).exists()
    problems = {(p.row, p.column): p.message for p in result.problems}
    assert "第18位校验码" in problems[(3, "统一社会信用代码")]
    assert "社会团体" in problems[(3, "类型")]
    assert "找不到区划代码" in problems[(3, "登记/备案地区划代码")]
    assert "1A 到 5A" in problems[(3, "评估等级")]
    assert problems[(4, "名称")] == "与上面的行重名"
    assert problems[(4, "统一社会信用代码")] == "与上面的行重复"


def test_rows_clash_with_the_register(user):
    rows = [_row("舟山市普陀区海韵社会工作服务中心", credit_code="52330903MJ9000006W")]
    result = registry_import(actor=user("mzj"), upload=_xlsx(rows))
    messages = {p.column: p.message for p in result.problems}
    assert "已在名录中" in messages["名称"] and "已被名录中的其他组织使用" in messages["统一社会信用代码"]


def test_not_a_spreadsheet_or_missing_columns(user):
    with pytest.raises(ValidationFailed) as err:
        registry_import(actor=user("mzj"), upload=SimpleUploadedFile("x.xlsx", b"not a zip"))
    assert "Excel" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        registry_import(actor=user("mzj"), upload=_xlsx([["x"]], header=["名称"]))
    assert "缺少“类型”列" in err.value.message


def test_only_civil_affairs_imports_and_exports(user):
    for outsider in ("street_dg", "org_a", "resident_a"):
        with pytest.raises(PermissionDenied):
            registry_import(actor=user(outsider), upload=_xlsx([_row("越权导入")]))
        with pytest.raises(PermissionDenied):
            registry_export(actor=user(outsider))


def test_export_round_trips(user):
    data = registry_export(actor=user("mzj"))
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["舟山市普陀区海韵社会工作服务中心"][2] == "52330903MJ9000006W"
    assert "东港街道青少年成长服务社（筹）" in by_name  # the register holds every status
    # Exported into an empty register, the same file would import: here every row clashes by name.
    result = registry_import(actor=user("mzj"), upload=SimpleUploadedFile("back.xlsx", data))
    importable = [p for p in result.problems if p.column not in ("名称", "统一社会信用代码", "状态")]
    assert importable == []
