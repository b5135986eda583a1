"""Web pages for orders. Views are thin: they call services and selectors and render templates.

Residents post a need in three steps and follow it; organizations work the hall and their orders;
community and street staff dispatch, supervise and keep the ledger; departments handle forwarded cases.
A page a role has no use for answers 404, like an order the user may not see. What a service refuses
(bad input, wrong state, not theirs) is shown in Chinese on the page it came from, with its status code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import get_for, grants_for
from gongzhi.core.errors import ApplicationError, NotFound, ValidationFailed
from gongzhi.core.htmx import is_htmx
from gongzhi.core.idempotency import FORM_FIELD, run_idempotent
from gongzhi.core.masking import mask_name
from gongzhi.core.paging import CappedPaginator
from gongzhi.orders import forms as f
from gongzhi.orders import rules, selectors, services
from gongzhi.orders.exports import ledger_workbook_response
from gongzhi.orders.models import AWAITING_ACCEPT, DONE_STATES, IN_HAND, STATE_BADGE, Order, OrderEvent, OrderPhoto

ORG_ROLES = (Role.ORG_ADMIN, Role.ORG_MEMBER)
AREA_STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
SUPERVISORS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
REMINDERS = (Role.COMMUNITY_WORKER, Role.STREET_STAFF)
DISPATCHERS = (*AREA_STAFF, Role.DEPT_STAFF)
LEDGER_ROLES = (*ORG_ROLES, *AREA_STAFF, Role.DEPT_STAFF)
PAGE_SIZE = 20
ELDER_PAGE_SIZE = 8
LEDGER_PAGE_SIZE = 50
EXPORT_LIMIT = 50000

EVENT_LABELS = {
    "claimed": gettext_lazy("社会组织接单"),
    "accepted": gettext_lazy("社会组织确认接单"),
    "rejected": gettext_lazy("社会组织拒绝派单"),
    "reassigned": gettext_lazy("重新派单"),
    "completed": gettext_lazy("服务完成"),
    "confirmed": gettext_lazy("确认办结"),
    "rated": gettext_lazy("评价"),
    "reopened": gettext_lazy("要求重办"),
    "cancelled": gettext_lazy("撤销"),
    "forwarded": gettext_lazy("转办职能部门"),
    "signed": gettext_lazy("部门签收"),
    "replied": gettext_lazy("部门答复"),
    "returned": gettext_lazy("部门退回"),
    "reminded": gettext_lazy("催办"),
    "auto_closed": gettext_lazy("到期自动办结"),
}
ORG_EVENTS = {"claimed", "accepted", "rejected", "completed"}
DEPT_EVENTS = {"signed", "replied", "returned"}


# ---- helpers -------------------------------------------------------------------------------------


def _only(request: HttpRequest, *roles: str, admin: bool = True) -> None:
    """Pages of a role: anyone else gets 404, as for an order they may not see."""
    grants = grants_for(request.user)
    if not ((admin and grants.is_admin) or grants.has_role(*roles)):
        raise NotFound()


def _badged[T: Iterable[Any]](orders: T) -> T:
    for o in orders:
        o.badge = STATE_BADGE.get(o.state, "")
    return orders


def _page(request: HttpRequest, qs: Any, size: int = PAGE_SIZE) -> Page:
    if getattr(request, "elder_mode", False):
        size = min(size, ELDER_PAGE_SIZE)
    page = CappedPaginator(qs, size).get_page(request.GET.get("page"))
    page.object_list = _badged(list(page.object_list))
    return page


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if target and ok else ""


def _visible_row(request: HttpRequest, order_id: int) -> Order | None:
    """The order as the user's lists show it now, or None once it left the user's sight (e.g. taken by another)."""
    return next(iter(_badged(selectors.order_list(request.user).filter(pk=order_id)[:1])), None)


# ---- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    label: Promise
    state: str


MINE_TABS = [
    Tab(gettext_lazy("全部"), ""),
    Tab(gettext_lazy("办理中"), "pending,accepted,rejected,forwarded,signed"),
    Tab(gettext_lazy("待评价"), "completed"),
    Tab(gettext_lazy("已结束"), "closed,cancelled"),
]
ORG_TABS = [
    Tab(gettext_lazy("待确认派单"), "pending"),
    Tab(gettext_lazy("办理中"), "accepted"),
    Tab(gettext_lazy("已完成"), "completed,closed"),
    Tab(gettext_lazy("全部"), ""),
]


def _tabs(request: HttpRequest, tabs: list[Tab], default: str = "") -> tuple[list[dict[str, Any]], str]:
    current = request.GET.get("state", default)
    if current not in {t.state for t in tabs}:
        current = default
    return [{"label": t.label, "state": t.state, "current": t.state == current} for t in tabs], current


def _list(request: HttpRequest, qs: Any, **context: Any) -> HttpResponse:
    """One template for every order list; HTMX filter and page changes get only the results."""
    context = {"page": _page(request, qs), **context}
    template = "orders/_results.html" if is_htmx(request) else "orders/list.html"
    return render(request, template, context)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的需求: what I asked for, or entered for a resident, newest first."""
    tabs, state = _tabs(request, MINE_TABS)
    return _list(
        request,
        selectors.order_list(request.user, mine=True, state=state or None),
        title=_("我的需求"),
        tabs=tabs,
        mode="mine",
        show_new=grants_for(request.user).has_role(Role.RESIDENT),
        empty=_("您还没有提出过需求。点“我要点单”，三步就能提出。"),
    )


