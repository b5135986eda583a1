"""The public face: the directory of social organizations and each organization's page.

Both work for anonymous visitors. Figures about orders and ratings are added by the orders app.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.accounts.permissions import can
from gongzhi.core.htmx import is_htmx
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.orgs import selectors as sel
from gongzhi.orgs.forms import area_choices
from gongzhi.orgs.models import OrgType
from gongzhi.orgs.views._helpers import int_or_none, page_of, querystring


def directory(request: HttpRequest) -> HttpResponse:
    g = request.GET
    filters = {
        "q": g.get("q", "").strip()[:100],
        "org_type": g.get("org_type", ""),
        "category": g.get("category", "").strip()[:50],
        "area": g.get("area", ""),
        "min_grade": int_or_none(g.get("min_grade"), low=1, high=5),
    }
    qs = sel.directory(
        request.user,
        q=filters["q"],
        org_type=filters["org_type"],
        category=filters["category"],
        area_code=filters["area"],
        min_grade=filters["min_grade"],
    )
    context = {
        "page": page_of(request, qs),
        "filters": filters,
        "qs": querystring(request),
        "types": OrgType.choices,
        "areas": area_choices(request.user, everywhere=True, blank=""),
        "grades": [(i, f"{i}A") for i in range(5, 0, -1)],
    }
    template = "orgs/_directory_results.html" if is_htmx(request) else "orgs/directory.html"
    return render(request, template, context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = sel.org_public(request.user, pk)
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "phone": mask_phone(org.contact_phone),
            "leader": mask_name(org.leader_name),
            "areas_served": org.areas_served.order_by("path"),
            "offers": sel.org_offers(request.user, org).filter(active=True),
            "results": sel.org_report_results(request.user, org).filter(status="reviewed")[:5],
            "figures": sel.org_public_figures(request.user, org),
            "can_record": can(request.user, "record", org),
            "can_change": can(request.user, "change", org),
        },
    )
