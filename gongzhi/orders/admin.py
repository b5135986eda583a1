"""Admin: categories and the responsibility matrix are configuration; orders are read-only here
(their states change only through the services, so history and audit stay whole)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.orders.models import Category, Order, OrderEvent, ResponsibilityRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "parent",
        "accept_days",
        "complete_days",
        "urgent_accept_days",
        "urgent_complete_days",
        "active",
        "sort",
    )
    list_editable = ("accept_days", "complete_days", "urgent_accept_days", "urgent_complete_days", "active", "sort")
    list_filter = ("active", "parent")
    search_fields = ("code", "name")


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "area", "department")
    list_filter = ("department",)
    autocomplete_fields = ("area",)


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_state", "to_state", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "state", "category", "community", "org", "department", "created_at")
    list_filter = ("state", "channel", "scenario", "category")
    search_fields = ("title",)
    inlines = [EventInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Order._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
