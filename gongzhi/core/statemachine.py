"""Declared state machines: one table per kind of object says, for each action, from which states it may be
taken, to which state it leads, who may take it and with what input.

Everything else is derived from that table, so it is written once: the guard a service asks before it acts
(:meth:`StateMachine.guard`: 403 for the wrong person, 409 with the current state for the wrong state), the
actions a page or the API offers (:meth:`StateMachine.allowed`), the diagram and table in the docs
(:meth:`StateMachine.mermaid`, :meth:`StateMachine.markdown`) and the model of the property tests
(:meth:`StateMachine.predict`).

"Who" is a set of named relations between the actor and the object (requester, handling organization, area
staff …). Each machine is given the functions that decide them; a transition names the relations that may
take it. A service still does its own work after the guard (validation of its input, row lock, event, audit,
notification, all in one transaction), but it never restates which states or people an action is for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gongzhi.core.errors import IllegalState, PermissionDenied

type Relation = Callable[[Any, Any], bool]
type Condition = Callable[[Any], bool]


@dataclass(frozen=True)
class Transition:
    """One row of the table.

    ``target`` is the state the object moves to; ``None`` keeps its state (an action that is recorded but does
    not move it, such as a reminder). Where the next state depends on the object or on who acts, ``choose``
    picks it from ``targets`` (each listed for the diagram), given the object and the actor's relations to it.
    ``when`` is a further condition on the object (for instance "nobody holds it yet"); ``blocked`` says in
    Chinese why the action is not possible when it fails. ``explain`` may word the refusal for the object's
    situation (naming who holds it, say); when it returns None the generic sentence is used.
    """

    action: str
    sources: tuple[str, ...]
    target: str | None
    who: tuple[str, ...]
    label: str | Promise
    denied: str | Promise
    inputs: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()  # for ``choose``: which (from, to) pairs can happen, if not all
    choose: Callable[[Any, frozenset[str]], str] | None = None
    when: Condition | None = None
    blocked: str | Promise = ""
    explain: Callable[[Any], str | None] | None = None

    def next_state(self, obj: Any, current: str, relations: Iterable[str] = ()) -> str:
        if self.choose is not None:
            chosen = self.choose(obj, frozenset(relations))
            if chosen not in self.targets or (self.edges and (current, chosen) not in self.edges):
                raise ValueError(f"{self.action}: chose {chosen!r} from {current!r}, not a declared edge")
            return chosen
        return current if self.target is None else self.target

    def possible_targets(self) -> tuple[str, ...]:
        return self.targets if self.choose is not None else ((self.target,) if self.target else ())

    def moves(self) -> list[tuple[str, str]]:
        """Every (from, to) this transition can make, staying put included."""
        if self.edges:
            return list(self.edges)
        targets = self.possible_targets()
        return [(source, target) for source in self.sources for target in (targets or (source,))]


@dataclass(frozen=True)
class Prediction:
    """What the table says should happen when an actor with ``relations`` tries ``action``."""

    allowed: bool
    status: int  # 200, 403 or 409
    state: str  # the state afterwards


@dataclass
class StateMachine:
    """The transitions of one kind of object (see the module docstring)."""

    name: str
    states: type[TextChoices]
    relations: Mapping[str, Relation]
    transitions: Sequence[Transition]
    state_of: Callable[[Any], str] = field(default=lambda obj: obj.state)
    subject: str | Promise = ""  # how refusals name the object: "该需求当前状态为…"

    def __post_init__(self) -> None:
        self._by_action: dict[str, Transition] = {}
        known = set(self.states.values)
        for t in self.transitions:
            if t.action in self._by_action:
                raise ValueError(f"{self.name}: action {t.action!r} declared twice")
            unknown = (set(t.sources) | set(t.possible_targets())) - known
            if unknown:
                raise ValueError(f"{self.name}.{t.action}: unknown states {sorted(unknown)}")
            missing = set(t.who) - set(self.relations)
            if missing:
                raise ValueError(f"{self.name}.{t.action}: unknown relations {sorted(missing)}")
            if t.choose is not None and not t.targets:
                raise ValueError(f"{self.name}.{t.action}: 'choose' needs the possible 'targets'")
            if any(a not in t.sources or b not in t.targets for a, b in t.edges):
                raise ValueError(f"{self.name}.{t.action}: edges must lead from its sources to its targets")
            self._by_action[t.action] = t

    # ---- lookups -----------------------------------------------------------------------------------

    @property
    def actions(self) -> list[str]:
        return [t.action for t in self.transitions]

    def __getitem__(self, action: str) -> Transition:
        return self._by_action[action]

    def __contains__(self, action: object) -> bool:
        return action in self._by_action

    def relations_of(self, actor: Any, obj: Any, names: Iterable[str] | None = None) -> set[str]:
        """The named relations the actor has to the object (only those asked for, each decided once)."""
        wanted = self.relations if names is None else names
        return {name for name in wanted if self.relations[name](actor, obj)}

    # ---- the guard and the offer -------------------------------------------------------------------

    def guard(self, actor: Any, obj: Any, action: str) -> frozenset[str]:
        """Raise :class:`PermissionDenied` if the actor may not take the action at all, :class:`IllegalState`
        (409, naming the current state) if the object is not in a state the action starts from. Returns the
        actor's relations that allowed it (some transitions lead on differently for different people)."""
        t = self._by_action[action]
        relations = frozenset(self.relations_of(actor, obj, t.who))
        if not relations:
            raise PermissionDenied(t.denied)
        state = self.state_of(obj)
        if state not in t.sources or (t.when is not None and not t.when(obj)):
            label = self.states(state).label
            message = t.explain(obj) if t.explain is not None else None
            if not message and state in t.sources and t.blocked:
                message = str(t.blocked)
            raise IllegalState(
                message
                or _("%(subject)s当前状态为“%(state)s”，不能%(doing)s")
                % {"subject": self.subject, "state": label, "doing": t.label},
                state=state,
                state_label=label,
            )
        return relations

    def next_state(self, action: str, obj: Any, relations: Iterable[str] = ()) -> str:
        """The state ``action`` leads ``obj`` to, for an actor with these relations (as :meth:`guard` returned)."""
        return self._by_action[action].next_state(obj, self.state_of(obj), relations)

    def allowed(self, actor: Any, obj: Any, *, extra: Mapping[str, Condition] | None = None) -> list[str]:
        """The actions the actor could take now, in declared order (for buttons and the API's ``actions``).

        ``extra`` adds conditions that depend on more than the table (e.g. "has not rated yet"); the services
        remain the judges."""
        state = self.state_of(obj)
        cache: dict[str, bool] = {}

        def has(name: str) -> bool:
            if name not in cache:
                cache[name] = self.relations[name](actor, obj)
            return cache[name]

        offered = []
        for t in self.transitions:
            if state not in t.sources or (t.when is not None and not t.when(obj)):
                continue
            if not any(has(name) for name in t.who):
                continue
            if extra and t.action in extra and not extra[t.action](obj):
                continue
            offered.append(t.action)
        return offered

    def predict(self, action: str, state: str, relations: Iterable[str], obj: Any = None) -> Prediction:
        """The table's answer, for property tests: who may, from which state, to which state."""
        t = self._by_action[action]
        if not set(t.who) & set(relations):
            return Prediction(False, 403, state)
        if state not in t.sources or (t.when is not None and obj is not None and not t.when(obj)):
            return Prediction(False, 409, state)
        if t.choose is not None and obj is None:
            raise ValueError(f"{self.name}.{action}: the next state depends on the object; pass it")
        return Prediction(True, 200, t.next_state(obj, state, relations))

    # ---- documentation -------------------------------------------------------------------------------

    def mermaid(self) -> str:
        """A ``stateDiagram-v2`` of every transition that changes the state."""
        lines = ["stateDiagram-v2"]
        for t in self.transitions:
            for source, target in t.moves():
                if target != source:
                    lines.append(f"    {source} --> {target}: {t.action}")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The table as the docs show it: action, label, from, to, who, input."""
        rows = [
            "| action | 按钮 | from | to | who | input |",
            "|---|---|---|---|---|---|",
        ]
        for t in self.transitions:
            to = (
                ", ".join(f"{a} → {b}" for a, b in t.edges)
                if t.edges
                else " / ".join(t.possible_targets()) or "(unchanged)"
            )
            rows.append(
                f"| {t.action} | {t.label} | {', '.join(t.sources)} | {to} | {', '.join(t.who)} | "
                f"{', '.join(t.inputs) or '—'} |"
            )
        return "\n".join(rows)
