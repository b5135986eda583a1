"""Forms of the order pages: they read and check what a person typed, and build the choices they may pick.

The services stay the judges: a form only catches what can be said before calling one (a missing title,
a star count that is not a number); whatever the service refuses is put back on the same form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import grants_for, restrict
from gongzhi.areas.models import Area, Level
from gongzhi.core.dates import DayField
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.idempotency import FORM_FIELD, new_form_key
from gongzhi.orders import selectors
from gongzhi.orders.models import Scenario, State, Urgency
from gongzhi.orgs.models import Department, Organization, OrgStatus

ACTIVE_ORG_STATES = (OrgStatus.ACTIVE, OrgStatus.REGISTERED, OrgStatus.FILED)
AREA_STAFF = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
HALL = "hall"


class ServiceErrorsMixin:
    """Put a service's ``ValidationFailed`` back on the form: on the field it names, else on the form."""

    def add_service_errors(self, exc: ValidationFailed) -> None:
        for field, messages in exc.errors.items():
            name = field.split(".")[-1]
            target = field if field in self.fields else name if name in self.fields else None  # type: ignore[attr-defined]
            for message in messages:
                self.add_error(target, message)  # type: ignore[attr-defined]


class SubmitOnceMixin:
    """A hidden key made when the form is first shown. The view creates at most one order per key, so a
    double tap on 提交, or a form sent again over a slow connection, makes one order, not two."""

    def add_form_key(self) -> None:
        fields: dict[str, Any] = self.fields  # type: ignore[attr-defined]
        fields[FORM_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
        if not self.is_bound:  # type: ignore[attr-defined]
            self.initial[FORM_FIELD] = new_form_key()  # type: ignore[attr-defined]

    def form_key(self) -> str:
        return str(self.cleaned_data.get(FORM_FIELD) or "")  # type: ignore[attr-defined]


# ---- choices -----------------------------------------------------------------------------------


def _blank(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


def area_choices(user: Any, roles: tuple[str, ...]) -> list[tuple[str, str]]:
    """Communities and grids within the user's grants of ``roles`` (every one for an admin without such grants)."""
    grants = grants_for(user)
    paths = grants.area_paths(*roles)
    if grants.is_admin and not paths:
        paths = [""]
    if not paths:
        return []
    where = Q()
    for path in paths:
        where |= Q(path__startswith=path)
    return _area_options(Area.objects.filter(where, level__in=[Level.COMMUNITY, Level.GRID]))


def _area_options(areas: Any) -> list[tuple[str, str]]:
    """Communities, each followed by its grids, which carry the community's name so a chosen one reads alone."""
    rows = areas.select_related("parent").order_by("path")
    return [
        (
            a.code,
            f"{a.parent.display_name} · {a.display_name}" if a.level == Level.GRID and a.parent else a.display_name,
        )
        for a in rows
    ]


def resident_area_choices(user: Any) -> tuple[list[tuple[str, str]], str | None]:
    """A resident's own communities and their grids, and the area of the grant to pre-select."""
    scopes = [s for s in grants_for(user).of(Role.RESIDENT) if s.area_path]
    if not scopes:
        return [], None
    granted = Area.objects.filter(pk__in=[s.area_id for s in scopes]).select_related("parent")
    communities = {a.parent if a.level == Level.GRID and a.parent else a for a in granted}
    where = Q()
    for c in communities:
        where |= Q(path__startswith=c.path)
    first = min(granted, key=lambda a: a.path)
    return _area_options(Area.objects.filter(where, level__in=[Level.COMMUNITY, Level.GRID])), first.code


def split_area(code: str) -> tuple[str, str | None]:
    """A chosen area code as (community, grid) for ``order_create``."""
    area = Area.objects.filter(code=code).select_related("parent").first()
    if area is not None and area.level == Level.GRID and area.parent is not None:
        return area.parent.code, area.code
    return code, None


def category_choices(user: Any) -> list[tuple[str, str]]:
    cats = list(selectors.categories(user))
    tops = [c for c in cats if c.parent_id is None]
    out: list[tuple[str, str]] = []
    for top in tops:
        out.append((top.code, top.name))
        out += [(c.code, f"　└ {c.name}") for c in cats if c.parent_id == top.pk]
    return out


def serving_orgs(user: Any, area: Area | None = None) -> list[Organization]:
    """Active organizations the user may see that serve ``area`` (or any area within the user's scope)."""
    qs = restrict(Organization.objects.all(), user, "view").filter(status__in=ACTIVE_ORG_STATES)
    orgs = list(qs.prefetch_related("areas_served").order_by("name"))
    if area is not None:
        return [o for o in orgs if any(area.path.startswith(s.path) for s in o.areas_served.all())]
    grants = grants_for(user)
    mine = grants.area_paths(*AREA_STAFF, Role.DEPT_STAFF)
    if grants.is_admin:
        return orgs
    return [
        o for o in orgs if any(s.path.startswith(p) or p.startswith(s.path) for s in o.areas_served.all() for p in mine)
    ]


def org_label(org: Organization) -> str:
    served = "、".join(a.display_name for a in org.areas_served.all())
    return f"{org.name}（{_('服务')}：{served}）" if served else org.name


def department_choices(user: Any) -> list[tuple[str, str]]:
    depts = restrict(Department.objects.all(), user, "view").order_by("name")
    return _blank(_("按责任矩阵自动选择"), [(str(d.pk), d.name) for d in depts])


# ---- posting a need (点单) ------------------------------------------------------------------------


class NeedForm(ServiceErrorsMixin, SubmitOnceMixin, forms.Form):
    """Step 2 of 我要点单: what is needed, where and when. The category was chosen in step 1."""

    category = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(
        label=_("一句话说明需要什么"),
        min_length=2,
        max_length=100,
        error_messages={"required": _("请填写标题"), "min_length": _("标题至少 2 个字")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：帮忙买菜")}),
    )
    # No max_length here: the browser would cut pasted text silently. The counter (app.js) shows the limit as
    # one types, and the service says by how much a text is too long.
    description = forms.CharField(
        label=_("详细情况"),
        error_messages={"required": _("请填写详细情况")},
        help_text=_("最多 4000 个字"),
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "data-maxchars": "4000",
                "placeholder": _("说说具体的困难和希望怎么帮，例如：腿脚不便，想请人每周帮忙买两次菜。"),
            }
        ),
    )
    area = forms.ChoiceField(
        label=_("所在社区/网格"),
        error_messages={"required": _("请选择所在社区或网格"), "invalid_choice": _("请从列表中选择所在社区或网格")},
    )
    address = forms.CharField(
        label=_("服务地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("例如：3号楼201室")}),
    )
    preferred_time = forms.CharField(
        label=_("希望什么时候"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("例如：周六上午")}),
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_form_key()
        choices, granted = resident_area_choices(user)
        self.fields["area"].choices = choices
        if granted and not self.is_bound:
            self.initial.setdefault("area", granted)
            self.initial.setdefault("contact_phone", user.phone)

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        community, grid = split_area(d["area"])
        return {
            "category": d["category"],
            "title": d["title"],
            "description": d["description"],
            "community": community,
            "grid": grid,
            "address": d["address"],
            "preferred_time": d["preferred_time"],
            "urgency": d["urgency"],
            "contact_phone": d["contact_phone"],
        }


# ---- staff: dispatch (下单) and entry for a resident (代办) -----------------------------------------


class DispatchMode:
    ORG = "org"
    HALL = "hall"
    PROXY = "proxy"


DISPATCH_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS, Role.DEPT_STAFF)
PROXY_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS)
SOURCES = [("proxy", _("上门或来访代办")), ("hotline", _("热线来电")), ("patrol", _("网格巡查发现"))]


