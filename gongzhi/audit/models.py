"""The append-only, hash-chained audit log.

Entries are spread over ``AUDIT_SHARDS`` independent chains so that writes by different people do
not queue behind one chain head; within a chain each entry carries its sequence number and the
hash of the previous entry, so an edit, a deletion or an entry inserted out of order is found by
``gongzhi audit verify``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditChainHead(models.Model):
    shard = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.shard}: {self.seq}"


class AuditEntry(models.Model):
    shard = models.PositiveSmallIntegerField()
    seq = models.BigIntegerField()
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=100, blank=True)
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Which facts the hash covers: 1 — everything but the actor's label (entries written before 2026-12);
    # 2 — the actor's label too. Old entries keep verifying as they were written; the database default keeps
    # a process of the previous release writing (during a rolling deploy) entries that verify as version 1.
    hash_version = models.PositiveSmallIntegerField(default=1, db_default=1)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shard", "seq"], name="audit_unique_shard_seq")]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
