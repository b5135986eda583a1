"""Masking per role on every page and export of the people base, reveal with a reason (logged and audited),
the access log for the community and the bureau, a resident's own data, anonymisation, outsiders."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEntry
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.people import privacy, selectors, services
from gongzhi.people.models import Person, RevealLog

DOCS = Path(__file__).resolve().parents[3] / "docs" / "people.md"
PAGES = ["/people/", "/people/birthdays/", "/people/import/", "/people/access/", "/people/export/"]


@pytest.fixture
def someone(demo):
    """A demo resident of 兴普一网格 who is not resident_a."""
    return Person.objects.filter(grid__code="330903003005-001", user__isnull=True).order_by("id").first()


def test_the_docs_show_the_current_sharing_classes():
    assert privacy.markdown() in DOCS.read_text(encoding="utf-8")


def test_community_staff_see_names_but_never_full_phones_or_id_numbers(web, someone):
    for who in ("community_xp", "grid_xp1", "street_dg", "mzj"):
        html = web(who).get("/people/?area=330903003005-001").content.decode()
        assert someone.phone not in html and someone.id_number not in html, who
        assert someone.phone[:3] + "****" + someone.phone[-4:] in html, who
    assert someone.name in web("community_xp").get("/people/").content.decode()
    # Street and bureau staff see names masked too.
    assert someone.name not in web("mzj").get("/people/?area=330903003005-001").content.decode()


def test_a_grid_worker_sees_only_their_grid(web, user, demo):
    theirs = selectors.person_list(user("grid_xp1"))
    assert theirs.count() > 0 and not theirs.exclude(grid__code="330903003005-001").exists()
    other = Person.objects.filter(grid__code="330903003005-002").first()
    assert f'data-person="{other.pk}"' not in web("grid_xp1").get("/people/?page=1").content.decode()
    assert selectors.person_list(user("community_xp")).filter(community__code="330903003008").count() == 0


@pytest.mark.parametrize("url", PAGES)
def test_outsiders_get_404_and_anonymous_is_sent_to_login(web, url):
    for who in ("org_a", "dept_wj", "resident_b", "expert_a"):
        assert web(who).get(url).status_code == 404, (who, url)
    response = web(None).get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_reveal_needs_a_reason_is_logged_and_audited(web, someone):
    client = web("community_xp")
    missing = client.post(f"/people/{someone.pk}/reveal/", {"field": "phone", "reason": ""})
    assert missing.status_code == 422 and "事由" in missing.content.decode()
    shown = client.post(f"/people/{someone.pk}/reveal/", {"field": "phone", "reason": "上门走访前电话联系"})
    assert shown.status_code == 200 and someone.phone in shown.content.decode()
    log = RevealLog.objects.get(person=someone)
    assert (log.actor.username, log.field, log.reason) == ("community_xp", "phone", "上门走访前电话联系")
    entry = AuditEntry.objects.get(action="people.person.revealed", target_id=str(someone.pk))
    assert entry.data["reason"] == "上门走访前电话联系" and someone.name not in entry.target_label
    # The community and the bureau see it in the access log; the street too; others do not.
    for who in ("community_xp", "mzj", "street_dg"):
        assert "上门走访前电话联系" in web(who).get("/people/access/").content.decode(), who
    assert web("grid_xp1").get("/people/access/").status_code == 404


def test_who_may_reveal_what(user, someone):
    reason = "核实低保申请信息"
    assert services.person_reveal(actor=user("community_xp"), person_id=someone.pk, field="id_number", reason=reason)
    assert services.person_reveal(actor=user("grid_xp1"), person_id=someone.pk, field="phone", reason=reason)
    with pytest.raises(PermissionDenied):
        services.person_reveal(actor=user("grid_xp1"), person_id=someone.pk, field="id_number", reason=reason)
    from gongzhi.core.errors import NotFound

    for outsider in ("org_a", "resident_b", "dept_wj"):
        with pytest.raises(NotFound):
            services.person_reveal(actor=user(outsider), person_id=someone.pk, field="phone", reason=reason)
    with pytest.raises(ValidationFailed):
        services.person_reveal(actor=user("community_xp"), person_id=someone.pk, field="gender", reason=reason)
    assert RevealLog.objects.filter(person=someone).count() == 2


def test_exports_are_masked_per_viewer(web, someone):
    response = web("community_xp").get("/people/export/?area=330903003005-001")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    flat = json.dumps(rows, ensure_ascii=False, default=str)
    assert someone.name in flat and someone.phone not in flat and someone.id_number not in flat


def test_birthdays_page_export_and_command(web, demo, capsys):
    html = web("community_xp").get("/people/birthdays/?days=30").content.decode()
    assert 'data-testid="birthdays"' in html and html.count("<tr>") >= 2
    export = web("community_xp").get("/people/birthdays/?days=30&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert sheet["A1"].value == "未来 30 天 60 岁以上居民生日" and sheet.max_row >= 3
    call_command("people_birthdays", "--community", "330903003005", "--days", "30")
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines()[2:] if line]
    assert lines and all("**" in line.split("\t")[3] for line in lines)
    assert all("****" in line.split("\t")[4] for line in lines)


def test_a_resident_sees_and_exports_their_own_data_and_who_looked(web, user, demo):
    mine = Person.objects.get(user__username="resident_a")
    services.person_reveal(actor=user("community_xp"), person_id=mine.pk, field="phone", reason="确认助餐配送电话")
    client = web("resident_a")
    html = client.get("/people/me/").content.decode()
    assert mine.id_number in html and "确认助餐配送电话" in html and "兴普社区 陈书记" in html
    data = json.loads(client.get("/people/me/?format=json").content)
    assert data["公民身份号码"] == mine.id_number and data["数据访问记录"][0]["事由"] == "确认助餐配送电话"
    book = load_workbook(io.BytesIO(b"".join(client.get("/people/me/?format=xlsx").streaming_content)))
    assert book["我的信息"]["B1"].value == "张阿姨"
    # Another resident has no record of their own and sees none of hers.
    assert mine.id_number not in web("resident_b").get("/people/me/").content.decode()


def test_an_admin_anonymises_and_statistics_keep_counting(user, someone):
    before = Person.objects.filter(grid=someone.grid).count()
    with pytest.raises(PermissionDenied):
        services.person_anonymise(actor=user("community_xp"), person_id=someone.pk, reason="本人申请删除")
    services.person_anonymise(actor=user("admin"), person_id=someone.pk, reason="本人申请删除")
    gone = Person.objects.get(pk=someone.pk)
    assert (gone.name, gone.id_number, gone.phone, gone.house_id, gone.birth_md) == ("已匿名", None, "", None, None)
    assert gone.gender == someone.gender and gone.birth_date.year == someone.birth_date.year
    assert Person.objects.filter(grid=someone.grid).count() == before
    assert not Person.objects.filter(name=someone.name, pk=someone.pk).exists()
    assert someone.name not in json.dumps(
        list(AuditEntry.objects.filter(target_id=str(someone.pk)).values("target_label", "data")), ensure_ascii=False
    )


def test_api_payloads_are_masked_per_role_and_outsiders_see_nothing(api, someone):
    for who in ("community_xp", "grid_xp1", "street_dg", "mzj"):
        response = api(who).get("people", area="330903003005-001", page_size=200)
        assert response.status_code == 200
        text = response.content.decode()
        assert someone.phone not in text and someone.id_number not in text, who
        assert str(someone.pk) in text
        birthdays = api(who).get("people/birthdays", days=60).content.decode()
        assert '"person"' in birthdays
        for person in Person.objects.filter(community__code="330903003005"):
            assert person.phone not in birthdays and person.id_number not in birthdays, who
    for who in ("org_a", "dept_wj", "resident_b"):
        assert api(who).get("people").json() == []
        assert (
            api(who).post(f"people/{someone.pk}/reveal", {"field": "phone", "reason": "看看电话号码"}).status_code
            == 404
        )
    assert api(None).get("people").status_code == 401
    shown = api("community_xp").post(f"people/{someone.pk}/reveal", {"field": "phone", "reason": "核实联系方式"})
    assert shown.json() == {"field": "phone", "value": someone.phone}
    assert api("community_xp").post(f"people/{someone.pk}/reveal", {"field": "phone", "reason": ""}).status_code == 422
    assert api("resident_a").get("people/me").json()["姓名"] == "张阿姨"
    assert api("resident_b").get("people/me").status_code == 404
