"""Annual reports, evaluation grades and the eligibility selector."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import IllegalState, NotFound, ValidationFailed
from gongzhi.orgs.models import AnnualReport, Organization
from gongzhi.orgs.selectors import org_eligibility, org_issues
from gongzhi.orgs.services import (
    annual_report_return,
    annual_report_review,
    annual_report_save,
    annual_report_submit,
    grade_valid_until,
    member_invite,
    org_deregister,
    org_mark_abnormal,
    org_set_grade,
)

pytestmark = pytest.mark.django_db
LAST_YEAR = timezone.localdate().year - 1
FULL = {
    "activities": "开展助老服务 1200 人次",
    "income": Decimal("500000"),
    "expense": "480000.50",
    "staff_count": 6,
    "party_org": "joint",
}


@pytest.fixture
def org(registered, user):
    """A registered organization (since 2020) whose admin is resident_b."""
    Organization.objects.filter(pk=registered.pk).update(registered_on=date(2020, 1, 1))
    registered.refresh_from_db()
    from gongzhi.orgs.services.members import add_member

    add_member(actor=user("mzj"), org=registered, username="resident_b", role="admin")
    return registered


def _submitted(org, user):
    report = annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, **FULL)
    return annual_report_submit(actor=user("resident_b"), report=report)


def test_fill_submit_review(org, user):
    report = annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, activities="草稿")
    assert report.status == "draft"
    report = annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, **FULL)
    assert report.expense == Decimal("480000.50")
    report = annual_report_submit(actor=user("resident_b"), report=report)
    assert report.status == "submitted" and report.submitted_at is not None
    report = annual_report_review(actor=user("mzj"), report=report, result="pass")
    assert (report.status, report.result) == ("reviewed", "pass")
    actions = list(
        AuditEntry.objects.filter(target_type="orgs.annualreport", target_id=str(report.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "orgs.annual_report.saved",
        "orgs.annual_report.saved",
        "orgs.annual_report.submitted",
        "orgs.annual_report.reviewed",
    ]


def test_submission_needs_the_required_parts(org, user):
    report = annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, activities="只写了活动")
    with pytest.raises(ValidationFailed) as err:
        annual_report_submit(actor=user("resident_b"), report=report)
    assert {"income", "expense", "staff_count", "party_org"} <= set(err.value.errors)
    assert "提交前请填写本年收入" in err.value.errors["income"]


def test_bad_numbers_are_refused_in_chinese(org, user):
    with pytest.raises(ValidationFailed) as err:
        annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, income="十万", staff_count=-1)
    assert "数字" in err.value.errors["income"][0] and "整数" in err.value.errors["staff_count"][0]


def test_year_must_be_a_past_year_after_registration(org, user):
    for year in (LAST_YEAR + 1, 2019, 1990):
        with pytest.raises(ValidationFailed) as err:
            annual_report_save(actor=user("resident_b"), org=org, year=year, activities="x")
        assert "年度应在 2020 到" in err.value.errors["year"][0]


def test_submitted_reports_are_frozen_until_returned(org, user):
    report = _submitted(org, user)
    with pytest.raises(IllegalState) as err:
        annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, activities="改一下")
    assert err.value.extra["state"] == "submitted"
    annual_report_return(actor=user("mzj"), report=report, note="请补充财务数据说明")
    report = annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, activities="已补充")
    assert report.status == "returned"
    report = annual_report_submit(actor=user("resident_b"), report=report)
    assert report.status == "submitted"


def test_review_guards(org, user):
    report = annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, **FULL)
    with pytest.raises(IllegalState):
        annual_report_review(actor=user("mzj"), report=report, result="pass")
    report = annual_report_submit(actor=user("resident_b"), report=report)
    with pytest.raises(ValidationFailed) as err:
        annual_report_review(actor=user("mzj"), report=report, result="fail")
    assert "原因" in err.value.errors["note"][0]
    with pytest.raises(ValidationFailed):
        annual_report_review(actor=user("mzj"), report=report, result="excellent")
    report = annual_report_review(actor=user("mzj"), report=report, result="fail", note="财务混乱")
    with pytest.raises(IllegalState):
        annual_report_review(actor=user("mzj"), report=report, result="pass")


def test_only_the_org_fills_and_only_civil_affairs_reviews(org, user):
    for outsider in ("org_a", "mzj", "community_xp", "resident_a"):
        with pytest.raises(NotFound):
            annual_report_save(actor=user(outsider), org=org, year=LAST_YEAR, **FULL)
    report = _submitted(org, user)
    for outsider in ("org_a", "resident_b", "street_dg", "resident_a"):
        with pytest.raises(NotFound):
            annual_report_review(actor=user(outsider), report=report, result="pass")
    assert AnnualReport.objects.get(pk=report.pk).status == "submitted"


def test_deregistered_organizations_file_nothing(org, user):
    org_deregister(actor=user("mzj"), org=org, reason="解散")
    with pytest.raises(IllegalState):
        annual_report_save(actor=user("resident_b"), org=org, year=LAST_YEAR, **FULL)


# ---- grades --------------------------------------------------------------------------------------------


def test_grade_validity_is_five_years():
    assert grade_valid_until(date(2023, 11, 10)) == date(2028, 11, 9)
    assert grade_valid_until(date(2024, 2, 29)) == date(2029, 2, 28)
    assert grade_valid_until(date(2024, 3, 1)) == date(2029, 2, 28)


def test_set_grade_and_expiry(org, user):
    award = org_set_grade(actor=user("mzj"), org=org, grade=4, awarded_on=date(2024, 5, 1))
    org.refresh_from_db()
    assert (org.grade, org.grade_valid_until) == (4, award.valid_until)
    assert org.grade_valid(date(2029, 4, 30)) and not org.grade_valid(date(2029, 5, 1))
    # An older assessment entered late stays in the history but does not replace the newer grade.
    org_set_grade(actor=user("mzj"), org=org, grade=2, awarded_on=date(2019, 5, 1))
    org.refresh_from_db()
    assert org.grade == 4 and org.grade_awards.count() == 2


def test_grade_input_and_permission(org, user):
    with pytest.raises(ValidationFailed):
        org_set_grade(actor=user("mzj"), org=org, grade=6, awarded_on=date(2024, 5, 1))
    with pytest.raises(ValidationFailed):
        org_set_grade(actor=user("mzj"), org=org, grade=3, awarded_on=timezone.localdate() + timedelta(days=1))
    for outsider in ("resident_b", "street_dg", "org_a"):
        with pytest.raises(NotFound):
            org_set_grade(actor=user(outsider), org=org, grade=5, awarded_on=date(2024, 5, 1))


# ---- eligibility ---------------------------------------------------------------------------------------


def test_eligibility_reasons(org, user):
    kwargs = {"min_grade": 3, "require_report_year": LAST_YEAR}
    assert org_eligibility(org, **kwargs) == ["尚未取得评估等级（要求 3A 及以上）", f"{LAST_YEAR} 年度报告未提交"]
    org_set_grade(actor=user("mzj"), org=org, grade=2, awarded_on=date(2024, 5, 1))
    report = _submitted(org, user)
    org.refresh_from_db()
    assert org_eligibility(org, **kwargs) == ["评估等级为 2A，低于要求的 3A", f"{LAST_YEAR} 年度报告尚未审核"]
    org_set_grade(actor=user("mzj"), org=org, grade=4, awarded_on=date(2024, 6, 1))
    annual_report_review(actor=user("mzj"), report=report, result="basic", note="账目需规范")
    org.refresh_from_db()
    assert org_eligibility(org, **kwargs) == []
    assert org_eligibility(org, **kwargs, report_must_pass=True) == [f"{LAST_YEAR} 年度检查为基本合格（要求合格）"]
    assert org_eligibility(org, **kwargs, on=date(2029, 6, 1)) == ["评估等级 4A 已于 2029-05-31 过期（要求 3A 及以上）"]
    assert org_eligibility(org, min_grade=None, require_report_year=None) == []


def test_eligibility_counts_failed_reports_and_bad_standing(org, user):
    report = _submitted(org, user)
    annual_report_review(actor=user("mzj"), report=report, result="fail", note="未开展活动")
    org_mark_abnormal(actor=user("mzj"), org=org, reason="年检不合格")
    org.refresh_from_db()
    assert org_eligibility(org, min_grade=None, require_report_year=LAST_YEAR) == [
        "组织状态为“异常名录”：年检不合格",
        f"{LAST_YEAR} 年度检查不合格",
    ]


def test_record_flags_a_missing_report(org):
    assert f"{LAST_YEAR} 年度报告未提交" in org_issues(org)
    # A group registered this year owes no report for last year.
    Organization.objects.filter(pk=org.pk).update(registered_on=timezone.localdate())
    org.refresh_from_db()
    assert org_issues(org) == []


def test_demo_reports_and_grades(demo):
    yijia = Organization.objects.get(name="舟山市普陀区益家亲社会工作服务中心")
    # Its 3A of June 2021 has run out; its 2025 report passed with remarks.
    assert org_eligibility(yijia, min_grade=3, require_report_year=2025, on=date(2026, 11, 22)) == [
        "评估等级 3A 已于 2026-06-14 过期（要求 3A 及以上）"
    ]
    mental = Organization.objects.get(name="舟山市普陀区心理健康促进会")
    assert mental.status == "abnormal"
    assert "2025 年度报告未提交" in org_eligibility(mental, min_grade=None, require_report_year=2025)


def test_invite_is_refused_for_unknown_accounts(org, user):
    with pytest.raises(ValidationFailed) as err:
        member_invite(actor=user("resident_b"), org=org, username="no_such_user", role="member")
    assert "找不到用户名" in err.value.errors["username"][0]


def test_the_organization_hears_the_conclusion_and_a_return(org, user):
    from gongzhi.notify.models import Notification

    report = _submitted(org, user)
    annual_report_return(actor=user("mzj"), report=report, note="请补充财务数据说明")
    returned = Notification.objects.get(recipient=user("resident_b"), kind="orgs.annual_report.returned")
    assert "退回" in returned.title and returned.body == "请补充财务数据说明"
    assert returned.url == f"/orgs/{org.pk}/reports/{LAST_YEAR}/"
    report = annual_report_submit(actor=user("resident_b"), report=report)
    annual_report_review(actor=user("mzj"), report=report, result="basic", note="财务制度需完善")
    reviewed = Notification.objects.get(recipient=user("resident_b"), kind="orgs.annual_report.reviewed")
    assert "基本合格" in reviewed.title
