"""Reads of personal data: each one is logged (DESIGN.md §1), and the reporter's contact is read
through ``reveal_contact`` only.

The staff case page and the API show a reporter's contact masked. A staff member who needs to
call or write to the reporter asks for it with a purpose; they get it when the reporter agreed
to share it and they hold a role on the case that works with the reporter, and the read is
logged before the contact is handed out. Auditors read the log in the admin.
"""

import ipaddress

from django.utils.translation import gettext as _

from civicgrid.cases.access import roles_on_case
from civicgrid.cases.actions import Forbidden, Invalid
from civicgrid.org.roles import Role
from civicgrid.privacy.models import PersonalDataAccess

CONTACT = "contact"
# The roles that may work with the reporter of a case they hold that role on. Auditors read
# the log, not the data; administrators keep reference data.
REVEAL_ROLES = frozenset({Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER, Role.SUPERVISOR})
MAX_FIELD = PersonalDataAccess._meta.get_field("field").max_length
MAX_PURPOSE = PersonalDataAccess._meta.get_field("purpose").max_length


def log_read(user, case, field: str, purpose: str, request=None) -> PersonalDataAccess:
    """Record that ``user`` read ``field`` of ``case`` (None when the data belongs to no case)
    for ``purpose``; ``request`` gives the IP address. Returns the new row.

    Call it before the data is shown: when it fails (ValueError for an anonymous user or a
    blank field or purpose), nothing may be shown."""
    if user is None or not user.is_authenticated:
        raise ValueError(_("Only a known user may read personal data."))
    field = (field or "").strip()
    purpose = (purpose or "").strip()
    if not field or len(field) > MAX_FIELD:
        raise ValueError(_("Name the personal data that is read (at most %(n)s characters).") % {"n": MAX_FIELD})
    if not purpose or len(purpose) > MAX_PURPOSE:
        raise ValueError(_("Say why the personal data is read (at most %(n)s characters).") % {"n": MAX_PURPOSE})
    return PersonalDataAccess.objects.create(user=user, case=case, field=field, purpose=purpose, ip=client_ip(request))


def client_ip(request) -> str | None:
    """The address the request came from (``REMOTE_ADDR``), or None.

    ``X-Forwarded-For`` is not read: any client can write it. Behind a reverse proxy, have the
    proxy (or the WSGI server) put the client's address in ``REMOTE_ADDR``."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def reveal_contact(user, case, *, purpose: str, request=None) -> str:
    """The reporter's full contact on ``case`` for ``user``, logged; ``case`` comes from
    ``cases.access`` (the caller may see it).

    Forbidden when the user holds no role in ``REVEAL_ROLES`` on the case, or the reporter did
    not agree to share the contact; Invalid when there is no contact or no purpose."""
    if not roles_on_case(user, case) & REVEAL_ROLES:
        raise Forbidden(_("Only staff who work on this case may see the reporter's contact."))
    if not case.contact_shared:
        raise Forbidden(_("The reporter has not agreed to share their contact with the staff; it stays hidden."))
    if not case.contact:
        raise Invalid(_("The reporter left no contact."))
    purpose = (purpose or "").strip()
    if not purpose:
        raise Invalid(_("Say why you need the reporter's contact."))
    log_read(user, case, CONTACT, purpose[:MAX_PURPOSE], request)
    return case.contact


def mask_contact(contact: str) -> str:
    """``13812345678`` → ``138****5678``; ``alice@example.org`` → ``a***@example.org``."""
    contact = (contact or "").strip()
    if not contact:
        return ""
    if "@" in contact:
        local, _at, domain = contact.rpartition("@")
        return f"{local[:1]}***@{domain}"
    digits = [c for c in contact if c.isdigit()]
    if len(digits) >= 7:
        return "".join(digits[:3]) + "****" + "".join(digits[-4:])
    return contact[:1] + "***"
