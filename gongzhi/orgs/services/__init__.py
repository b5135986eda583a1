"""Writes for social organizations and the talent and resource pools (one module per topic).

Every function is keyword-only, takes the acting user, checks permission through the chokepoint,
runs in one transaction with the rows it changes locked, and writes its audit entry.
"""

from gongzhi.orgs.services.members import (
    member_add_volunteer,
    member_invite,
    member_remove,
    offer_create,
    offer_update,
)
from gongzhi.orgs.services.register_excel import ImportResult, RowProblem, registry_export, registry_import
from gongzhi.orgs.services.registry import (
    clean_credit_code,
    grade_valid_until,
    org_activate,
    org_deregister,
    org_file,
    org_incubate,
    org_mark_abnormal,
    org_register,
    org_restore,
    org_set_grade,
    org_suspend,
    org_update_profile,
)
from gongzhi.orgs.services.reports import (
    annual_report_return,
    annual_report_review,
    annual_report_save,
    annual_report_submit,
)
from gongzhi.orgs.services.resources import (
    booking_approve,
    booking_cancel,
    booking_reject,
    booking_request,
    resource_create,
    resource_set_active,
)
from gongzhi.orgs.services.talents import talent_create, talent_reveal, talent_update

__all__ = [
    "ImportResult",
    "RowProblem",
    "annual_report_return",
    "annual_report_review",
    "annual_report_save",
    "annual_report_submit",
    "booking_approve",
    "booking_cancel",
    "booking_reject",
    "booking_request",
    "clean_credit_code",
    "grade_valid_until",
    "member_add_volunteer",
    "member_invite",
    "member_remove",
    "offer_create",
    "offer_update",
    "org_activate",
    "org_deregister",
    "org_file",
    "org_incubate",
    "org_mark_abnormal",
    "org_register",
    "org_restore",
    "org_set_grade",
    "org_suspend",
    "org_update_profile",
    "registry_export",
    "registry_import",
    "resource_create",
    "resource_set_active",
    "talent_create",
    "talent_reveal",
    "talent_update",
]
