"""Admin: read-only views of warnings, formulas and frozen rankings. They change only through the services
(which audit them): warnings are handled on the warnings page, formulas and freezing by civil affairs staff
through the API or ``gongzhi insights freeze``."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongzhi.insights.models import HotspotWarning, PointsEntry, PointsFormula, PointsSnapshot


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HotspotWarning)
class HotspotWarningAdmin(ReadOnly):
    list_display = ("area", "category", "recent", "threshold", "status", "raised_at", "handled_at")
    list_filter = ("status",)


@admin.register(PointsFormula)
class PointsFormulaAdmin(ReadOnly):
    list_display = ("year", "per_done", "ontime", "rating", "published_at")


class EntryInline(admin.TabularInline):
    model = PointsEntry
    fields = ("rank", "org", "total")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PointsSnapshot)
class PointsSnapshotAdmin(ReadOnly):
    list_display = ("year", "frozen_at", "frozen_by")
    inlines = [EntryInline]
