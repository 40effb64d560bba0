"""Template context shared by every page: which parts of the product the user may open."""

from civicgrid.org import access
from civicgrid.org.roles import Role

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
            "admin": bool(user is not None and user.is_staff),
        }
    }
