"""Django admin for the working-day calendar: a year's page with its days inline.

Saving and deleting go through the services, so the admin is checked, audited and clears the
lookup cache like the import command. Days are edited only on their year's page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.workdays.models import CalendarDay, CalendarYear
from gongzhi.workdays.services import Entry, calendar_year_enter, calendar_year_remove, schedule_errors


class CalendarDayFormSet(BaseInlineFormSet):
    def entries(self) -> tuple[list[Entry], list[Entry]]:
        """The rows kept on the page, as (holidays, workdays)."""
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        holidays = [(r["date"], r.get("name") or "") for r in rows if not r.get("is_workday")]
        workdays = [(r["date"], r.get("name") or "") for r in rows if r.get("is_workday")]
        return holidays, workdays

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.year is None:
            return
        holidays, workdays = self.entries()
        errors = schedule_errors(year=self.instance.year, holidays=holidays, workdays=workdays)
        if errors:
            raise ValidationError([message for messages in errors.values() for message in messages])


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    fields = ("date", "is_workday", "name")
    extra = 3


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "day_count", "entered_by", "entered_at")
    fields = ("year", "source", "entered_by", "entered_at")
    inlines = [CalendarDayInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return super().get_queryset(request).select_related("entered_by").annotate(day_count=Count("days"))

    @admin.display(description=_("条目数"), ordering="day_count")
    def day_count(self, obj: CalendarYear) -> int:
        return obj.day_count  # type: ignore[attr-defined]

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarYear | None = None) -> tuple[str, ...]:
        # The service keys a schedule by its year; another year is another entry.
        return ("entered_by", "entered_at", *(("year",) if obj else ()))

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        """Saved together with its days by the service in :meth:`save_related`."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        days = next(f for f in formsets if isinstance(f, CalendarDayFormSet))
        holidays, workdays = days.entries()
        entry = calendar_year_enter(
            actor=request.user,
            year=form.instance.year,
            holidays=holidays,
            workdays=workdays,
            source=form.cleaned_data["source"],
        )
        form.instance.pk, form.instance.entered_at = entry.pk, entry.entered_at
        for formset in formsets:
            # What the admin's change message reads; the audit entry has the full detail.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # A year's days go with it; their own admin refuses deletion only to keep edits on this page.
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(str(CalendarDay._meta.verbose_name))
        return to_delete, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        calendar_year_remove(actor=request.user, year=obj.year)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for year in queryset.values_list("year", flat=True):
            calendar_year_remove(actor=request.user, year=year)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """A read-only list across years; days are changed on their year's page."""

    list_display = ("date", "is_workday", "name", "calendar_year")
    list_filter = ("calendar_year", "is_workday")
    search_fields = ("name",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
