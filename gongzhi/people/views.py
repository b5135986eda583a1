"""Web pages of the people base: residents (masked), reveal with a reason, the import with its mapping step and
progress bar, birthdays, exports, the access log (数据访问记录) and a resident's own data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for
from gongzhi.areas.models import Area, Level
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.htmx import is_htmx
from gongzhi.people import exports, importing, privacy, selectors, services
from gongzhi.people.models import JobStatus

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
IMPORTERS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF)
SUPERVISORS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
UPLOAD = re.compile(r"^upload-\d{20}\.xlsx$")


def _require(request: HttpRequest, *roles: str) -> None:
    grants = grants_for(request.user)
    if not (grants.is_admin or grants.has_role(*roles)):
        raise NotFound()


def _communities(request: HttpRequest) -> list[Area]:
    grants = grants_for(request.user)
    q = Area.objects.filter(level=Level.COMMUNITY)
    return list(q if grants.is_admin else q.filter(grants.area_q("", *IMPORTERS)).order_by("code"))


def _areas(request: HttpRequest) -> list[Area]:
    grants = grants_for(request.user)
    return list(
        Area.objects.filter(level__in=[Level.COMMUNITY, Level.GRID])
        .filter(Q() if grants.is_admin else grants.area_q("", *STAFF))
        .order_by("path")[:200]
    )


@login_required
def residents(request: HttpRequest) -> HttpResponse:
    _require(request, *STAFF)
    area = request.GET.get("area", "").strip() or None
    qs = selectors.person_list(request.user, area=area)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [selectors.shown(request.user, p, today) for p in page.object_list]
    context = {"rows": rows, "page": page, "area": area or "", "areas": _areas(request), "fields": privacy.FIELDS}
    return render(request, "people/residents.html", context)


@login_required
@require_POST
def reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    field = request.POST.get("field", "")
    try:
        value = services.person_reveal(
            actor=request.user, person_id=person_id, field=field, reason=request.POST.get("reason", "")
        )
    except ValidationFailed as refused:
        return render(
            request,
            "people/_reveal.html",
            {"pk": person_id, "field": field, "error": refused.message, "label": privacy.FIELDS.get(field)},
            status=422,
        )
    return render(request, "people/_revealed.html", {"value": value, "field": field, "pk": person_id})


def _private_path(request: HttpRequest, token: str) -> Path:
    if not UPLOAD.match(token or "") or token not in request.session.get("people_uploads", []):
        raise NotFound()
    return importing.storage_dir() / token


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Step 1: upload. Step 2 (same page): say what each column is. Then the job page shows progress."""
    _require(request, *IMPORTERS)
    context: dict[str, Any] = {
        "communities": _communities(request),
        "jobs": list(selectors.import_jobs(request.user)[:10]),
        "fields": [(k, v[0]) for k, v in importing.FIELDS.items()],
    }
    if request.method == "POST" and "file" in request.FILES:
        upload = request.FILES.get("file")
        assert upload is not None and not isinstance(upload, list)
        community = request.POST.get("community", "")
        folder = importing.storage_dir()
        folder.mkdir(parents=True, exist_ok=True)
        token = f"upload-{timezone.now():%Y%m%d%H%M%S%f}.xlsx"
        path = folder / token
        if (upload.size or 0) > importing.MAX_BYTES:
            context["error"] = _("文件有 %(n)s MB，超过 20 MB 上限：请按网格拆分成几个文件再导入") % {
                "n": (upload.size or 0) // (1024 * 1024)
            }
            return render(request, "people/import.html", context, status=422)
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            headers = services.import_headers(actor=request.user, community=community, path=path)
        except ValidationFailed as refused:
            path.unlink(missing_ok=True)
            context["error"] = refused.message
            return render(request, "people/import.html", context, status=422)
        request.session["people_uploads"] = [*request.session.get("people_uploads", [])[-4:], token]
        auto = importing.auto_mapping(headers)
        context.update(
            token=token,
            file_name=upload.name,
            community=community,
            columns=[(h, auto.get(h, "")) for h in headers if h],
        )
        return render(request, "people/import.html", context)
    if request.method == "POST":
        token = request.POST.get("token", "")
        path = _private_path(request, token)
        headers = request.POST.getlist("header")
        mapping = {h: f for h, f in zip(headers, request.POST.getlist("field"), strict=False) if f}
        try:
            with path.open("rb") as content:
                job = services.import_job_create(
                    actor=request.user,
                    community=request.POST.get("community", ""),
                    file_name=request.POST.get("file_name", ""),
                    content=content,
                    mapping=mapping,
                )
        except ValidationFailed as refused:
            context.update(
                error=refused.message,
                token=token,
                file_name=request.POST.get("file_name", ""),
                community=request.POST.get("community", ""),
                columns=[(h, mapping.get(h, "")) for h in headers],
            )
            return render(request, "people/import.html", context, status=422)
        path.unlink(missing_ok=True)
        return redirect("people:job", job_id=job.pk)
    return render(request, "people/import.html", context)


@login_required
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    _require(request, *IMPORTERS)
    item = selectors.import_job(request.user, job_id)
    template = "people/_progress.html" if is_htmx(request) else "people/job.html"
    return render(request, template, {"job": item, "done": item.status in (JobStatus.DONE, JobStatus.FAILED)})


@login_required
def job_report(request: HttpRequest, job_id: int) -> FileResponse:
    _require(request, *IMPORTERS)
    item = selectors.import_job(request.user, job_id)
    if not item.report_path or not Path(item.report_path).is_file():
        raise NotFound(_("报告尚未生成"))
    return FileResponse(
        Path(item.report_path).open("rb"),
        as_attachment=True,
        filename=f"导入报告-{item.pk}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def birthdays(request: HttpRequest) -> HttpResponseBase:
    _require(request, *STAFF)
    try:
        days = max(0, min(int(request.GET.get("days", "30")), 366))
    except ValueError:
        days = 30
    area = request.GET.get("area", "").strip()
    today = timezone.localdate()
    rows = [
        (day, selectors.shown(request.user, p, today), p)
        for day, p in selectors.birthdays(request.user, days=days, today=today)
        if not area
        or p.area.path.startswith(Area.objects.filter(code=area).values_list("path", flat=True).first() or "~")
    ]
    if request.GET.get("format") == "xlsx":
        return exports.birthdays_response(rows, days)
    return render(
        request, "people/birthdays.html", {"rows": rows, "days": days, "area": area, "areas": _areas(request)}
    )


@login_required
def export(request: HttpRequest) -> HttpResponseBase:
    _require(request, *STAFF)
    area = request.GET.get("area", "").strip() or None
    qs = selectors.person_list(request.user, area=area, action="export")
    return exports.people_response(request.user, qs.iterator(chunk_size=2000), timezone.localdate())


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    _require(request, *SUPERVISORS)
    page = Paginator(selectors.access_log(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "people/access_log.html", {"page": page, "fields": privacy.FIELDS})


@login_required
def me(request: HttpRequest) -> HttpResponseBase:
    data = selectors.my_data(request.user)
    fmt = request.GET.get("format")
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    if fmt == "xlsx":
        return exports.my_data_response(data)
    facts = [(k, "、".join(v) if isinstance(v, list) else v) for k, v in data.items() if k != "数据访问记录"]
    looks = [tuple(entry.values()) for entry in data.get("数据访问记录", [])]
    return render(request, "people/me.html", {"data": data, "facts": facts, "looks": looks})
