"""Admin: webhook subscriptions (the secret can be set, never read back) and the outbox as a read-only log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.audit.services import audit_record
from gongzhi.notify.models import OutboxMessage, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("签名密钥"),
        required=False,
        strip=True,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("接收方用它校验 X-Gongzhi-Signature（HMAC-SHA256）。保存后不再显示；留空则保持原密钥。"),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "kinds", "active"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "")
        if secret:
            if len(secret) < 16:
                raise forms.ValidationError(_("签名密钥至少 16 个字符，建议使用随机生成的长字符串"))
            return secret
        if self.instance.pk:
            return self.instance.secret
        raise forms.ValidationError(_("请填写签名密钥"))

    def clean_kinds(self) -> list[str]:
        kinds = self.cleaned_data.get("kinds") or []
        if not isinstance(kinds, list) or not all(isinstance(k, str) and k.strip() for k in kinds):
            raise forms.ValidationError(_('请填写事件类型前缀的列表，如 ["orders."]；留空 [] 表示全部事件'))
        return [k.strip() for k in kinds]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "kinds", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        # Where the platform's events go is security-relevant: every change is in the audit chain.
        changed = [f for f in form.changed_data if f != "secret"]
        # A blank secret field means "keep", which the form still reports as changed: compare the values.
        secret_changed = form.cleaned_data.get("secret") != form.initial.get("secret")
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action="notify.webhook.changed" if change else "notify.webhook.created",
                target=obj,
                data={"fields": changed, "secret_changed": secret_changed, "url": obj.url, "active": obj.active},
            )

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        with transaction.atomic():
            audit_record(actor=request.user, action="notify.webhook.deleted", target=obj, data={"url": obj.url})
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "channel",
        "endpoint",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "endpoint"]
    search_fields = ["event_key", "kind"]
    list_select_related = ["endpoint", "recipient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
