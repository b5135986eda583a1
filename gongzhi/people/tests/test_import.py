"""Import of ledgers: header recognition over a title row, row-by-row report in Chinese, duplicates inside
the file and against the base, bad IDs and phones, formulas, empty and wrong files; never half a row."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import ValidationFailed
from gongzhi.people.importing import import_run, open_sheet
from gongzhi.people.models import House, JobStatus, Person
from gongzhi.people.services import import_job_create
from gongzhi.people.tests.factories import HEADERS, ledger, person_row

XP = "330903003005"


def run(user, path: Path, **kw):
    with path.open("rb") as content:
        job = import_job_create(actor=user("community_xp"), community=XP, file_name=path.name, content=content, **kw)
    return import_run(job_id=job.pk, batch=3)


def report_rows(job) -> list[tuple]:
    book = load_workbook(job.report_path, read_only=True)
    return [tuple(r) for r in book["未导入的行"].iter_rows(min_row=2, values_only=True)]


def test_a_ledger_with_bad_rows_imports_the_good_ones_and_reports_the_rest(user, tmp_path):
    good = [person_row(i) for i in range(1, 8)]
    bad_id = person_row(8)
    bad_id[2] = bad_id[2][:-1] + ("0" if bad_id[2][-1] != "0" else "1")
    bad_phone = person_row(9)
    bad_phone[3] = "1381234"
    wide_phone = person_row(10)
    wide_phone[3] = "１３９ ０５８０ １２３４"
    duplicate = list(good[1])
    duplicate[1] = "李重复"
    formula = person_row(11)
    formula[3] = "=A1&B1"
    no_name = person_row(12)
    no_name[1] = ""
    rows = [*good, bad_id, bad_phone, wide_phone, [None] * 9, duplicate, formula, no_name]
    job = run(user, ledger(tmp_path / "xp.xlsx", rows))
    assert job.status == JobStatus.DONE
    assert (job.created, job.updated, job.rejected) == (8, 0, 5)
    problems = report_rows(job)
    by_row = {r[0]: (r[1], r[2]) for r in problems}
    # Row numbers are the sheet's: a title row, the header, then the data from row 3.
    assert by_row[10][0] == "公民身份号码" and "校验位不正确" in by_row[10][1]
    assert by_row[11][0] == "联系电话" and "格式不正确" in by_row[11][1]
    assert "与第 4 行的身份证号重复" in by_row[14][1]
    assert "公式" in by_row[15][1]
    assert by_row[16] == ("姓名", "姓名为空")
    assert Person.objects.get(id_number=wide_phone[2]).phone == "13905801234"
    # Never half a row: the refused rows left nothing behind, not even their house.
    assert not Person.objects.filter(id_number__in=[bad_phone[2], formula[2]]).exists()
    first = Person.objects.get(id_number=good[0][2])
    assert first.house.address == "兴普小区2号楼101室" and first.grid.name == "兴普一网格"
    assert first.birth_date.year == 1941 and first.gender in ("M", "F")
    assert AuditEntry.objects.filter(action="people.import.done", target_id=str(job.pk)).exists()


def test_importing_again_updates_and_never_duplicates(user, tmp_path):
    rows = [person_row(i) for i in range(1, 6)]
    run(user, ledger(tmp_path / "a.xlsx", rows))
    rows[0][3] = "13700001111"
    again = run(user, ledger(tmp_path / "b.xlsx", rows))
    assert (again.created, again.updated, again.rejected) == (0, 5, 0)
    assert Person.objects.filter(id_number=rows[0][2]).count() == 1
    assert Person.objects.get(id_number=rows[0][2]).phone == "13700001111"
    assert Person.objects.get(id_number=rows[6 % 5][2]).tags.count() == 0


def test_a_merged_two_row_header_and_an_empty_first_sheet(user, tmp_path):
    book = Workbook()
    book.active.title = "封面"
    sheet = book.create_sheet("台账")
    sheet.append(["兴普社区人口台账（2026年）"])
    sheet.merge_cells("A1:E1")
    sheet.append(["姓名", "身份证号码", "联系方式", None, "备注"])
    sheet.merge_cells("C2:D2")
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.append([None, None, "手机", "住址", None])
    for i in range(1, 4):
        r = person_row(i)
        sheet.append([r[1], r[2], r[3], f"文康花园{i}幢", "—"])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    opened = open_sheet(path)
    opened.close()
    assert opened.headers[:4] == ["姓名", "身份证号码", "手机", "住址"] and opened.header_row == 3
    job = run(user, path)
    assert (job.created, job.rejected) == (3, 0)


def test_a_header_the_platform_does_not_know_is_mapped_by_hand(user, tmp_path):
    path = ledger(tmp_path / "odd.xlsx", [person_row(1)[1:4]], headers=["名", "证件号", "电话"], title=None)
    with pytest.raises(ValidationFailed) as refused:
        run(user, path)
    assert "身份证号" in refused.value.errors["mapping"][0]
    job = run(user, path, mapping={"名": "name", "证件号": "id_number", "电话": "phone"})
    assert job.created == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel（.xls）"),
        ("姓名,身份证号\n张三,110105194912310021\n".encode(), "CSV"),
        (b"", "文件是空的"),
        (b"PK\x03\x04broken", "无法读取"),
    ],
)
def test_files_that_are_not_xlsx_are_refused_before_anything_is_queued(user, content, message):
    with pytest.raises(ValidationFailed) as refused:
        import_job_create(actor=user("community_xp"), community=XP, file_name="x", content=io.BytesIO(content))
    assert message in refused.value.errors["file"][0]


def test_an_empty_workbook_and_a_50_mb_file(user, tmp_path):
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    with pytest.raises(ValidationFailed) as refused:
        run(user, empty)
    assert "没有数据" in refused.value.errors["file"][0]
    big = tmp_path / "big.xlsx"
    with big.open("wb") as out:
        out.write(b"PK\x03\x04")
        out.seek(50 * 1024 * 1024)
        out.write(b"\0")
    with pytest.raises(ValidationFailed) as refused:
        run(user, big)
    assert "超过 20 MB" in refused.value.errors["file"][0]


def test_someone_registered_in_another_community_is_not_taken_over(user, tmp_path):
    row = person_row(1)
    row[7] = ""
    with ledger(tmp_path / "wk.xlsx", [row]).open("rb") as content:
        job = import_job_create(actor=user("street_dg"), community="330903003008", file_name="wk", content=content)
    assert import_run(job_id=job.pk).created == 1
    again = run(user, ledger(tmp_path / "xp.xlsx", [row]))
    assert again.rejected == 1 and "其他社区" in report_rows(again)[0][2]
    assert Person.objects.get(id_number=row[2]).community.code == "330903003008"


def test_only_the_communitys_own_staff_may_import(user, tmp_path):
    path = ledger(tmp_path / "x.xlsx", [person_row(1)])
    from gongzhi.core.errors import NotFound

    for who in ("grid_xp1", "org_a", "resident_a", "dept_wj"):
        with path.open("rb") as content, pytest.raises(NotFound):
            import_job_create(actor=user(who), community=XP, file_name="x", content=content)


def test_the_command_prints_the_counts_and_where_the_report_is(demo, tmp_path, capsys):
    rows = [person_row(i) for i in range(1, 5)]
    rows[1][2] = "123"
    path = ledger(tmp_path / "cli.xlsx", rows)
    call_command("people_import", str(path), "--community", XP)
    out = capsys.readouterr().out
    assert "读取 read: 4" in out and "新增 created: 3" in out and "未导入 rejected: 1" in out
    assert "更新 updated: 0" in out and ".xlsx" in out.split("row report:")[1]
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("people_import", str(tmp_path / "missing.xlsx"), "--community", XP)
    (tmp_path / "x.csv").write_text("姓名,身份证号\n")
    with pytest.raises(CommandError, match="CSV"):
        call_command("people_import", str(tmp_path / "x.csv"), "--community", XP)
    assert House.objects.filter(address__startswith="兴普小区").exists()


def test_header_names_are_in_the_factory():
    assert {"姓名", "公民身份号码", "联系电话", "住址", "楼栋", "门牌号"} <= set(HEADERS)
