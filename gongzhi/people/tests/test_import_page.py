"""The import on the page: upload, the column-mapping step, the queued task, the progress fragment, the report."""

from __future__ import annotations

import io

from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from gongzhi.people.models import ImportJob, JobStatus, Person
from gongzhi.people.tasks import run_import
from gongzhi.people.tests.factories import ledger, person_row


def test_upload_map_queue_progress_and_report(web, tmp_path, django_capture_on_commit_callbacks):
    rows = [person_row(i) for i in range(1, 6)]
    rows[2][2] = "330999"  # too short
    path = ledger(
        tmp_path / "台账.xlsx",
        rows,
        headers=["序号", "姓名", "证件号", "手机", "住址", "楼栋", "门牌号", "网格", "备注"],
    )
    client = web("community_xp")
    with path.open("rb") as f:
        step2 = client.post("/people/import/", {"community": "330903003005", "file": f})
    html = step2.content.decode()
    assert step2.status_code == 200 and 'data-testid="mapping"' in html
    token = html.split('name="token" value="')[1].split('"')[0]
    headers = ["序号", "姓名", "证件号", "手机", "住址", "楼栋", "门牌号", "网格", "备注"]
    fields = ["", "name", "id_number", "phone", "address", "building", "room", "grid", ""]
    # Without saying which column holds the ID number the import does not start.
    refused = client.post(
        "/people/import/",
        {
            "token": token,
            "community": "330903003005",
            "file_name": "台账.xlsx",
            "header": headers,
            "field": [*fields[:2], "", *fields[3:]],
        },
    )
    assert refused.status_code == 422 and "身份证号" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/people/import/",
            {"token": token, "community": "330903003005", "file_name": "台账.xlsx", "header": headers, "field": fields},
        )
    job = ImportJob.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/people/import/{job.pk}/"
    queued = DBTaskResult.objects.get(task_path="gongzhi.people.tasks.run_import")
    assert queued.args_kwargs["args"] == [job.pk]
    page = client.get(f"/people/import/{job.pk}/").content.decode()
    assert 'data-status="queued"' in page and 'hx-trigger="every 1s"' in page
    run_import.call(job.pk)  # what the worker does with the queued row
    fragment = client.get(f"/people/import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="done"' in fragment and "hx-trigger" not in fragment and 'value="100"' in fragment
    assert "新增 4" in fragment and "未导入 1" in fragment
    report = client.get(f"/people/import/{job.pk}/report/")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)))["未导入的行"]
    assert [c.value for c in sheet[2]][:2] == [5, "证件号"]
    assert Person.objects.filter(source_job=job).count() == 4
    assert ImportJob.objects.get().status == JobStatus.DONE
    # Other communities' staff and outsiders do not see the job.
    for who in ("org_a", "grid_xp1", "resident_a"):
        assert web(who).get(f"/people/import/{job.pk}/").status_code == 404
        assert web(who).get(f"/people/import/{job.pk}/report/").status_code == 404


def test_a_token_not_from_this_session_is_refused(web):
    response = web("community_xp").post("/people/import/", {"token": "upload-20261205000000000000.xlsx"})
    assert response.status_code == 404


def test_wrong_files_are_refused_on_the_page(web):
    client = web("community_xp")
    csv = io.BytesIO("姓名,身份证号\n".encode())
    csv.name = "台账.csv"
    response = client.post("/people/import/", {"community": "330903003005", "file": csv})
    assert response.status_code == 422 and "另存为" in response.content.decode()
