"""Writing to the audit chain: services call :func:`audit_record` inside their own transaction."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from gongzhi.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from gongzhi.core.context import current_ip


def _json_number(text: str) -> int | float:
    # PostgreSQL's jsonb keeps numbers as exact decimals: 1e+16 comes back as 10000000000000000 and
    # -0.0 as 0.0. Take that form up front, so the hash matches the stored data on every database.
    number = Decimal(text)
    if number.is_zero():
        return 0.0
    return int(number) if "e+" in text else float(text)


def canonical_data(data: dict[str, Any] | None) -> Any:
    """The form the data takes after a round trip through the database's JSON column."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder), parse_float=_json_number)


HASH_VERSION = 2  # see AuditEntry.hash_version


def entry_hash(
    *,
    shard: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    data: Any,
    ip: str | None,
    prev_hash: str,
    actor_label: str = "",
    version: int = HASH_VERSION,
) -> str:
    facts: list[Any] = [
        shard,
        seq,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        actor_id,
        action,
        target_type,
        target_id,
        target_label,
        data,
        ip,
        prev_hash,
    ]
    if version >= 2:
        facts.append(actor_label)
    material = json.dumps(
        facts,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        shard=entry.shard,
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_label=entry.target_label,
        data=entry.data,
        ip=entry.ip,
        prev_hash=entry.prev_hash,
        actor_label=entry.actor_label,
        version=entry.hash_version,
    )


def shard_for(actor_id: int | None, target_key: str) -> int:
    """One transaction has one actor, so it only ever locks one chain head (no lock-order deadlocks)."""
    key = f"user:{actor_id}" if actor_id is not None else f"system:{target_key}"
    return zlib.crc32(key.encode("utf-8")) % settings.AUDIT_SHARDS


def _normalise_ip(ip: str | None) -> str | None:
    # The hash must match what the database hands back: Django's IPv6 form, which keeps an IPv4-mapped
    # address as ::ffff:10.0.0.1 where ipaddress would write ::ffff:a00:1.
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    return clean_ipv6_address(address.compressed) if address.version == 6 else address.compressed


def ensure_chain_heads() -> None:
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(shard=s) for s in range(settings.AUDIT_SHARDS)], ignore_conflicts=True
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    target_label: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry. ``action`` is namespaced: ``orders.order.claimed``."""
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    label = (target_label if target_label is not None else (str(target) if target is not None else ""))[:200]
    shard = shard_for(actor_id, f"{target_type}:{target_id}")
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(shard=shard).first()
        if head is None:
            ensure_chain_heads()
            head = AuditChainHead.objects.select_for_update().get(shard=shard)
        entry = AuditEntry(
            shard=shard,
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_label=(str(actor) if actor_id else "系统")[:100],
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_label=label,
            data=canonical_data(data),
            ip=_normalise_ip(ip if ip is not None else current_ip.get()),
            prev_hash=head.hash or GENESIS_HASH,
            hash_version=HASH_VERSION,
        )
        entry.hash = hash_of(entry)
        entry.save(force_insert=True)
        head.seq = entry.seq
        head.hash = entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry
