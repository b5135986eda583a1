"""The operator-entered part of the working-day calendar.

The package ``chinese-calendar`` knows the official schedules up to the year it was released for.
For a later year (or to correct one) an operator enters the State Council's schedule: a
:class:`CalendarYear` declares that the year has been entered, its :class:`CalendarDay` rows are
that year's exceptions to "Monday to Friday work". Entered data replaces the package's for its year.
Write through ``gongzhi.workdays.services`` only: it validates, audits and clears the lookup cache.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.TextField(_("依据"), help_text=_("国务院办公厅通知的标题和文号"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")

    def __str__(self) -> str:
        return _("%(year)s 年节假日安排") % {"year": self.year}


class CalendarDay(models.Model):
    """A weekday off (holiday) or a weekend day on (make-up workday, 调休上班) in an entered year.

    Holiday rows may also fall on a weekend: official notices give whole spans ("10月1日至7日放假"),
    so operators list them as printed; such rows change no count.
    """

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("年度"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选表示调休上班；不勾选表示放假"))
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如 春节、国庆节"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日或调休日")
        verbose_name_plural = _("节假日与调休日")

    def __str__(self) -> str:
        kind = _("调休上班") if self.is_workday else _("放假")
        return " ".join(str(part) for part in (self.date.isoformat(), self.name, kind) if part)
