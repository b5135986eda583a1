"""The audit log is read by system administrators only (the rule for everyone else is: nothing)."""

from gongzhi.accounts.permissions import Policy, register
from gongzhi.audit.models import AuditEntry


@register(AuditEntry)
class AuditEntryPolicy(Policy):
    rules = {}
