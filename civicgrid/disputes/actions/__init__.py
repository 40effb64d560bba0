"""Every change to a dispute: ``do_<verb>_<noun>(..., acting_user=...)``.

Each action checks the dispute workflow table (``disputes/workflow.py``) against the actor's
roles on the dispute (``disputes/access.py``) before it looks at its other input, then the
statutory rules (``disputes/rules.py``), and only then writes: the case change and its chained
event through ``cases.actions.apply_transition`` / ``create_case``, and the mediation record,
in one transaction. A refusal (``Forbidden``, ``Invalid`` with the rule cited, ``Conflict``)
writes nothing.

Events never carry personal data: their payloads hold ids, codes, dates and choices, and the
texts that may name people (cause, parties, minutes, agreement terms, notes) stay in the
dispute's own tables, which only ``disputes/access.py`` reads. Staff who see the case in
general lists see its type, place and status only.

The actions are split by stage (``registering``, ``mediating``, ``after``, ``screening``) and
re-exported here: callers import ``civicgrid.disputes.actions``.
"""

from civicgrid.disputes.actions._base import (
    MAX_CAUSE,
    MAX_PLACE,
    SCREENING_ROLES,
    PartyIn,
    area_organisation,
    permitted,
    serves,
)
from civicgrid.disputes.actions.after import (
    do_apply_for_confirmation,
    do_close_dispute,
    do_follow_up,
    do_record_court_acceptance,
    do_record_court_decision,
    do_record_court_extension,
    do_record_criminal_case,
    do_record_police_feedback,
    do_refer_to_police,
    do_remediate,
)
from civicgrid.disputes.actions.mediating import (
    current_agreement,
    do_add_party,
    do_ask_consent,
    do_assign_mediators,
    do_draft_agreement,
    do_extend_period,
    do_reach_agreement,
    do_record_consent,
    do_record_session,
    do_schedule_session,
    do_start_mediation,
    do_terminate_mediation,
)
from civicgrid.disputes.actions.registering import do_apply_for_mediation, do_identify_dispute, do_receive_referral
from civicgrid.disputes.actions.screening import do_submit_screening_report, may_report_screening

__all__ = [
    "MAX_CAUSE",
    "MAX_PLACE",
    "SCREENING_ROLES",
    "PartyIn",
    "area_organisation",
    "current_agreement",
    "do_add_party",
    "do_apply_for_confirmation",
    "do_apply_for_mediation",
    "do_ask_consent",
    "do_assign_mediators",
    "do_close_dispute",
    "do_draft_agreement",
    "do_extend_period",
    "do_follow_up",
    "do_identify_dispute",
    "do_reach_agreement",
    "do_receive_referral",
    "do_record_consent",
    "do_record_court_acceptance",
    "do_record_court_decision",
    "do_record_court_extension",
    "do_record_criminal_case",
    "do_record_police_feedback",
    "do_record_session",
    "do_refer_to_police",
    "do_remediate",
    "do_schedule_session",
    "do_start_mediation",
    "do_submit_screening_report",
    "do_terminate_mediation",
    "may_report_screening",
    "permitted",
    "serves",
]
