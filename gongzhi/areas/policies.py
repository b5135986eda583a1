"""Who may do what with areas."""

from django.db.models import Q

from gongzhi.accounts.models import Role
from gongzhi.accounts.permissions import Policy, register
from gongzhi.areas.models import Area, Level


@register(Area)
class AreaPolicy(Policy):
    rules = {
        # The division tree is public knowledge.
        "view": lambda g: Q(),
        # Grids are drawn by the community's own staff (or the street above it).
        "create_grid": lambda g: Q(level=Level.COMMUNITY) & g.area_q("", Role.COMMUNITY_WORKER, Role.STREET_STAFF),
        "manage": lambda g: g.area_q("", Role.COMMUNITY_WORKER, Role.STREET_STAFF, Role.CIVIL_AFFAIRS),
    }
