"""Every date a user or client sends lies between 2000 and 2099, with a Chinese 422 otherwise; every API error is JSON.

Found by a probe: 500s (OverflowError) for week=0001-01-01 / 9999-12-31 on a resource's calendar (API and page)
and date_from=date_to=9999-12-31 on the resident-needs list and the community-needs export, HTML answers from
the API, and week=0126-06-01 came back with a +08:05:43 offset."""

from __future__ import annotations

import pytest

from gongzhi.orgs.models import Resource


@pytest.fixture
def resource(demo):
    return Resource.objects.filter(active=True).order_by("pk").first()


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "0126-06-01", "1999-12-31", "2100-01-01"])
def test_calendar_weeks_outside_the_range(api, web, resource, week):
    response = api("org_a").get(f"resources/{resource.pk}/calendar", week=week)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert "日期应在 2000-01-01 至 2099-12-31 之间" in response.json()["detail"]
    page = web("org_a").get(f"/resources/{resource.pk}/", {"week": week})
    assert page.status_code == 200  # a link with a strange week shows this week
    assert "+08:05" not in page.content.decode()


def test_calendar_in_range_still_works(api, resource):
    response = api("org_a").get(f"resources/{resource.pk}/calendar", week="2026-06-01")
    assert response.status_code == 200
    assert all(slot["start"].endswith("+08:00") for slot in response.json()["slots"])


@pytest.mark.parametrize("path", ["lists/resident-needs", "lists/community-needs"])
@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_list_dates_outside_the_range(api, path, fmt):
    params = {"date_from": "9999-12-31", "date_to": "9999-12-31"}
    if fmt != "json":
        params["format"] = fmt
    response = api("community_xp").get(path, **params)
    assert response.status_code == 422, response.content[:200]
    assert response.json()["errors"]["date_from"] == ["日期应在 2000-01-01 至 2099-12-31 之间"]


def test_ledger_dates_outside_the_range(api):
    response = api("community_xp").get("ledger", **{"from": "0001-01-01"})
    assert response.status_code == 422


def test_unknown_api_paths_and_errors_are_json(api):
    response = api("community_xp").get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    assert api(None).get("/api/v1/nothing/here").json()["code"] == "not_found"


def test_web_pages_still_answer_html_for_unknown_paths(web):
    response = web("community_xp").get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
