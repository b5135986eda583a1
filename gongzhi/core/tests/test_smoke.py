"""The shell answers: public home, login page, API docs and schema."""

import pytest


@pytest.mark.parametrize("url", ["/", "/login/", "/api/v1/docs", "/api/v1/openapi.json", "/health"])
def test_public_pages_answer(web, url):
    response = web(None).get(url)
    assert response.status_code == 200


def test_home_is_chinese(web):
    body = web(None).get("/").content.decode()
    assert "共治：大家的事，大家一起办" in body
    assert 'lang="zh-hans"' in body
