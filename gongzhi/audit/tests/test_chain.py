"""The audit hash chain: intact after the demo, and every kind of tampering is found and named."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditChainHead, AuditEntry
from gongzhi.audit.selectors import audit_verify
from gongzhi.audit.services import audit_record, entry_hash, hash_of

pytestmark = pytest.mark.django_db


def verify_ok() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_broken() -> tuple[str, str]:
    """Run `gongzhi audit verify`, expect it to fail; returns (error message, stderr)."""
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("audit_verify", stdout=io.StringIO(), stderr=err)
    return str(exc.value), err.getvalue()


def the_problem():
    report = audit_verify()
    assert len(report.problems) == 1, report.problems
    return report.problems[0]


@pytest.fixture
def chain(demo) -> list[AuditEntry]:
    """The longest chain after the demo, with a few more entries so it has a middle and an end."""
    admin = User.objects.get(username="admin")
    for n in range(4):
        audit_record(actor=admin, action="test.chain.grown", data={"n": n})
    shard = AuditEntry.objects.values("shard").annotate(n=Count("id")).order_by("-n")[0]["shard"]
    entries = list(AuditEntry.objects.filter(shard=shard).order_by("seq"))
    assert len(entries) >= 4
    return entries


def forge(entry: AuditEntry, **changes) -> AuditEntry:
    """An entry like ``entry`` with ``changes``, whose own hash is consistent."""
    fields = {f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields if f.attname != "id"}
    forged = AuditEntry(**{**fields, **changes})
    forged.hash = hash_of(forged)
    return forged


def test_chain_intact_after_demo(demo):
    assert audit_verify().ok
    out = verify_ok()
    assert "审计链完整" in out
    assert f"{AuditEntry.objects.count()} 条记录" in out


def test_every_record_links_to_the_previous_one(chain):
    for before, after in itertools.pairwise(chain):
        assert after.seq == before.seq + 1
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get(shard=chain[0].shard)
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)


def test_edited_data_is_found(chain):
    victim = chain[len(chain) // 2]
    AuditEntry.objects.filter(pk=victim.pk).update(data={"forged": True})
    message, stderr = verify_broken()
    assert "审计链被篡改" in message
    assert f"[edited] 第 {victim.shard} 链第 {victim.seq} 号记录（id={victim.pk}）" in stderr
    problem = the_problem()
    assert (problem.kind, problem.entry_id, problem.seq) == ("edited", victim.pk, victim.seq)


@pytest.mark.parametrize("field", ["action", "target_id", "target_label", "ip", "actor_id", "actor_label", "at"])
def test_edited_fields_are_found(chain, field):
    victim = chain[1]
    value = {
        "action": "forged.action",
        "target_id": "999999",
        "target_label": "假的",
        "ip": "10.9.8.7",
        "actor_id": User.objects.get(username="org_b").pk,
        "actor_label": "别人",
        "at": victim.at - timedelta(days=1),
    }[field]
    AuditEntry.objects.filter(pk=victim.pk).update(**{field: value})
    problem = the_problem()
    assert (problem.kind, problem.entry_id) == ("edited", victim.pk)


def test_deleted_middle_entry_is_found(chain):
    victim, after = chain[1], chain[2]
    AuditEntry.objects.filter(pk=victim.pk).delete()
    _message, stderr = verify_broken()
    assert "[deleted]" in stderr
    assert f"第 {victim.seq - 1} 号与第 {after.seq} 号（id={after.pk}）之间缺少记录" in stderr
    problem = the_problem()
    assert (problem.kind, problem.entry_id, problem.seq) == ("deleted", after.pk, after.seq)


def test_deleted_first_entry_is_found(chain):
    AuditEntry.objects.filter(pk=chain[0].pk).delete()
    problem = the_problem()
    assert (problem.kind, problem.entry_id) == ("deleted", chain[1].pk)


def test_deleted_last_entry_is_found_by_the_head(chain):
    last = chain[-1]
    AuditEntry.objects.filter(pk=last.pk).delete()
    _message, stderr = verify_broken()
    assert "[head]" in stderr
    assert f"链头指向第 {last.seq} 号记录，但链中最后一条是第 {last.seq - 1} 号" in stderr
    problem = the_problem()
    assert (problem.kind, problem.seq) == ("head", last.seq)


def test_whole_chain_deleted_is_found_by_the_head(chain):
    AuditEntry.objects.filter(shard=chain[0].shard).delete()
    assert the_problem().kind == "head"


def test_duplicate_seq_is_refused_by_the_database(chain):
    with pytest.raises(IntegrityError), transaction.atomic():
        forge(chain[1], data={"forged": True}).save(force_insert=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="drops a constraint inside the test transaction")
def test_duplicate_seq_is_found_when_the_constraint_is_gone(chain):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while deferred checks are pending
        cursor.execute("ALTER TABLE audit_auditentry DROP CONSTRAINT audit_unique_shard_seq")
    forged = forge(chain[1], data={"forged": True}, prev_hash=chain[0].hash)
    forged.save(force_insert=True)
    _message, stderr = verify_broken()
    assert f"[inserted] 第 {forged.shard} 链第 {forged.seq} 号记录（id={forged.pk}）序号重复" in stderr
    problem = the_problem()
    assert (problem.kind, problem.entry_id) == ("inserted", forged.pk)


def test_swapped_seqs_are_found(chain):
    first, second = chain[1], chain[2]
    with transaction.atomic():
        AuditEntry.objects.filter(pk=first.pk).update(seq=-1)
        AuditEntry.objects.filter(pk=second.pk).update(seq=first.seq)
        AuditEntry.objects.filter(pk=first.pk).update(seq=second.seq)
    problem = the_problem()
    # In seq order the second entry now comes first; its hash was made for its old number.
    assert (problem.kind, problem.entry_id, problem.seq) == ("edited", second.pk, first.seq)


def test_replaced_entry_with_consistent_hash_is_found_by_the_link(chain):
    # Someone rewrites entry k and recomputes its hash: entry k itself looks fine, but k+1 no longer links to it.
    victim, after = chain[1], chain[2]
    forged = forge(victim, data={"rewritten": True})
    AuditEntry.objects.filter(pk=victim.pk).update(data=forged.data, hash=forged.hash)
    problem = the_problem()
    assert (problem.kind, problem.entry_id) == ("inserted", after.pk)


def test_forged_entry_with_wrong_prev_hash_is_found(chain):
    victim = chain[2]
    forged = forge(victim, prev_hash="f" * 64)
    AuditEntry.objects.filter(pk=victim.pk).update(prev_hash=forged.prev_hash, hash=forged.hash)
    _message, stderr = verify_broken()
    assert f"[inserted] 第 {victim.shard} 链第 {victim.seq} 号记录（id={victim.pk}）未链接到前一条记录" in stderr
    assert the_problem().entry_id == victim.pk


def test_entry_appended_behind_the_heads_back_is_found(chain):
    last = chain[-1]
    forged = forge(last, seq=last.seq + 1, prev_hash=last.hash, data={"appended": True})
    forged.save(force_insert=True)
    _message, stderr = verify_broken()
    assert "[inserted]" in stderr
    problem = the_problem()
    assert (problem.kind, problem.entry_id, problem.seq) == ("inserted", forged.pk, forged.seq)


def test_rewritten_last_entry_is_found_by_the_head(chain):
    last = chain[-1]
    forged = forge(last, data={"rewritten": True})
    AuditEntry.objects.filter(pk=last.pk).update(data=forged.data, hash=forged.hash)
    problem = the_problem()
    assert (problem.kind, problem.entry_id) == ("head", last.pk)


def test_tampered_head_is_found(chain):
    AuditChainHead.objects.filter(shard=chain[0].shard).update(hash="0" * 64)
    assert the_problem().kind == "head"


def test_each_broken_chain_is_reported_once(chain, demo):
    other = AuditEntry.objects.exclude(shard=chain[0].shard).order_by("shard", "seq").first()
    AuditEntry.objects.filter(pk=chain[0].pk).update(action="x")
    AuditEntry.objects.filter(pk=chain[1].pk).update(action="y")
    AuditEntry.objects.filter(pk=other.pk).update(action="z")
    report = audit_verify()
    assert sorted((p.shard, p.entry_id) for p in report.problems) == sorted(
        [(chain[0].shard, chain[0].pk), (other.shard, other.pk)]
    )
    message, _stderr = verify_broken()
    assert "2 条链有问题" in message


def test_hash_covers_every_recorded_fact():
    base = {
        "shard": 1,
        "seq": 2,
        "at": timezone.now(),
        "actor_id": 3,
        "action": "a.b.c",
        "target_type": "areas.area",
        "target_id": "4",
        "target_label": "兴普社区",
        "data": {"k": [1, "二"]},
        "ip": "127.0.0.1",
        "prev_hash": "0" * 64,
        "actor_label": "张阿姨",
    }
    reference = entry_hash(**base)
    changed = {
        "shard": 2,
        "seq": 3,
        "at": base["at"] + timedelta(microseconds=1),
        "actor_id": None,
        "action": "a.b.d",
        "target_type": "orgs.organization",
        "target_id": "5",
        "target_label": "文康社区",
        "data": {"k": [1, "三"]},
        "ip": "::1",
        "prev_hash": "1" * 64,
        "actor_label": "李先生",
        "version": 1,
    }
    for key, value in changed.items():
        assert entry_hash(**{**base, key: value}) != reference, key


def test_entries_hashed_before_the_actor_label_was_still_verify(demo, monkeypatch):
    """Entries written under hash version 1 (without the actor's label) verify by the rule they were written
    with; new ones cover the label."""
    from gongzhi.audit import services

    clerk = User.objects.get(username="mzj")
    monkeypatch.setattr(services, "HASH_VERSION", 1)
    old = audit_record(actor=clerk, action="test.before")
    monkeypatch.undo()
    new = audit_record(actor=clerk, action="test.after")
    assert (old.hash_version, new.hash_version) == (1, 2)
    assert audit_verify().ok
    AuditEntry.objects.filter(pk=new.pk).update(actor_label="别人")
    assert [(p.kind, p.entry_id) for p in audit_verify().problems] == [("edited", new.pk)]


# ---- writers racing the verifier ----------------------------------------------------------------


def count_verify_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        audit_verify()
    return len(ctx.captured_queries)


def test_records_written_while_verifying_are_not_tampering(demo):
    """Whatever query of the verifier a writer lands after, a legitimate write is never an alarm."""
    writers = [*User.objects.order_by("username"), None]
    area = Area.objects.get(code="330903003005")
    for position in range(1, count_verify_queries() + 1):
        seen = {"queries": 0, "fired": False}

        def write_after(execute, sql, params, many, context, position=position, seen=seen):
            result = execute(sql, params, many, context)
            seen["queries"] += 1
            if seen["queries"] == position and not seen["fired"]:
                seen["fired"] = True
                for w in writers:
                    audit_record(actor=w, action="test.concurrent.write", target=area, data={"position": position})
            return result

        with transaction.atomic():
            with connection.execute_wrapper(write_after):
                report = audit_verify()
            assert seen["fired"]
            assert report.ok, (position, report.problems)
            transaction.set_rollback(True)


# ---- property: any run of records verifies; any single edit is caught ---------------------------

_text = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_record = st.tuples(
    st.sampled_from(["admin", "org_a", "org_b", "resident_a", "community_xp", None]),
    st.sampled_from(["orders.order.claimed", "areas.grid.created", "accounts.token.issued", "people.person.viewed"]),
    st.sampled_from([None, "330903003005", "330903003008-001"]),
    st.dictionaries(_text, _json, max_size=4),
    st.sampled_from([None, "127.0.0.1", "2001:db8::1", "::ffff:10.0.0.1"]),
)
_edits = st.sampled_from(
    ["data", "action", "actor", "actor_label", "target_id", "target_label", "at", "ip", "prev_hash", "hash"]
)


def _edit(entry: AuditEntry, what: str) -> dict:
    """Field updates that change one recorded fact of ``entry``."""
    flip = {"0": "1"}
    return {
        "data": {"data": {"edited": entry.data}},
        "action": {"action": entry.action + ".x"},
        "actor": {"actor_id": None if entry.actor_id else User.objects.get(username="org_b").pk},
        "actor_label": {"actor_label": entry.actor_label + "改"},
        "target_id": {"target_id": entry.target_id + "0"},
        "target_label": {"target_label": entry.target_label + "改"},
        "at": {"at": entry.at + timedelta(microseconds=1)},
        "ip": {"ip": "10.0.0.9" if entry.ip != "10.0.0.9" else "10.0.0.8"},
        "prev_hash": {"prev_hash": flip.get(entry.prev_hash[0], "0") + entry.prev_hash[1:]},
        "hash": {"hash": flip.get(entry.hash[0], "0") + entry.hash[1:]},
    }[what]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(records=st.lists(_record, min_size=1, max_size=12), pick=st.integers(min_value=0), what=_edits)
def test_random_records_verify_and_any_edit_is_caught(demo, records, pick, what):
    users = {u.username: u for u in User.objects.all()}
    with transaction.atomic():
        first_new = AuditEntry.objects.aggregate(m=Max("id"))["m"]
        for username, action, code, data, ip in records:
            target = Area.objects.get(code=code) if code else None
            audit_record(actor=users.get(username), action=action, target=target, data=data, ip=ip)
        assert audit_verify().ok
        victim = AuditEntry.objects.filter(id__gt=first_new).order_by("id")[pick % len(records)]
        AuditEntry.objects.filter(pk=victim.pk).update(**_edit(victim, what))
        report = audit_verify()
        assert [(p.kind, p.entry_id) for p in report.problems] == [("edited", victim.pk)]
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    "data",
    [
        {"big": 1e16, "huge": 1.2345678901234567e25, "zero": -0.0, "tiny": 1.5e-7, "pi": 3.14159},
        {"amount": Decimal("1234.50"), "when": timezone.now(), "name": "张阿姨", "n": 2**70},
        {"nested": [{"a": [1, 2.5, None, True]}, "文本"]},
    ],
)
@pytest.mark.parametrize("ip", [None, "127.0.0.1", "::1", "::ffff:10.0.0.1", "2001:DB8:0:0::1", "not-an-ip"])
def test_hash_survives_the_round_trip_through_the_database(demo, data, ip):
    entry = audit_record(actor=None, action="test.round.trip", data=data, ip=ip)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert hash_of(stored) == stored.hash == entry.hash
    assert audit_verify().ok
