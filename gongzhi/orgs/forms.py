"""Web forms: they parse what a browser sends (dates, numbers, choices); the services validate the rest.

:func:`apply_errors` puts a service's ValidationFailed messages next to the fields they concern.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.permissions import grants_for
from gongzhi.areas.models import Area, Level
from gongzhi.core.dates import DayField
from gongzhi.core.errors import ValidationFailed
from gongzhi.orders.forms import category_choices
from gongzhi.orgs.models import (
    Department,
    Organization,
    OrgType,
    PartyOrg,
    ReportResult,
    ResourceKind,
    Skill,
    TalentKind,
)

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1800}, format="%Y-%m-%dT%H:%M")
PICKABLE_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


def apply_errors(form: forms.Form, exc: ValidationFailed) -> None:
    for field, messages in exc.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def area_choices(
    user: Any, *, levels: tuple[str, ...] = PICKABLE_LEVELS, everywhere: bool = False, blank: Any = None
) -> list[tuple[str, Any]]:
    """Areas to pick from: the user's own areas and below (or the whole tree), grouped by street."""
    qs = Area.objects.filter(level__in=levels)
    grants = grants_for(user)
    if not (everywhere or grants.is_admin):
        paths = {s.area_path for s in grants.scopes if s.area_path}
        q = Area.objects.none()
        for path in paths:
            q = q | qs.filter(path__startswith=path)
        qs = q
    choices: list[tuple[str, Any]] = [("", blank)] if blank is not None else []
    choices += [(a.code, ("\u3000" * max(0, a.depth - 2)) + a.display_name) for a in qs.order_by("path")]
    return choices


def area_of(code: str) -> Area | None:
    return Area.objects.filter(code=code).first() if code else None


