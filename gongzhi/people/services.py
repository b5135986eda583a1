"""Writes of the people base: an import job from an upload, revealing a full value (logged), anonymising."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import get_for, grants_for
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.people import importing, privacy
from gongzhi.people.models import ImportJob, JobStatus, Person, RevealLog


def _community(actor: Any, code: str) -> Area:
    community = Area.objects.filter(code=(code or "").strip(), level=Level.COMMUNITY).first()
    if community is None:
        raise ValidationFailed({"community": [_("找不到社区“%(c)s”，请填写 12 位社区区划代码") % {"c": code}]})
    if actor is not None:
        grants = grants_for(actor)
        if not (grants.is_admin or grants.covers_area(community, *("community_worker", "street_staff"))):
            raise NotFound()
    return community


def import_job_create(
    *, actor: Any, community: str, file_name: str, content: IO[bytes], mapping: dict[str, str] | None = None
) -> ImportJob:
    """Keep the uploaded file and queue its import (the worker starts after this transaction commits).

    ``actor`` None is the operator at the command line. A file that is not an .xlsx, empty, too large or
    without a header row is refused here, before anything is queued."""
    area = _community(actor, community)
    folder = importing.storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    temp = folder / f"upload-{timezone.now():%Y%m%d%H%M%S%f}.xlsx"
    with temp.open("wb") as out:
        while chunk := content.read(1024 * 1024):
            digest.update(chunk)
            out.write(chunk)
            if out.tell() > importing.MAX_BYTES:
                break
    try:
        sheet = importing.open_sheet(temp)
        headers = sheet.headers
        sheet.close()
        chosen = {h: f for h, f in (mapping or importing.auto_mapping(headers)).items() if f}
        importing.check_mapping(chosen)
    except ValidationFailed:
        temp.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        job = ImportJob.objects.create(
            community=area,
            created_by=actor,
            file_name=(file_name or "ledger.xlsx")[:200],
            path=str(temp),
            mapping=chosen,
        )
        final = folder / f"upload-{job.pk}.xlsx"
        shutil.move(temp, final)
        job.path = str(final)
        job.save(update_fields=["path"])
        audit_record(
            actor=actor,
            action="people.import.queued",
            target=job,
            data={"file": job.file_name, "sha256": digest.hexdigest(), "community": area.code},
        )
        if actor is not None:
            from gongzhi.people.tasks import run_import

            transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def import_headers(*, actor: Any, community: str, path: Path) -> list[str]:
    """The headers of an uploaded file (for the mapping step)."""
    _community(actor, community)
    sheet = importing.open_sheet(path)
    sheet.close()
    return sheet.headers


REASON_MIN = 4


def person_reveal(*, actor: Any, person_id: int, field: str, reason: str) -> str:
    """The full value of one field of one person, for a role that may, with a reason; logged and audited."""
    if field not in privacy.FIELDS or not privacy.FIELDS[field].reveal:
        raise ValidationFailed({"field": [_("该字段不能申请查看")]})
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationFailed(
            {"reason": [_("请写明查看事由（至少 %(n)s 个字），如“上门走访前电话联系”") % {"n": REASON_MIN}]}
        )
    if len(reason) > 200:
        raise ValidationFailed({"reason": [_("事由最多 200 个字")]})
    with transaction.atomic():
        person = get_for(Person.objects.select_related("house", "area"), actor, "view", pk=person_id)
        if person.anonymised_at is not None:
            raise ValidationFailed({"field": [_("该居民的信息已匿名化")]})
        if not privacy.may_reveal(actor, person, field):
            raise PermissionDenied(_("您的角色不能查看该居民的完整%(f)s") % {"f": privacy.FIELDS[field].label})
        value = str(getattr(person, field) or "")
        log = RevealLog.objects.create(
            actor=actor, person=person, area=person.area, field=field, reason=reason, at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="people.person.revealed",
            target=person,
            data={"field": field, "reason": reason, "log": log.pk},
        )
    return value


ANONYMOUS = "已匿名"


def person_anonymise(*, actor: Any, person_id: int, reason: str) -> Person:
    """Remove what identifies a person; keep what statistics count (gender, birth year, grid, groups)."""
    if not grants_for(actor).is_admin:
        raise PermissionDenied(_("只有系统管理员可以匿名化居民信息"))
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationFailed({"reason": [_("请写明匿名化的依据（至少 %(n)s 个字）") % {"n": REASON_MIN}]})
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise NotFound()
        if person.anonymised_at is None:
            person.name, person.id_number, person.phone = ANONYMOUS, None, ""
            if person.birth_date:
                person.birth_date = person.birth_date.replace(month=7, day=1)
            person.birth_md, person.house, person.user = None, None, None
            person.source_job, person.source_row = None, None
            person.anonymised_at = timezone.now()
            person.save()
            audit_record(actor=actor, action="people.person.anonymised", target=person, data={"reason": reason})
    return person


def person_link_user(*, actor: Any, person_id: int, user: Any) -> Person:
    """Link a resident's account to their record (the resident then sees and exports their own data)."""
    grants = grants_for(actor)
    with transaction.atomic():
        person = Person.objects.select_for_update().select_related("area").get(pk=person_id)
        if not (
            actor is None or grants.is_admin or grants.covers_area(person.area, "community_worker", "street_staff")
        ):
            raise NotFound()
        Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
        person.user = user
        person.save(update_fields=["user"])
        audit_record(actor=actor, action="people.person.linked", target=person, data={"user": user.pk})
    return person


def job_done(job: ImportJob) -> bool:
    return job.status in (JobStatus.DONE, JobStatus.FAILED)
