"""The order's state machine, declared once (docs/orders.md shows it; see ``gongzhi.core.statemachine``).

Each row: the action, the states it starts from, the state it leads to, who may take it (relations decided
in ``rules``), the word on its button, what an outsider to it is told, and what it asks for. The services
guard with it, the pages and the API offer what it allows, the docs draw it and the property test predicts
with it. Creation and the automatic closing are not rows: nobody chooses them on an existing order.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core.statemachine import StateMachine, Transition
from gongzhi.orders import rules
from gongzhi.orders.models import State

P, A, RJ, C, CL, X, F, S = (
    State.PENDING,
    State.ACCEPTED,
    State.REJECTED,
    State.COMPLETED,
    State.CLOSED,
    State.CANCELLED,
    State.FORWARDED,
    State.SIGNED,
)


def _unheld(order: Any) -> bool:
    return order.org_id is None and order.department_id is None


def _held(order: Any) -> bool:
    return bool(order.org_id or order.department_id)


def _why_not_claim(order: Any) -> str:
    """Whoever tries to claim a need someone else has learns who holds it."""
    holder = order.org.name if order.org else (order.department.name if order.department else "")
    if order.state == P and holder:
        return gettext("该需求已派给“%(org)s”，请由该组织确认接单") % {"org": holder}
    if holder and order.state in (A, C, CL, S):
        return gettext("该需求已被“%(org)s”接单") % {"org": holder}
    return gettext("该需求当前状态为“%(s)s”，不能接单") % {"s": order.get_state_display()}


def _rated(order: Any, relations: frozenset[str]) -> str:
    # The requester's rating of a completed service also closes it; anyone else's leaves the state.
    return CL if order.state == C and "requester" in relations else order.state


def _reopened(order: Any, relations: frozenset[str]) -> str:
    # Back to whoever handled it: the organization, or the department that signed for it.
    return A if order.org_id else S


MACHINE = StateMachine(
    name="order",
    states=State,
    subject=_("该需求"),
    relations={
        "requester": rules.is_requester,
        "enterer": rules.is_enterer,
        "any_org": rules.is_org_member,
        "handler_org": rules.is_handler_org_member,
        "dispatcher": rules.is_dispatcher,
        "area_staff": rules.is_area_staff,
        "reminding_staff": rules.is_reminding_staff,
        "department": rules.is_handler_dept_staff,
        "rater": lambda actor, order: rules.rater_role(actor, order) is not None,
    },
    transitions=[
        # In the order the buttons appear: the step forward first, the ways back or out last.
        Transition(
            "claim",
            (P,),
            A,
            ("any_org",),
            _("接单"),
            _("只有社会组织成员可以接单"),
            when=_unheld,
            explain=_why_not_claim,
        ),
        Transition("accept", (P,), A, ("handler_org",), _("确认接单"), _("只有被派单的社会组织可以确认接单")),
        Transition(
            "complete",
            (A,),
            C,
            ("handler_org",),
            _("提交完成"),
            _("只有承接该需求的社会组织可以提交完成"),
            inputs=("description", "photos", "people_served", "volunteers"),
        ),
        Transition(
            "rate",
            (C, CL),
            None,
            ("requester", "rater"),
            _("评价"),
            _("只有需求人、派单方、职能部门或本社区工作人员可以评价"),
            inputs=("stars", "comment"),
            targets=(CL, C),
            edges=((C, CL), (C, C), (CL, CL)),
            choose=_rated,
        ),
        Transition(
            "confirm",
            (C,),
            CL,
            ("requester", "dispatcher", "department", "area_staff"),
            _("确认办结"),
            _("只有需求人、派单方或本社区工作人员可以确认办结"),
            inputs=("note",),
        ),
        Transition("sign", (F,), S, ("department",), _("签收"), _("只有承办部门的工作人员可以签收")),
        Transition(
            "reply", (S,), C, ("department",), _("答复"), _("只有承办部门的工作人员可以答复"), inputs=("reply",)
        ),
        Transition(
            "reassign",
            (P, RJ),
            P,
            ("dispatcher", "area_staff"),
            _("重新派单"),
            _("只有派单方或本区域的社区、街道工作人员可以重新派单"),
            inputs=("org", "note"),
        ),
        Transition(
            "forward",
            (P, RJ),
            F,
            ("area_staff", "dispatcher"),
            _("转办"),
            _("只有本区域的社区、街道工作人员可以转办"),
            inputs=("department", "note"),
        ),
        Transition(
            "remind",
            (P, A, F, S),
            None,
            ("reminding_staff",),
            _("催办"),
            _("只有本区域的社区或街道工作人员可以催办"),
            inputs=("note",),
            when=_held,
            blocked=_("该需求尚无承办方，无法催办；请先派单或转办"),
        ),
        Transition(
            "reject", (P,), RJ, ("handler_org",), _("拒绝"), _("只有被派单的社会组织可以拒绝"), inputs=("reason",)
        ),
        Transition(
            "reopen",
            (C,),
            None,
            ("requester", "area_staff"),
            _("要求重办"),
            _("只有需求人或本社区工作人员可以要求重办"),
            inputs=("reason",),
            targets=(A, S),
            choose=_reopened,
        ),
        Transition(
            "return",
            (F, S),
            P,
            ("department",),
            _("退回"),
            _("只有承办部门的工作人员可以退回"),
            inputs=("reason",),
        ),
        Transition(
            "cancel",
            (P, RJ),
            X,
            ("requester", "enterer"),
            _("撤销"),
            _("只有需求人或登记人可以撤销"),
            inputs=("reason",),
        ),
    ],
)
