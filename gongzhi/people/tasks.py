"""The import of a ledger, run by the task worker (``gongzhi worker``) after the upload's transaction commits."""

from __future__ import annotations

from django.tasks import task


@task()
def run_import(job_id: int) -> dict[str, int]:
    from gongzhi.people.importing import import_run

    job = import_run(job_id=job_id)
    return {"created": job.created, "updated": job.updated, "rejected": job.rejected}
