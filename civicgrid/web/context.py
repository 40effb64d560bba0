"""Template context shared by every page: which parts of the product the user may open."""

from civicgrid.org import access
from civicgrid.org.roles import Role

# The roles that work grievances (信访): the letters-and-visits office, the bodies, their leaders.
GRIEVANCE_ROLES = {Role.GRIEVANCE_OFFICER, Role.HANDLER, Role.SUPERVISOR}
# The roles that have case queues on the workbench.
STAFF_DESK_ROLES = {Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR, Role.GRID_WORKER, Role.AUDITOR, Role.ADMINISTRATOR}


def navigation(request):
    user = getattr(request, "user", None)
    roles = access.roles_of(user) if user is not None else frozenset()
    return {
        "nav": {
            "workbench": bool(roles & STAFF_DESK_ROLES),
            "command": bool(roles & {Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR}),
            "patrol": Role.GRID_WORKER in roles,
            "grievances": bool(roles & GRIEVANCE_ROLES),
            "mediation": bool(roles & {Role.MEDIATOR, Role.SUPERVISOR}),
            "tips": Role.TIP_HANDLER in roles,
            "admin": bool(user is not None and user.is_staff),
        }
    }