@login_required
def hall(request: HttpRequest) -> HttpResponse:
    """接单大厅: open needs the user's organizations may claim, urgent first, then newest."""
    _only(request, *ORG_ROLES, admin=False)
    return _list(
        request,
        selectors.hall(request.user),
        title=_("接单大厅"),
        mode="hall",
        intro=_("本组织服务区域内尚无人承接的需求。紧急的排在最前。"),
        empty=_("大厅里暂时没有可领取的需求。"),
    )


@login_required
def org_orders(request: HttpRequest) -> HttpResponse:
    """本组织订单: dispatched to us (accept or reject), in hand (complete), done."""
    _only(request, *ORG_ROLES, admin=False)
    tabs, state = _tabs(request, ORG_TABS, default="accepted")
    orgs = grants_for(request.user).organization_ids()
    qs = selectors.order_list(request.user, state=state or None).filter(org_id__in=orgs)
    return _list(request, qs, title=_("本组织订单"), tabs=tabs, mode="org", empty=_("这里暂时没有订单。"))


@login_required
def area_orders(request: HttpRequest) -> HttpResponse:
    """辖区订单: every order in the staff member's area, with filters."""
    _only(request, *AREA_STAFF)
    form = f.OrderFilterForm(request.GET or None, user=request.user)
    qs = selectors.order_list(request.user, **(form.filters() if form.is_bound else {}))
    return _list(request, qs, title=_("辖区订单"), mode="area", filter_form=form, empty=_("没有符合条件的订单。"))


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    """督办: overdue open orders in the area, most overdue first, each with a 催办 button."""
    _only(request, *SUPERVISORS)
    return _list(
        request,
        selectors.supervision(request.user),
        title=_("督办：超期订单"),
        mode="supervise",
        can_remind=grants_for(request.user).has_role(*REMINDERS),
        intro=_("超过受理或办结期限、仍未办完的订单。催办会通知承办方，并记入办理过程。"),
        empty=_("没有超期的订单。"),
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """转办事项: special cases forwarded to the user's department, to sign, reply or return."""
    _only(request, Role.DEPT_STAFF)
    return _list(
        request,
        selectors.forwarded_inbox(request.user),
        title=_("转办事项"),
        mode="inbox",
        intro=_("社区转来的特殊疑难事项：先签收，办理后答复；不属于本部门的请退回并说明理由。"),
        empty=_("没有待办的转办事项。"),
    )


# ---- posting a need in three steps ---------------------------------------------------------------


def _categories_tree(user: Any) -> list[dict[str, Any]]:
    cats = list(selectors.categories(user))
    return [
        {"category": top, "children": [c for c in cats if c.parent_id == top.pk]}
        for top in cats
        if top.parent_id is None
    ]


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    """我要点单: 1 choose a category, 2 describe the need, 3 confirm and submit."""
    _only(request, Role.RESIDENT, admin=False)
    if request.method == "POST":
        return _need_post(request)
    categories = {c.code: c for c in selectors.categories(request.user)}
    chosen = categories.get(request.GET.get("category", ""))
    if chosen is None:
        return render(request, "orders/new.html", {"step": 1, "tree": _categories_tree(request.user)})
    form = f.NeedForm(initial={"category": chosen.code}, user=request.user)
    return render(request, "orders/new.html", {"step": 2, "form": form, "category": chosen})


def _need_post(request: HttpRequest) -> HttpResponse:
    form = f.NeedForm(request.POST, user=request.user)
    categories = {c.code: c for c in selectors.categories(request.user)}
    category = categories.get(request.POST.get("category", ""))
    if category is None:
        return redirect("orders:new")
    step = request.POST.get("step")
    if step == "edit" or not form.is_valid():
        return render(
            request,
            "orders/new.html",
            {"step": 2, "form": form, "category": category},
            status=200 if step == "edit" else 422,
        )
    if step != "submit":
        return render(
            request,
            "orders/new.html",
            {
                "step": 3,
                "form": form,
                "category": category,
                "area_label": dict(form.fields["area"].choices)[form.cleaned_data["area"]],
            },
        )
    try:
        order = _create_once(request, form)
    except ValidationFailed as exc:
        form.add_service_errors(exc)
        return render(request, "orders/new.html", {"step": 2, "form": form, "category": category}, status=422)
    messages.success(request, _("需求已提交，编号 %(n)s。社会组织接单后会通知您。") % {"n": order.number})
    return redirect("orders:detail", order_id=order.pk)


def _create_once(request: HttpRequest, form: Any) -> Order:
    """The order of this form: created on the first submission, the same one on a repeated one."""

    def action() -> tuple[int, int]:
        return 201, services.order_create(actor=request.user, **form.service_kwargs()).pk

    _status, order_id = run_idempotent(request, action, lambda pk: pk, form_key=form.form_key())
    return get_for(Order.objects.all(), request.user, "view", pk=order_id)


# ---- staff: dispatch and entry for a resident ----------------------------------------------------


@login_required
def dispatch(request: HttpRequest) -> HttpResponse:
    """派单 / 代办: staff create an order for an organization, for the hall, or for a resident."""
    _only(request, *DISPATCHERS)
    form = f.DispatchForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                order = _create_once(request, form)
            except ValidationFailed as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("已登记，编号 %(n)s") % {"n": order.number})
                return redirect("orders:detail", order_id=order.pk)
    return render(request, "orders/dispatch.html", {"form": form}, status=status)


