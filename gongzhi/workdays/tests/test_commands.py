"""The operators' commands: calendar_import (CSV) and calendar_status."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongzhi.audit.models import AuditEntry
from gongzhi.cli import translate_argv
from gongzhi.workdays.models import CalendarYear
from gongzhi.workdays.selectors import CHINA, add_working_days, is_workday

from .conftest import CSV_2027, HOLIDAYS_2027

pytestmark = pytest.mark.django_db


def run(name, *args, **options):
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def write(text, encoding="utf-8"):
        path = tmp_path / "2027.csv"
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def test_cli_name_maps_to_the_command():
    assert translate_argv(["calendar-import", "f.csv", "--year", "2027"]) == [
        "calendar_import",
        "f.csv",
        "--year",
        "2027",
    ]


def test_import_enters_the_year(csv_file, user):
    out, _err = run("calendar_import", csv_file(CSV_2027), year=2027, source="国办发明电〔测试〕1号", by="admin")
    assert "已录入" in out and "放假 12 天，调休上班 1 天" in out
    assert "春节：放假 2027-02-05 … 2027-02-13 共 9 天；调休上班 2027-02-20" in out
    entry = CalendarYear.objects.get(year=2027)
    assert entry.entered_by == user("admin") and entry.source == "国办发明电〔测试〕1号"
    assert entry.days.count() == len(HOLIDAYS_2027) + 1
    assert add_working_days(datetime(2026, 12, 30, 10, tzinfo=CHINA), 2).date() == date(2027, 1, 4)
    assert AuditEntry.objects.filter(action="workdays.year.entered", actor=user("admin")).exists()


def test_import_reads_an_excel_gbk_file(csv_file):
    path = csv_file("日期,类型,名称\r\n2027/1/1,放假,元旦\r\n2027/2/20,上班,春节\r\n", encoding="gb18030")
    run("calendar_import", path, year=2027, source="测试")
    assert not is_workday(date(2027, 1, 1)) and is_workday(date(2027, 2, 20))
    assert CalendarYear.objects.get(year=2027).days.get(date=date(2027, 1, 1)).name == "元旦"


def test_dry_run_saves_nothing(csv_file):
    out, _err = run("calendar_import", csv_file(CSV_2027), year=2027, source="测试", dry_run=True)
    assert "检查通过（未保存）" in out
    assert not CalendarYear.objects.exists()


def test_bad_lines_are_listed_and_nothing_is_saved(csv_file):
    path = csv_file("date,kind,name\n2027-13-01,holiday,元旦\n2027-01-02,off,元旦\n2027-01-03\n")
    with pytest.raises(CommandError) as caught:
        run("calendar_import", path, year=2027, source="测试")
    message = str(caught.value)
    assert "第 2 行：日期“2027-13-01”看不懂" in message
    assert "第 3 行：类型“off”应为 holiday（放假）或 workday（上班）" in message
    assert "第 4 行：应为“日期,类型,名称”三列，实际有 1 列" in message
    assert not CalendarYear.objects.exists()


def test_schedule_errors_stop_the_import(csv_file):
    with pytest.raises(CommandError, match="2027-02-22 是星期一，本来就上班"):
        run("calendar_import", csv_file("2027-01-01,holiday,元旦\n2027-02-22,workday,春节\n"), year=2027, source="测试")
    with pytest.raises(CommandError, match="2027-01-01 不在 2028 年内"):
        run("calendar_import", csv_file(CSV_2027), year=2028, source="测试")
    assert not CalendarYear.objects.exists()


def test_import_refuses_unknown_file_and_user(csv_file, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("calendar_import", str(tmp_path / "none.csv"), year=2027, source="测试")
    with pytest.raises(CommandError, match="找不到用户"):
        run("calendar_import", csv_file(CSV_2027), year=2027, source="测试", by="nobody")


def test_status_warns_when_next_year_is_missing(today, csv_file):
    today(date(2026, 11, 22))
    out, err = run("calendar_status")
    assert "2004–2026" in out
    assert "2027 年的法定节假日安排尚未录入" in err
    run("calendar_import", csv_file(CSV_2027), year=2027, source="国办发明电〔测试〕1号")
    out, err = run("calendar_status")
    assert "2004–2027" in out and "2027 年 人工录入 / entered: 国办发明电〔测试〕1号（13 条" in out
    assert err == ""
