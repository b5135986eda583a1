"""Reads of the audit log, including the chain verification."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from gongzhi.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from gongzhi.audit.services import hash_of


@dataclass(frozen=True)
class ChainProblem:
    shard: int
    seq: int
    entry_id: int | None
    kind: str  # edited | deleted | inserted | head
    message: str


@dataclass
class VerifyReport:
    entries: int
    chains: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    """How far one chain has been verified: the last good entry's seq, hash and id."""

    shard: int
    seq: int = 0
    hash: str = GENESIS_HASH
    entry_id: int | None = None
    count: int = 0


def _check(walk: _Walk, entry: AuditEntry) -> ChainProblem | None:
    shard, expected_seq = walk.shard, walk.seq + 1
    if entry.seq < expected_seq:
        return ChainProblem(
            shard,
            entry.seq,
            entry.id,
            "inserted",
            f"第 {shard} 链第 {entry.seq} 号记录（id={entry.id}）序号重复或顺序颠倒：有记录被插入",
        )
    if entry.seq > expected_seq:
        return ChainProblem(
            shard,
            entry.seq,
            entry.id,
            "deleted",
            f"第 {shard} 链在第 {walk.seq} 号与第 {entry.seq} 号（id={entry.id}）之间缺少记录：有记录被删除",
        )
    if hash_of(entry) != entry.hash:
        return ChainProblem(
            shard,
            entry.seq,
            entry.id,
            "edited",
            f"第 {shard} 链第 {entry.seq} 号记录（id={entry.id}）的内容与其哈希不符：记录被修改",
        )
    if entry.prev_hash != walk.hash:
        return ChainProblem(
            shard,
            entry.seq,
            entry.id,
            "inserted",
            f"第 {shard} 链第 {entry.seq} 号记录（id={entry.id}）未链接到前一条记录：有记录被插入或替换",
        )
    walk.seq, walk.hash, walk.entry_id = entry.seq, entry.hash, entry.id
    walk.count += 1
    return None


def _walk(walk: _Walk, entries: Iterator[AuditEntry]) -> ChainProblem | None:
    for entry in entries:
        problem = _check(walk, entry)
        if problem:
            return problem
    return None


def _verify_chain(shard: int) -> tuple[int, ChainProblem | None]:
    walk = _Walk(shard)
    entries = AuditEntry.objects.filter(shard=shard).order_by("seq", "id")
    problem = _walk(walk, entries.iterator(chunk_size=2000))
    if problem:
        return walk.count, problem
    # The head is read after the entries: a writer commits its entry and the head together, so this
    # head is never behind the entries already read (one read first would be, while others write).
    head = AuditChainHead.objects.filter(shard=shard).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq > walk.seq:  # written while we were reading: verify up to the head just read
        problem = _walk(walk, entries.filter(seq__gt=walk.seq, seq__lte=head_seq).iterator(chunk_size=2000))
        if problem:
            return walk.count, problem
    if walk.seq > head_seq:
        extra = entries.filter(seq__gt=head_seq).values_list("id", flat=True).first()
        return walk.count, ChainProblem(
            shard,
            head_seq + 1,
            extra,
            "inserted",
            f"第 {shard} 链第 {head_seq + 1} 号记录（id={extra}）在链头（第 {head_seq} 号）之后："
            f"有记录绕过正常写入被追加",
        )
    if walk.seq < head_seq:
        return walk.count, ChainProblem(
            shard,
            walk.seq + 1,
            None,
            "head",
            f"第 {shard} 链的链头指向第 {head_seq} 号记录，但链中最后一条是第 {walk.seq} 号："
            f"末尾记录被删除或链头被改动",
        )
    if walk.hash != head_hash:
        return walk.count, ChainProblem(
            shard,
            walk.seq,
            walk.entry_id,
            "head",
            f"第 {shard} 链最后一条记录（第 {walk.seq} 号，id={walk.entry_id}）与链头的哈希不符："
            f"该记录被替换或链头被改动",
        )
    return walk.count, None


def audit_verify() -> VerifyReport:
    """Recompute every chain; report the first broken entry of each."""
    heads = set(AuditChainHead.objects.values_list("shard", flat=True))
    shards = sorted(heads | set(AuditEntry.objects.values_list("shard", flat=True).distinct()))
    problems: list[ChainProblem] = []
    total = 0
    for shard in shards:
        count, problem = _verify_chain(shard)
        total += count
        if problem:
            problems.append(problem)
    return VerifyReport(entries=total, chains=len(shards), problems=problems)


def audit_entries_for(target_type: str, target_id: str) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(target_type=target_type, target_id=target_id).order_by("at", "id")