class DispatchForm(ServiceErrorsMixin, SubmitOnceMixin, forms.Form):
    mode = forms.ChoiceField(label=_("怎么处理"), widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("服务类别"), error_messages={"required": _("请选择服务类别")})
    title = forms.CharField(
        label=_("标题"),
        min_length=2,
        max_length=100,
        error_messages={"required": _("请填写标题"), "min_length": _("标题至少 2 个字")},
    )
    description = forms.CharField(
        label=_("需求描述"),
        error_messages={"required": _("请填写需求描述")},
        help_text=_("最多 4000 个字"),
        widget=forms.Textarea(attrs={"rows": 4, "data-maxchars": "4000"}),
    )
    area = forms.ChoiceField(label=_("社区/网格"), error_messages={"required": _("请选择社区或网格")})
    address = forms.CharField(label=_("服务地址"), required=False, max_length=200)
    preferred_time = forms.CharField(label=_("期望时间"), required=False, max_length=100)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    scenario = forms.ChoiceField(label=_("需求场景"), choices=Scenario.choices, initial=Scenario.INDIVIDUAL)
    org = forms.ChoiceField(label=_("派给哪个社会组织"), required=False)
    contact_name = forms.CharField(label=_("居民姓名"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("居民电话"), required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    source = forms.ChoiceField(label=_("登记来源"), choices=SOURCES, initial="proxy", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_form_key()
        grants = grants_for(user)
        modes = []
        if grants.is_admin or grants.has_role(*DISPATCH_ROLES):
            modes += [(DispatchMode.ORG, _("派给社会组织")), (DispatchMode.HALL, _("发布到接单大厅"))]
        if grants.is_admin or grants.has_role(*PROXY_ROLES):
            modes.append((DispatchMode.PROXY, _("代居民登记（代办）")))
        self.fields["mode"].choices = modes
        if modes and not self.is_bound:
            self.initial.setdefault("mode", modes[0][0])
        self.fields["category"].choices = _blank(_("请选择"), category_choices(user))
        self.fields["area"].choices = _blank(_("请选择"), area_choices(user, (*DISPATCH_ROLES, *PROXY_ROLES)))
        self.orgs = serving_orgs(user)
        self.fields["org"].choices = _blank(_("请选择"), [(str(o.pk), org_label(o)) for o in self.orgs])
        if not grants.has_role(Role.GRID_WORKER):
            self.fields["source"].choices = SOURCES[:2]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        mode = d.get("mode")
        if mode == DispatchMode.ORG:
            org = next((o for o in self.orgs if str(o.pk) == d.get("org")), None)
            if org is None:
                self.add_error("org", _("请选择派单的社会组织"))
            elif d.get("area"):
                area = Area.objects.filter(code=d["area"]).first()
                if area and not any(area.path.startswith(s.path) for s in org.areas_served.all()):
                    self.add_error(
                        "org", _("“%(org)s”的服务区域不包括所选社区，请换一个组织或发布到接单大厅") % {"org": org.name}
                    )
        if mode == DispatchMode.PROXY and not (d.get("contact_name") or "").strip():
            self.add_error("contact_name", _("代办时请填写居民姓名"))
        return d

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        community, grid = split_area(d["area"])
        kwargs: dict[str, Any] = {
            "category": d["category"],
            "title": d["title"],
            "description": d["description"],
            "community": community,
            "grid": grid,
            "address": d["address"],
            "preferred_time": d["preferred_time"],
            "urgency": d["urgency"],
            "scenario": d["scenario"],
        }
        if d["mode"] == DispatchMode.ORG:
            kwargs["org"] = int(d["org"])
        elif d["mode"] == DispatchMode.HALL:
            kwargs["channel"] = "dispatch"
        else:
            kwargs["on_behalf_of"] = {"name": d["contact_name"], "phone": d["contact_phone"]}
            kwargs["channel"] = d.get("source") or "proxy"
        return kwargs


# ---- actions on one order ------------------------------------------------------------------------


class ActionForm(ServiceErrorsMixin, forms.Form):
    """A form for one transition; ``user`` and ``order`` are there for the forms whose choices need them."""

    def __init__(self, *args: Any, user: Any = None, order: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("备注（可不填）"), required=False, max_length=500)


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("理由"),
        min_length=2,
        max_length=500,
        error_messages={"required": _("请填写理由"), "min_length": _("理由至少 2 个字")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(ActionForm):
    reason = forms.CharField(label=_("撤销原因（可不填）"), required=False, max_length=500)


class ReassignForm(ActionForm):
    target = forms.ChoiceField(label=_("改派给"), error_messages={"required": _("请选择改派对象")})
    note = forms.CharField(label=_("说明（可不填）"), required=False, max_length=500)

    def __init__(self, *args: Any, user: Any = None, order: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = serving_orgs(user, order.area)
        self.fields["target"].choices = [(HALL, _("发布到接单大厅"))] + [(str(o.pk), o.name) for o in orgs]

    def org_id(self) -> int | None:
        target = self.cleaned_data["target"]
        return None if target == HALL else int(target)


class ForwardForm(ActionForm):
    department = forms.ChoiceField(label=_("转办部门"), required=False)
    note = forms.CharField(label=_("转办说明（可不填）"), required=False, max_length=500)

    def __init__(self, *args: Any, user: Any = None, order: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices(user)

    def department_id(self) -> int | None:
        value = self.cleaned_data.get("department")
        return int(value) if value else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (a camera button and a gallery button both send ``photos``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class CompleteForm(ActionForm):
    description = forms.CharField(
        label=_("服务情况"),
        min_length=5,
        max_length=2000,
        error_messages={"required": _("请填写服务情况"), "min_length": _("服务情况至少 5 个字")},
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例如：已上门帮忙采购蔬菜水果，老人表示满意。")}),
    )
    people_served = forms.IntegerField(
        label=_("服务人数"),
        min_value=1,
        max_value=100000,
        initial=1,
        error_messages={
            "required": _("请填写服务人数"),
            "invalid": _("服务人数请填写整数"),
            "min_value": _("服务人数至少为 1"),
        },
    )
    volunteers = forms.CharField(label=_("参与志愿者（可不填）"), required=False, max_length=200)
    photos = MultipleFileField(label=_("服务照片（1-9 张）"), error_messages={"required": _("请至少上传 1 张服务照片")})


class RateForm(ActionForm):
    stars = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": _("请点选 1 到 5 颗星"), "invalid_choice": _("请点选 1 到 5 颗星")},
    )
    comment = forms.CharField(
        label=_("评语（可不填）"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos_public = forms.BooleanField(
        label=_("同意在组织主页公开展示本次服务照片（可随时撤回）"),
        required=False,
        help_text=_("不勾选则照片只有您、服务组织和社区工作人员能看到。"),
    )


class ReplyForm(ActionForm):
    reply = forms.CharField(
        label=_("答复内容"),
        min_length=5,
        max_length=4000,
        error_messages={"required": _("请填写答复内容"), "min_length": _("答复内容至少 5 个字")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# ---- list filters --------------------------------------------------------------------------------

OVERDUE_CHOICES = [("", _("全部")), ("1", _("仅超期")), ("0", _("未超期"))]


class OrderFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    area = forms.ChoiceField(label=_("区域"), required=False)
    overdue = forms.ChoiceField(label=_("超期"), required=False, choices=OVERDUE_CHOICES)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = _blank(_("全部"), State.choices)
        self.fields["category"].choices = _blank(_("全部"), category_choices(user))
        self.fields["area"].choices = _blank(_("全部"), area_choices(user, AREA_STAFF))

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data if self.is_valid() else {}
        overdue = {"1": True, "0": False}.get(d.get("overdue") or "")
        return {
            "state": d.get("state") or None,
            "category": d.get("category") or None,
            "area": d.get("area") or None,
            "overdue": overdue,
        }


LEDGER_AREA_ROLES = (*AREA_STAFF, Role.DEPT_STAFF)


class LedgerFilterForm(forms.Form):
    org = forms.ChoiceField(label=_("服务组织"), required=False)
    area = forms.ChoiceField(label=_("区域"), required=False)
    date_from = DayField(
        label=_("从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("开始日期格式应为 2026-01-31")},
    )
    date_to = DayField(
        label=_("到"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("结束日期格式应为 2026-01-31")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grants = grants_for(user)
        if grants.is_admin or grants.has_role(*LEDGER_AREA_ROLES):
            orgs = serving_orgs(user)
        else:
            orgs = list(restrict(Organization.objects.all(), user, "view").filter(pk__in=grants.organization_ids()))
        self.fields["org"].choices = _blank(_("全部"), [(str(o.pk), o.name) for o in orgs])
        self.fields["area"].choices = _blank(_("全部"), area_choices(user, LEDGER_AREA_ROLES))

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("date_from") and d.get("date_to") and d["date_from"] > d["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return d

    def filters(self) -> dict[str, Any]:
        d = self.cleaned_data if self.is_valid() else {}
        return {
            "org": int(d["org"]) if d.get("org") else None,
            "area": d.get("area") or None,
            "date_from": d.get("date_from"),
            "date_to": d.get("date_to"),
        }
