"""Importing the public division lists: idempotent, filterable, and honest about bad rows."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.areas.models import Area, Level
from gongzhi.areas.selectors import area_ancestors, area_children, area_subtree, communities_in
from gongzhi.areas.services import import_divisions, short_name
from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import ValidationFailed

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(DATA.glob("putuo_*.csv"))


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_reimport_of_the_demo_files_changes_nothing(demo):
    before = Area.objects.count()
    audit_before = AuditEntry.objects.count()
    report = import_divisions(actor=None, files=FILES)
    assert (report.created, report.updated, report.errors) == (0, 0, [])
    assert report.unchanged == sum(1 for f in FILES for _ in f.open(encoding="utf-8")) - len(FILES)
    assert Area.objects.count() == before
    assert AuditEntry.objects.count() == audit_before  # nothing changed, nothing to audit


def test_command_reports_counts_in_chinese(demo):
    out = io.StringIO()
    call_command("import_areas", *[str(f) for f in FILES], stdout=out, stderr=io.StringIO())
    assert "新增 created 0，更新 updated 0" in out.getvalue()


def test_only_keeps_the_prefix_and_its_ancestors(db, tmp_path):
    files = [
        write(tmp_path, "p.csv", 'code,name\n44,"广东省"\n'),
        write(tmp_path, "c.csv", 'code,name,provinceCode\n4401,"广州市",44\n4402,"韶关市",44\n'),
        write(tmp_path, "a.csv", 'code,name,cityCode\n440103,"荔湾区",4401\n440203,"武江区",4402\n'),
        write(tmp_path, "s.csv", 'code,name,areaCode\n440103001,"沙面街道",440103\n440203001,"新华街道",440203\n'),
        write(
            tmp_path,
            "v.csv",
            'code,name,streetCode\n440103001001,"沙面社区居委会",440103001\n'
            '440203001001,"新华社区居民委员会",440203001\n',
        ),
    ]
    report = import_divisions(actor=None, files=files, only="440103")
    assert report.created == 5
    assert report.skipped == 4
    assert set(Area.objects.filter(code__startswith="44").values_list("code", flat=True)) == {
        "44",
        "4401",
        "440103",
        "440103001",
        "440103001001",
    }
    community = Area.objects.get(code="440103001001")
    assert community.path == "44/4401/440103/440103001/440103001001/"
    assert (community.level, community.depth, community.short_name) == (Level.COMMUNITY, 4, "沙面社区")
    assert community.parent.code == "440103001"
    assert AuditEntry.objects.filter(action="areas.divisions.imported", data__only="440103").exists()

    # The rest arrives later and hangs under the ancestors already there.
    report = import_divisions(actor=None, files=files)
    assert (report.created, report.updated, report.unchanged) == (4, 0, 5)
    assert Area.objects.get(code="440203001001").path == "44/4402/440203/440203001/440203001001/"


def test_renamed_area_is_updated(db, tmp_path):
    files = [
        write(tmp_path, "p.csv", 'code,name\n45,"广西壮族自治区"\n'),
        write(tmp_path, "c.csv", 'code,name,provinceCode\n4501,"南宁市",45\n'),
    ]
    import_divisions(actor=None, files=files)
    renamed = write(tmp_path, "c.csv", 'code,name,provinceCode\n4501,"南宁",45\n')
    report = import_divisions(actor=None, files=[files[0], renamed])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Area.objects.get(code="4501").name == "南宁"


def test_missing_parent_is_reported_not_crashed(db, tmp_path):
    orphan = write(
        tmp_path,
        "v.csv",
        'code,name,streetCode\n469999999001,"无主社区居委会",469999999\n330903003099,"新建社区居委会",330903003\n',
    )
    report = import_divisions(actor=None, files=[orphan])
    assert report.created == 1  # the row whose street exists
    assert len(report.errors) == 1
    assert "469999999001" in report.errors[0] and "找不到上级 469999999" in report.errors[0]
    assert not Area.objects.filter(code="469999999001").exists()
    assert Area.objects.get(code="330903003099").parent.code == "330903003"

    err = io.StringIO()
    with pytest.raises(CommandError, match="1 行有错误"):
        call_command("import_areas", str(orphan), stdout=io.StringIO(), stderr=err)
    assert "找不到上级 469999999" in err.getvalue()


def test_invalid_rows_are_reported(db, tmp_path):
    bad = write(tmp_path, "v.csv", 'code,name\n12345,"五位代码"\n3309x3,"字母"\n330904,\n')
    report = import_divisions(actor=None, files=[bad])
    assert report.created == 0
    assert [e.split("：")[0] for e in report.errors] == ["v.csv 第 2 行", "v.csv 第 3 行", "v.csv 第 4 行"]


@pytest.mark.parametrize(
    ("name", "text", "encoding"),
    [
        ("no_header.csv", "330903,普陀区\n", "utf-8"),
        ("wrong_header.csv", "代码,名称\n330903,普陀区\n", "utf-8"),
        ("empty.csv", "", "utf-8"),
        ("gbk.csv", "code,name\n330903,普陀区\n", "gbk"),
    ],
)
def test_bad_file_is_a_chinese_command_error(db, tmp_path, name, text, encoding):
    path = write(tmp_path, name, text, encoding)
    with pytest.raises(CommandError) as exc:
        call_command("import_areas", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert name in str(exc.value)
    assert "区划表" in str(exc.value) or "UTF-8" in str(exc.value)
    with pytest.raises(ValidationFailed):
        import_divisions(actor=None, files=[path])


def test_missing_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_areas", str(tmp_path / "nope.csv"), stdout=io.StringIO())


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("兴普社区居委会", "兴普社区"),
        ("兴普社区居民委员会", "兴普社区"),
        ("葫芦村村委会", "葫芦村"),
        ("葫芦村村民委员会", "葫芦村"),
        ("马峙村委会", "马峙村"),
        ("东岙村委会", "东岙村"),
        ("莲兴社区村委会", "莲兴社区"),
        ("普陀区", "普陀区"),
        ("东港街道", "东港街道"),
        ("村委会", "村委会"),
    ],
)
def test_short_name(name, short):
    assert short_name(name) == short


@given(st.text(min_size=1, max_size=20))
def test_short_name_is_a_stable_non_empty_name(name):
    short = short_name(name)
    assert short
    assert short_name(short) == short


def test_demo_short_names_read_like_people_say_them(demo):
    assert Area.objects.get(code="330903003005").short_name == "兴普社区"
    assert Area.objects.get(code="330903001200").short_name == "马峙村"
    assert (
        not Area.objects.filter(level=Level.COMMUNITY, short_name__endswith="委会")
        .exclude(name__endswith="居委会")
        .exclude(short_name__endswith="社区")
        .exists()
    )


def test_subtree_and_ancestors_follow_the_path(demo):
    street = Area.objects.get(code="330903003")
    subtree = set(area_subtree(street).values_list("code", flat=True))
    assert {"330903003", "330903003005", "330903003008", "330903003005-001", "330903003008-002"} <= subtree
    assert not any(code.startswith("330903001") for code in subtree)
    assert "330903003" not in set(area_subtree(street, include_self=False).values_list("code", flat=True))
    assert set(communities_in(street).values_list("level", flat=True)) == {Level.COMMUNITY}
    grid = Area.objects.get(code="330903003005-001")
    assert [a.code for a in area_ancestors(grid)] == ["33", "3309", "330903", "330903003", "330903003005"]
    assert grid.is_within(street) and not street.is_within(grid)
    assert [a.code for a in area_children(Area.objects.get(code="330903003005"))] == [
        "330903003005-001",
        "330903003005-002",
        "330903003005-003",
    ]
