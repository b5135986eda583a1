"""Admin: the districts served, the services' extra questions and community locations are
configuration; keys are issued and revoked through the services (the value is shown once);
submissions are read-only records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ValidationFailed
from gongzhi.open311.models import ApiKey, CommunityLocation, Jurisdiction, ServiceAttribute, Submission
from gongzhi.open311.selectors import key_area
from gongzhi.open311.services import api_key_issue, api_key_revoke


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("area", "active", "contact", "updated_at")
    autocomplete_fields = ("area",)


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "order", "code", "datatype", "required", "variable", "active", "description")
    list_filter = ("category", "datatype", "active")
    search_fields = ("code", "description")


@admin.register(CommunityLocation)
class CommunityLocationAdmin(admin.ModelAdmin):
    list_display = ("area", "lat", "lng", "approximate")
    list_filter = ("approximate",)
    autocomplete_fields = ("area",)


class ApiKeyForm(forms.ModelForm):
    area_code = forms.CharField(
        label=_("可提交区域（区划代码）"),
        max_length=24,
        help_text=_("例如 330903003（东港街道）；密钥只能提交该区域内的需求"),
    )

    class Meta:
        model = ApiKey
        fields = ["name"]

    def clean_area_code(self) -> str:
        code = self.cleaned_data["area_code"]
        try:
            key_area(code)
        except ValidationFailed as exc:
            raise forms.ValidationError(next(iter(exc.errors.values()))) from exc
        return code


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "area", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return (
            ["name", "prefix", "area", "user", "created_by", "created_at", "last_used_at", "revoked_at"] if obj else []
        )

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return
        key, raw = api_key_issue(
            actor=request.user, name=form.cleaned_data["name"], area_code=form.cleaned_data["area_code"]
        )
        obj.pk, obj.prefix = key.pk, key.prefix
        messages.warning(request, _t("请立即复制并妥善保存接口密钥，它只显示这一次：%(raw)s") % {"raw": raw})

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            try:
                api_key_revoke(actor=request.user, key_id=key.pk)
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
                return
        messages.success(request, _t("已吊销 %(n)s 个密钥") % {"n": queryset.count()})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("order", "api_key", "jurisdiction", "created_at")
    list_filter = ("api_key", "jurisdiction")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