# ---- one order -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: Promise
    done: Promise
    run: Callable[[Any, int, Any], Any]
    form: type[f.ActionForm] = f.ActionForm
    style: str = ""
    open: bool = False  # the form shows at once; otherwise it folds out from its button
    needs_order: bool = False  # the form's choices depend on the order (its area)


def _data(form: Any) -> dict[str, Any]:
    return form.cleaned_data


# In the order the buttons appear: the step forward first, the ways back or out last.
ACTIONS: dict[str, Action] = {
    "claim": Action(
        gettext_lazy("接单"),
        gettext_lazy("接单成功，请尽快联系需求人并上门服务"),
        lambda u, i, fm: services.order_claim(actor=u, order_id=i),
        style="primary",
    ),
    "accept": Action(
        gettext_lazy("确认接单"),
        gettext_lazy("已确认接单"),
        lambda u, i, fm: services.order_accept(actor=u, order_id=i),
        style="primary",
    ),
    "complete": Action(
        gettext_lazy("提交完成"),
        gettext_lazy("已提交完成，服务台账已自动生成"),
        lambda u, i, fm: services.order_complete(actor=u, order_id=i, **_data(fm)),
        f.CompleteForm,
        "primary",
        open=True,
    ),
    "rate": Action(
        gettext_lazy("提交评价"),
        gettext_lazy("感谢您的评价！"),
        lambda u, i, fm: services.order_rate(
            actor=u,
            order_id=i,
            stars=_data(fm)["stars"],
            comment=_data(fm)["comment"],
            photos_public=bool(_data(fm).get("photos_public")),
        ),
        f.RateForm,
        "primary",
        open=True,
    ),
    "confirm": Action(
        gettext_lazy("确认办结"),
        gettext_lazy("已确认办结"),
        lambda u, i, fm: services.order_confirm(actor=u, order_id=i, note=_data(fm)["note"]),
        f.NoteForm,
    ),
    "sign": Action(
        gettext_lazy("签收"),
        gettext_lazy("已签收，请在期限内办理并答复"),
        lambda u, i, fm: services.order_sign(actor=u, order_id=i),
        style="primary",
    ),
    "reply": Action(
        gettext_lazy("答复"),
        gettext_lazy("已答复，等待需求人确认"),
        lambda u, i, fm: services.order_reply(actor=u, order_id=i, reply=_data(fm)["reply"]),
        f.ReplyForm,
        "primary",
        open=True,
    ),
    "reassign": Action(
        gettext_lazy("重新派单"),
        gettext_lazy("已重新派单"),
        lambda u, i, fm: services.order_reassign(actor=u, order_id=i, org_id=fm.org_id(), note=_data(fm)["note"]),
        f.ReassignForm,
        "primary",
        needs_order=True,
    ),
    "forward": Action(
        gettext_lazy("转办职能部门"),
        gettext_lazy("已转办"),
        lambda u, i, fm: services.order_forward(
            actor=u, order_id=i, department_id=fm.department_id(), note=_data(fm)["note"]
        ),
        f.ForwardForm,
    ),
    "remind": Action(
        gettext_lazy("催办"),
        gettext_lazy("已催办，承办方会收到提醒"),
        lambda u, i, fm: services.order_remind(actor=u, order_id=i, note=_data(fm)["note"]),
        f.NoteForm,
    ),
    "reopen": Action(
        gettext_lazy("不满意，要求重办"),
        gettext_lazy("已要求重办，承办方会重新处理"),
        lambda u, i, fm: services.order_reopen(actor=u, order_id=i, reason=_data(fm)["reason"]),
        f.ReasonForm,
    ),
    "reject": Action(
        gettext_lazy("拒绝派单"),
        gettext_lazy("已拒绝，派单方会重新安排"),
        lambda u, i, fm: services.order_reject(actor=u, order_id=i, reason=_data(fm)["reason"]),
        f.ReasonForm,
        "danger",
    ),
    "return": Action(
        gettext_lazy("退回"),
        gettext_lazy("已退回社区"),
        lambda u, i, fm: services.order_return(actor=u, order_id=i, reason=_data(fm)["reason"]),
        f.ReasonForm,
        "danger",
    ),
    "cancel": Action(
        gettext_lazy("撤销需求"),
        gettext_lazy("需求已撤销"),
        lambda u, i, fm: services.order_cancel(actor=u, order_id=i, reason=_data(fm)["reason"]),
        f.CancelForm,
        "danger",
    ),
}


