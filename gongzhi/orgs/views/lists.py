"""Pages of the four lists (四张清单) with their exports, and the matching fragments for dispatching.

The need lists are for the people who raise, dispatch, take on and supervise needs (others get 404);
the supply list is public. ``?format=xlsx`` or ``?format=csv`` on a list page downloads the whole
filtered list with the same columns.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.htmx import is_htmx
from gongzhi.orders.forms import category_choices
from gongzhi.orgs import lists, matching
from gongzhi.orgs.api.lists import file_response
from gongzhi.orgs.forms import area_choices
from gongzhi.orgs.models import OrgType
from gongzhi.orgs.views._helpers import page_of, querystring

PANEL_SIZE = 5
TABS = [(k, lists.TITLES[k]) for k in (*lists.NEED_KINDS, lists.OFFERS)]


def index(request: HttpRequest) -> HttpResponse:
    return (
        redirect("lists:needs", kind=lists.RESIDENT) if lists.may_list_needs(request.user) else redirect("lists:offers")
    )


def _date(value: str, label: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_("%(label)s的格式应为 2026-01-31，已忽略") % {"label": label})
        return None


def need_values(g: Any, errors: list[str]) -> dict[str, Any]:
    state = g.get("state", "open")
    return {
        "q": g.get("q", "").strip()[:100],
        "category": g.get("category", "").strip()[:40],
        "area": g.get("area", "").strip()[:24],
        "state": state if state in lists.STATE_FILTERS else "open",
        "date_from": _date(g.get("date_from", ""), _("起始日期"), errors),
        "date_to": _date(g.get("date_to", ""), _("截止日期"), errors),
        "overdue": g.get("overdue") == "1",
    }


def offer_values(g: Any) -> dict[str, Any]:
    return {
        "q": g.get("q", "").strip()[:100],
        "category": g.get("category", "").strip()[:40],
        "area": g.get("area", "").strip()[:24],
        "org_type": g.get("org_type", "")[:24],
        "free": g.get("free") == "1",
    }


def _render_list(request: HttpRequest, kind: str, values: dict[str, Any], extra: dict[str, Any]) -> HttpResponse:
    items = lists.list_items(request.user, kind, values)
    fmt = request.GET.get("format", "")
    if fmt in lists.FORMATS:
        return file_response(*lists.export(kind, items[: lists.EXPORT_LIMIT], fmt, values))
    page = page_of(request, items)
    context = {
        "kind": kind,
        "title": lists.TITLES[kind],
        "definition": lists.DESCRIPTIONS[kind],
        "tabs": TABS,
        "filters": values,
        "page": page,
        "rows": lists.rows_for(kind, page.object_list),
        "columns": lists.columns_for(kind),
        "qs": querystring(request, format=None),
        "areas": area_choices(request.user, everywhere=True, blank=""),
        "categories": category_choices(request.user),
        "show_needs": lists.may_list_needs(request.user),
        **extra,
    }
    partial = "orgs/lists/_offers_table.html" if kind == lists.OFFERS else "orgs/lists/_needs_table.html"
    return render(request, partial if is_htmx(request) else "orgs/lists/list.html", context)


@login_required
def needs(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in lists.NEED_KINDS:
        raise NotFound()
    errors: list[str] = []
    values = need_values(request.GET, errors)
    states = [(k, label) for k, (label, _s) in lists.STATE_FILTERS.items()]
    return _render_list(request, kind, values, {"errors": errors, "states": states})


def offers(request: HttpRequest) -> HttpResponse:
    return _render_list(request, lists.OFFERS, offer_values(request.GET), {"types": OrgType.choices})


# ---- matching fragments ------------------------------------------------------------------------


def _matches(
    request: HttpRequest, order: Any, found: list[matching.Match], template_context: dict[str, Any]
) -> HttpResponse:
    context = {
        "order": order,
        "matches": [matching.match_out(m, i) for i, m in enumerate(found, 1)],
        "method": matching.method(),
        **template_context,
    }
    return render(request, "orgs/lists/_matches.html" if is_htmx(request) else "orgs/lists/matches.html", context)


@login_required
def order_matches(request: HttpRequest, order_id: int) -> HttpResponse:
    """Organizations ranked for an existing order (its detail page, when staff dispatch or reassign it)."""
    order, found = matching.order_matches(request.user, order_id)
    return _matches(request, order, found, {"preview": False})


@login_required
def match_preview(request: HttpRequest) -> HttpResponse:
    """Organizations ranked for the need being entered on the dispatch form (category and place)."""
    try:
        order, found = matching.preview_matches(
            request.user, category=request.GET.get("category", ""), area=request.GET.get("area", "")
        )
    except ValidationFailed as exc:
        if not is_htmx(request):
            raise
        # The form is half filled in: say what is missing where the ranking will appear (200, so HTMX swaps it).
        return render(request, "orgs/lists/_match_hint.html", {"message": exc.message})
    return _matches(request, order, found, {"preview": True})


@login_required
def suggested(request: HttpRequest) -> HttpResponse:
    """The ranking of open needs for the user's organizations; for HTMX, the top five for the workspace panel."""
    if is_htmx(request):
        found = matching.suggested_needs(request.user, limit=PANEL_SIZE)
        return render(request, "orgs/lists/_suggested_list.html", {"suggestions": found})
    found = matching.suggested_needs(request.user, limit=matching.MAX_LIMIT)
    return render(request, "orgs/lists/suggested.html", {"suggestions": found})
