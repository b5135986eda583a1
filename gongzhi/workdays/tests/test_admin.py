"""The Django admin for the calendar, and the admin's workspace warning; outsiders get nothing."""

from datetime import date

import pytest

from gongzhi.accounts.models import User
from gongzhi.audit.models import AuditEntry
from gongzhi.workdays.models import CalendarYear
from gongzhi.workdays.selectors import is_workday

LIST = "/admin/workdays/calendaryear/"
ADD = "/admin/workdays/calendaryear/add/"


def form(year, source, rows):
    data = {
        "year": str(year),
        "source": source,
        "days-TOTAL_FORMS": str(len(rows)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        "_save": "1",
    }
    for i, (day, workday, name) in enumerate(rows):
        data |= {f"days-{i}-date": day, f"days-{i}-name": name}
        if workday:
            data[f"days-{i}-is_workday"] = "on"
    return data


def test_admin_enters_a_year_through_the_service(web, user):
    client = web("admin")
    assert client.get(LIST).status_code == 200
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, form(2027, "测试", [("2027-01-01", False, "元旦"), ("2027-02-20", True, "春节")]))
    assert response.status_code == 302
    entry = CalendarYear.objects.get(year=2027)
    assert entry.entered_by == user("admin") and entry.days.count() == 2
    assert AuditEntry.objects.filter(action="workdays.year.entered", target_id=str(entry.pk)).exists()
    assert not is_workday(date(2027, 1, 1)) and is_workday(date(2027, 2, 20))
    assert client.get(f"{LIST}{entry.pk}/change/").status_code == 200


def test_admin_shows_validation_errors_and_saves_nothing(web):
    response = web("admin").post(ADD, form(2027, "测试", [("2027-01-01", False, "元旦"), ("2027-02-22", True, "")]))
    assert response.status_code == 200
    assert "2027-02-22 是星期一，本来就上班" in response.content.decode()
    assert not CalendarYear.objects.exists()


def test_admin_delete_goes_through_the_service(web, enter_2027):
    entry = enter_2027()
    response = web("admin").post(f"{LIST}{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarYear.objects.exists()
    assert AuditEntry.objects.filter(action="workdays.year.removed").exists()


def test_days_are_read_only_outside_their_year(web):
    client = web("admin")
    assert client.get("/admin/workdays/calendarday/").status_code == 200
    assert client.get("/admin/workdays/calendarday/add/").status_code == 403


@pytest.mark.parametrize("url", [LIST, ADD, "/admin/workdays/calendarday/"])
def test_outsiders_cannot_use_the_calendar_admin(web, url):
    assert web(None).get(url).status_code == 302  # to the admin login
    response = web("resident_a").get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    User.objects.create_user("staff_only", is_staff=True)
    assert web("staff_only").get(url).status_code == 403


def test_admin_workspace_warns_in_november_when_next_year_is_missing(web, today, enter_2027):
    today(date(2026, 11, 22))
    body = web("admin").get("/workspace/").content.decode()
    assert 'data-testid="calendar-missing"' in body and "2027 年的法定节假日安排尚未录入" in body
    assert 'data-testid="calendar-missing"' not in web("resident_a").get("/workspace/").content.decode()
    assert 'data-testid="calendar-missing"' not in web("community_xp").get("/workspace/").content.decode()
    enter_2027()
    assert 'data-testid="calendar-missing"' not in web("admin").get("/workspace/").content.decode()


def test_no_warning_early_in_the_year_unless_this_year_is_missing(web, today, enter_2027):
    enter_2027()
    today(date(2027, 3, 1))  # 2028 missing, but not published before autumn
    assert 'data-testid="calendar-missing"' not in web("admin").get("/workspace/").content.decode()
    today(date(2028, 3, 1))  # the current year itself is missing
    body = web("admin").get("/workspace/").content.decode()
    assert "2028 年的法定节假日安排尚未录入" in body and "banner warn" in body