def _who(event: OrderEvent, order: Order, names: bool) -> str:
    """Who acted, as the viewer may know it: the organization or department, the requester, or a (masked) name."""
    if event.actor_id is None:
        return _("系统")
    if event.action in ORG_EVENTS and event.org:
        return event.org.name
    if event.action in DEPT_EVENTS and event.department:
        return event.department.name
    if event.actor_id == order.requester_id:
        return _("需求人")
    name = str(event.actor)
    return name if names else mask_name(name)


def _timeline(order: Order, names: bool) -> list[OrderEvent]:
    events = list(order.events.all())
    for e in events:
        e.label = order.get_channel_display() if e.action == "created" else EVENT_LABELS.get(e.action, e.action)
        e.who = _who(e, order, names)
        e.badge = STATE_BADGE.get(e.to_state, "")
        e.stars = "★" * int(e.data.get("stars") or 0) if e.action == "rated" else ""
    return events


def _ratings(order: Order) -> list[Any]:
    ratings = list(order.ratings.all())
    for r in ratings:
        r.stars_text = "★" * r.stars + "☆" * (5 - r.stars)
    return ratings


def _detail_context(
    request: HttpRequest, order: Order, failed: tuple[str, Any] | None = None, error: str = ""
) -> dict[str, Any]:
    user = request.user
    _badged([order])
    names = selectors.contact_visible(user, order)
    allowed = set(selectors.allowed_actions(user, order))
    forms_by_action = {name: _action_form(name, user, order) for name in ACTIONS if name in allowed}
    if failed:
        forms_by_action[failed[0]] = failed[1]
    actions = [
        {"name": name, "spec": ACTIONS[name], "form": form, "failed": bool(failed and failed[0] == name)}
        for name, form in forms_by_action.items()
    ]
    deadline = (
        order.accept_by if order.state in AWAITING_ACCEPT else order.complete_by if order.state in IN_HAND else None
    )
    return {
        "order": order,
        "contact": selectors.contact_for(user, order),
        "events": _timeline(order, names),
        "back": _back(user),
        "photos": list(order.photos.all()),
        "may_consent": rules.is_requester(user, order) and order.state in DONE_STATES,
        "may_mark_photos": rules.is_handler_org_member(user, order) or rules.is_area_staff(user, order),
        "ratings": _ratings(order),
        "actions": actions,
        "error": error,
        "deadline": deadline,
        # Staff who may reassign see organizations ranked for this need (loaded after the page).
        "suggest_matches": "reassign" in allowed,
    }