class EntryForm(forms.Form):
    """Registration (登记), filing (备案) or incubation (培育孵化) of an organization."""

    name = forms.CharField(label=_("组织名称"), max_length=200, required=False)
    org_type = forms.ChoiceField(label=_("组织类型"), choices=[("", "—"), *OrgType.choices], required=False)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=40,
        required=False,
        help_text=_("18位，登记证书上的代码；社区社会组织可不填"),
    )
    home_area = forms.ChoiceField(label=_("登记/备案地"), required=False)
    areas_served = forms.MultipleChoiceField(
        label=_("服务区域"), required=False, help_text=_("可多选；不选则为登记/备案地")
    )
    registered_on = DayField(label=_("登记/备案日期"), required=False, widget=DATE)
    leader_name = forms.CharField(label=_("法定代表人/负责人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    address = forms.CharField(label=_("住所"), max_length=200, required=False)
    categories = forms.CharField(
        label=_("服务领域"), max_length=200, required=False, help_text=_("用空格或逗号分隔，如：养老服务 助残 心理疏导")
    )
    summary = forms.CharField(label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    admin_username = forms.CharField(
        label=_("组织管理员账号"),
        max_length=150,
        required=False,
        help_text=_("填写已有账号的用户名，该账号将成为本组织管理员"),
    )
    incubator = forms.CharField(label=_("孵化机构"), max_length=200, required=False)
    incubation_start = DayField(label=_("孵化开始"), required=False, widget=DATE)
    incubation_end = DayField(label=_("孵化结束"), required=False, widget=DATE)

    MODE_FIELDS = {
        "register": (
            "name",
            "org_type",
            "credit_code",
            "home_area",
            "areas_served",
            "registered_on",
            "leader_name",
            "contact_phone",
            "address",
            "categories",
            "summary",
            "admin_username",
        ),
        "file": (
            "name",
            "credit_code",
            "home_area",
            "areas_served",
            "registered_on",
            "leader_name",
            "contact_phone",
            "address",
            "categories",
            "summary",
            "admin_username",
        ),
        "incubate": (
            "name",
            "org_type",
            "home_area",
            "areas_served",
            "incubator",
            "incubation_start",
            "incubation_end",
            "leader_name",
            "contact_phone",
            "categories",
            "summary",
        ),
    }

    def __init__(self, *args: Any, user: Any, mode: str, incubating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.incubating = incubating
        keep = self.MODE_FIELDS[mode]
        if incubating:  # the organization exists: only what registration or filing adds
            keep = tuple(f for f in keep if f in ("credit_code", "home_area", "registered_on", "admin_username"))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "org_type" in self.fields and mode == "register":
            self.fields["org_type"].choices = [("", "—")] + [
                c for c in OrgType.choices if c[0] != OrgType.COMMUNITY_GROUP
            ]
        if "credit_code" in self.fields:
            # Checked as it is typed (the check digit of GB 32100), by htmx: attributes, not an inline script.
            self.fields["credit_code"].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "spellcheck": "false",
                    "data-testid": "credit-code",
                    "hx-post": reverse("orgs:check_code"),
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#code-check",
                }
            )
        levels = {"register": (Level.DISTRICT,), "file": (Level.STREET, Level.COMMUNITY)}.get(mode, PICKABLE_LEVELS)
        if "home_area" in self.fields:
            self.fields["home_area"].choices = area_choices(user, levels=levels, blank="—")
        if "areas_served" in self.fields:
            self.fields["areas_served"].choices = area_choices(
                user, everywhere=True, levels=(Level.STREET, Level.COMMUNITY)
            )
            self.fields["areas_served"].widget.attrs["size"] = 6

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "home_area" in data:
            data["home_area"] = area_of(data["home_area"])
            if data["home_area"] is None and self.incubating:
                data.pop("home_area")  # keep the one it was incubated at
        if "areas_served" in data:
            data["areas_served"] = list(Area.objects.filter(code__in=data["areas_served"]))
            if not data["areas_served"]:
                data.pop("areas_served")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("事由"), max_length=500, required=False)


class GradeForm(forms.Form):
    grade = forms.TypedChoiceField(label=_("评估等级"), coerce=int, choices=[(i, f"{i}A") for i in range(5, 0, -1)])
    awarded_on = DayField(label=_("评定日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class ReportForm(forms.Form):
    activities = forms.CharField(
        label=_("业务活动情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("开展的主要活动、服务人次、获得的表彰等"),
    )
    income = forms.DecimalField(label=_("本年收入（元）"), required=False, min_value=0, decimal_places=2, max_digits=14)
    expense = forms.DecimalField(
        label=_("本年支出（元）"), required=False, min_value=0, decimal_places=2, max_digits=14
    )
    net_assets = forms.DecimalField(
        label=_("年末净资产（元）"), required=False, min_value=0, decimal_places=2, max_digits=14
    )
    staff_count = forms.IntegerField(label=_("专职工作人员数"), required=False, min_value=0)
    volunteer_count = forms.IntegerField(label=_("志愿者人数"), required=False, min_value=0)
    party_org = forms.ChoiceField(label=_("党组织建立情况"), required=False, choices=[("", "—"), *PartyOrg.choices])
    party_members = forms.IntegerField(label=_("党员人数"), required=False, min_value=0)
    party_activities = forms.CharField(
        label=_("党建工作情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    changes = forms.CharField(
        label=_("变更事项（负责人、章程、住所等）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    result = forms.ChoiceField(label=_("检查结论"), choices=ReportResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("审核意见"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("基本合格或不合格时必填：写明原因和整改要求"),
    )


class ProfileForm(forms.Form):
    summary = forms.CharField(label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    contact_phone = forms.CharField(label=_("联系电话"), max_length=32, required=False)
    categories = forms.CharField(label=_("服务领域"), max_length=200, required=False)
    address = forms.CharField(label=_("住所"), max_length=200, required=False)


class InviteForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    role = forms.ChoiceField(label=_("身份"), choices=[("member", _("成员")), ("admin", _("管理员"))])


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    username = forms.CharField(label=_("居民账号（可选）"), max_length=150, required=False)


class OfferForm(forms.Form):
    category_code = forms.ChoiceField(label=_("服务类别"), error_messages={"required": _("请选择服务类别")})
    title = forms.CharField(label=_("服务名称"), max_length=100)
    area = forms.ChoiceField(label=_("服务区域"), required=False)
    capacity_per_month = forms.IntegerField(label=_("每月可服务量"), min_value=0, initial=0)
    price = forms.DecimalField(label=_("价格（元/次，免费不填）"), required=False, min_value=0, decimal_places=2)
    description = forms.CharField(label=_("服务内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(user, everywhere=True, blank=_("不限"))
        self.fields["category_code"].choices = [("", _("请选择")), *category_choices(user)]

    def service_kwargs(self) -> dict[str, Any]:
        return {**self.cleaned_data, "area": area_of(self.cleaned_data["area"])}


class TalentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=TalentKind.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    area = forms.ChoiceField(label=_("所在区域"))
    skills = forms.MultipleChoiceField(
        label=_("技能"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(label=_("其他特长"), max_length=200, required=False)
    certificates = forms.CharField(
        label=_("证书（每行一项）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    availability = forms.CharField(
        label=_("可服务时间"), max_length=200, required=False, help_text=_("如：工作日晚上、周末全天")
    )
    organization = forms.ChoiceField(label=_("所属组织"), required=False)

    def __init__(self, *args: Any, user: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(user, everywhere=True, levels=(Level.STREET, Level.COMMUNITY))
        self.fields["organization"].choices = [("", _("无"))] + [(str(o.pk), o.name) for o in orgs]
        self.orgs = {str(o.pk): o for o in orgs}

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["area"] = area_of(data["area"])
        data["organization"] = self.orgs.get(data["organization"])
        return data


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ResourceKind.choices)
    name = forms.CharField(label=_("名称"), max_length=100)
    area = forms.ChoiceField(label=_("所在区域"))
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    owner = forms.ChoiceField(label=_("提供方"))
    unit_name = forms.CharField(label=_("提供单位（驻区单位，可选）"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("容纳人数/数量"), min_value=0, required=False)
    amount = forms.DecimalField(label=_("资金额度（元）"), min_value=0, required=False, decimal_places=2)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, owners: list[tuple[str, Any, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(user, everywhere=True, levels=(Level.STREET, Level.COMMUNITY))
        self.owners = {key: obj for key, _label, obj in owners}
        self.fields["owner"].choices = [(key, label) for key, label, _obj in owners]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        owner = self.owners.get(data.pop("owner"))
        data["area"] = area_of(data["area"])
        data["owner_org"] = owner if isinstance(owner, Organization) else None
        data["owner_department"] = owner if isinstance(owner, Department) else None
        return data


class BookingForm(forms.Form):
    start = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    end = forms.DateTimeField(label=_("结束时间"), widget=DATETIME)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    requester_org = forms.ChoiceField(label=_("以组织名义（可选）"), required=False)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["requester_org"].choices = [("", _("个人"))] + [(k, o.name) for k, o in self.orgs.items()]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["requester_org"] = self.orgs.get(data["requester_org"])
        return data
