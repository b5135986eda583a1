"""The declared state machine of grid events (see docs/grid.md for the diagram and table)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.statemachine import StateMachine, Transition
from gongzhi.grid import rules
from gongzhi.grid.models import EventState as S

MACHINE = StateMachine(
    name="grid_event",
    states=S,
    relations={
        "grid_worker": rules.is_grid_worker,
        "area_staff": rules.is_area_staff,
        "handler": rules.is_handler,
    },
    transitions=[
        Transition(
            "take",
            (S.REPORTED,),
            S.HANDLING,
            ("grid_worker", "area_staff"),
            _("接手处置"),
            _("只有本网格的网格员或社区、街道工作人员可以接手处置"),
        ),
        Transition(
            "resolve",
            (S.HANDLING,),
            S.RESOLVED,
            ("handler", "area_staff"),
            _("处置完成"),
            _("只有处置人或社区、街道工作人员可以提交处置结果"),
            inputs=("note",),
        ),
        Transition(
            "close",
            (S.RESOLVED,),
            S.CLOSED,
            ("area_staff",),
            _("核查办结"),
            _("只有社区、街道工作人员可以核查办结"),
        ),
        Transition(
            "reopen",
            (S.RESOLVED,),
            S.HANDLING,
            ("area_staff",),
            _("退回重新处置"),
            _("只有社区、街道工作人员可以退回"),
            inputs=("note",),
        ),
        Transition(
            "dismiss",
            (S.REPORTED, S.HANDLING),
            S.DISMISSED,
            ("area_staff",),
            _("撤销"),
            _("只有社区、街道工作人员可以撤销事件"),
            inputs=("note",),
        ),
    ],
)