BACK_LISTS = [
    ((Role.RESIDENT,), "orders:mine"),
    (ORG_ROLES, "orders:org"),
    ((Role.DEPT_STAFF,), "orders:inbox"),
    (AREA_STAFF, "orders:area"),
]


def _back(user: Any) -> str:
    """The list an order page leads back to, by the user's role."""
    grants = grants_for(user)
    return reverse(next((name for roles, name in BACK_LISTS if grants.has_role(*roles)), "core:workspace"))


@login_required
def detail(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = selectors.order_detail(request.user, order_id)
    except NotFound:
        if selectors.was_told_about(request.user, order_id):
            # Someone followed a notification to an order that has since left them (a dispatch declined and
            # reassigned, a need withdrawn): say so, rather than "page not found". Nothing new is revealed.
            return render(request, "orders/gone.html", {"order_id": order_id}, status=404)
        raise
    return render(request, "orders/detail.html", _detail_context(request, order))


def _action_form(name: str, user: Any, order: Order | None, *args: Any) -> Any:
    # Several forms share a page: ids get the action as prefix, names stay as the services expect.
    return ACTIONS[name].form(*args, user=user, order=order, auto_id=f"{name}_%s")


@login_required
@require_POST
def act(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    """Every button on an order: check the form, call the one service, show what it said.

    The service looks the order up itself: an organization that lost a race for a claim must hear
    who holds it (409), though the order has just left its sight.
    """
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound()
    order = selectors.order_detail(request.user, order_id) if spec.needs_order else None
    form = _action_form(action, request.user, order, request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, order_id, action, form, _("请按提示修改后再提交"), 422)
    try:
        # A second press of the same button (its {% once_key %}) answers as the first did instead of a 409.
        run_idempotent(
            request,
            lambda: (200, spec.run(request.user, order_id, form)),
            lambda _result: {"done": True},
            form_key=request.POST.get(FORM_FIELD, ""),
        )
    except NotFound:
        raise
    except ValidationFailed as exc:
        form.add_service_errors(exc)
        return _refused(request, order_id, action, form, str(exc.message), exc.status)
    except ApplicationError as exc:
        return _refused(request, order_id, action, form, str(exc.message), exc.status, acted=True)
    if is_htmx(request):
        return _row(request, order_id, flash=str(spec.done))
    messages.success(request, str(spec.done))
    return redirect(_safe_next(request) or _after(request, order_id))


def _after(request: HttpRequest, order_id: int) -> str:
    """Back to the order, or to the workspace when the action handed it out of the user's sight (退回, 拒绝)."""
    if _visible_row(request, order_id) is not None:
        return reverse("orders:detail", args=[order_id])
    return reverse("core:workspace")


def _refused(
    request: HttpRequest, order_id: int, action: str, form: Any, message: str, status: int, *, acted: bool = False
) -> HttpResponse:
    """The order page again, with the message and the form as typed.

    ``acted``: the service found the order for this user before refusing, so its message may be shown even
    when the order is no longer visible here (a claim lost to another organization).
    """
    try:
        order = selectors.order_detail(request.user, order_id)
    except NotFound:
        if not acted:
            raise
        order = None
    if is_htmx(request):
        return _row(request, order_id, error=message, status=status)
    if order is None:
        return render(request, "errors/problem.html", {"message": message}, status=status)
    return render(
        request, "orders/detail.html", _detail_context(request, order, (action, form), message), status=status
    )


def _row(request: HttpRequest, order_id: int, *, flash: str = "", error: str = "", status: int = 200) -> HttpResponse:
    """An order's row in a list after a button in that row (接单, 催办, 签收) was pressed."""
    context = {
        "o": _visible_row(request, order_id),
        "order_id": order_id,
        "flash": flash,
        "row_error": error,
        "mode": request.POST.get("mode", ""),
        "can_remind": grants_for(request.user).has_role(*REMINDERS),
    }
    return render(request, "orders/_row.html", context, status=status)


# ---- the service ledger --------------------------------------------------------------------------


def _ledger_filters(request: HttpRequest) -> tuple[f.LedgerFilterForm, dict[str, Any]]:
    form = f.LedgerFilterForm(request.GET or None, user=request.user)
    return form, (form.filters() if form.is_bound else {})


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """服务台账: completed services by organization, area and period, and their Excel export."""
    _only(request, *LEDGER_ROLES)
    form, filters = _ledger_filters(request)
    page = Paginator(selectors.ledger(request.user, **filters), LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and not form.is_valid() else 200
    template = "orders/_ledger_table.html" if is_htmx(request) else "orders/ledger.html"
    return render(request, template, {"form": form, "page": page}, status=status)


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    _only(request, *LEDGER_ROLES)
    form, filters = _ledger_filters(request)
    if form.is_bound and not form.is_valid():
        page = Paginator(selectors.ledger(request.user, **filters), LEDGER_PAGE_SIZE).get_page(1)
        return render(request, "orders/ledger.html", {"form": form, "page": page}, status=400)
    entries = selectors.ledger(request.user, action="export", **filters)[:EXPORT_LIMIT]
    return ledger_workbook_response(entries, filters)


# ---- photos --------------------------------------------------------------------------------------


@login_required
@require_POST
def photos_consent(request: HttpRequest, order_id: int) -> HttpResponse:
    consent = request.POST.get("consent") == "1"
    services.order_photos_consent(actor=request.user, order_id=order_id, consent=consent)
    messages.success(request, _("已同意公开展示服务照片") if consent else _("已撤回，服务照片不再公开展示"))
    return redirect("orders:detail", order_id=order_id)


@login_required
@require_POST
def photo_public(request: HttpRequest, order_id: int, photo_id: int) -> HttpResponse:
    suitable = request.POST.get("suitable") == "1"
    services.order_photo_mark_public(actor=request.user, order_id=order_id, photo_id=photo_id, suitable=suitable)
    messages.success(request, _("已标记为适合公开") if suitable else _("已取消公开标记"))
    return redirect("orders:detail", order_id=order_id)


@login_required
def photo(request: HttpRequest, order_id: int, photo_id: int, size: str) -> HttpResponse:
    """Service photos are served through the permission chokepoint, never from a public folder."""
    item = get_for(OrderPhoto.objects.all(), request.user, "view", pk=photo_id, order_id=order_id)
    path = item.thumb_path if size == "thumb" else item.path
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
