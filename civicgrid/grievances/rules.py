"""The statutory periods of a grievance (信访) under the 信访工作条例 of 2022 ("the Regulations";
issued 2022-02-25, in force 2022-05-01), processes.md §2.1. Plain module: no Django.

Every period is counted on the working calendar (``lib/workcalendar.py``), which each function
takes as ``calendar`` (callers pass ``default_calendar()``):

- ``Nd`` calendar days: the day of receipt is not counted; the period ends at 24:00 of the Nth
  day, and when that day is not a working day, at 24:00 of the next working day (statutory
  practice: 民事诉讼法 Art. 85, 行政许可法 Art. 82);
- ``Nwd`` working days: the day of receipt is not counted; the period ends at the close of
  business of the Nth working day.

A rule that is broken raises ``RuleBroken`` with a message that cites its article; the actions
translate it for the person who tried (the messages are marked for translation here and
translated there).
"""

import datetime as dt
from dataclasses import dataclass, field

from civicgrid.lib.workcalendar import WorkCalendar


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation (``makemessages`` collects it); the caller translates."""
    return message


# Art. 22: the letters-and-visits office registers and triages a matter within 15 days.
TRIAGE_DAYS = 15
# Art. 23: the body tells the petitioner in writing within 15 days of receiving the matter.
NOTICE_DAYS = 15
# Art. 23: a body that received a matter outside its authority objects within 5 working days.
OBJECTION_WORKING_DAYS = 5
# Art. 34: handled within 60 days of acceptance; extendable once, by at most 30 days.
HANDLING_DAYS = 60
MAX_EXTENSION_DAYS = 30
MAX_EXTENSIONS = 1
# Art. 35: review (复查) requested within 30 days of the written reply, answered within 30 days.
REVIEW_REQUEST_DAYS = 30
REVIEW_ANSWER_DAYS = 30
# Art. 36: re-review (复核) likewise; the time a hearing takes is not counted.
REREVIEW_REQUEST_DAYS = 30
REREVIEW_ANSWER_DAYS = 30

REGULATIONS = gettext_noop("Regulations on Letters and Visits Work (2022)")


@dataclass
class RuleBroken(Exception):
    """A statutory rule refuses the request. ``message`` (English source, with ``%(name)s``
    placeholders filled from ``params``) names the rule; ``article`` is the article number."""

    message: str
    article: int
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.params


def _days(calendar: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    return calendar.add(start, f"{days}d")


def triage_due(received_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """When the letters-and-visits office must have registered and triaged the matter: transferred
    (转送) or assigned (交办) it to the body with authority, or told the petitioner where to go.

    Art. 22: "信访部门收到信访事项，应当予以登记，并区分情况，在15日内分别按照下列方式处理"."""
    return _days(calendar, received_at, TRIAGE_DAYS)


def notice_due(received_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """When the body that received a matter (directly, or transferred or assigned to it) must have
    told the petitioner in writing how it was received and how it will be handled.

    Art. 23: "应当自收到之日起15日内书面告知信访人接收情况以及处理途径和程序"."""
    return _days(calendar, received_at, NOTICE_DAYS)


def objection_due(received_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """Until when the body a matter was transferred or assigned to may object that it is not
    within its authority, with its reasons.

    Art. 23: "不属于本机关、单位或者本系统职权范围的，有关机关、单位应当自收到之日起5个工作日内
    提出异议，并详细说明理由"."""
    return calendar.add(received_at, f"{OBJECTION_WORKING_DAYS}wd")


def check_objection(received_at: dt.datetime, at: dt.datetime, calendar: WorkCalendar) -> None:
    """Art. 23: an objection after the 5 working days is refused."""
    due = objection_due(received_at, calendar)
    if at > due:
        raise RuleBroken(
            gettext_noop(
                "An objection to jurisdiction must be made within %(n)s working days of receiving the matter "
                "(by %(due)s); that time has passed, so the matter must be handled. (%(law)s, Art. 23)"
            ),
            23,
            {"n": OBJECTION_WORKING_DAYS, "due": due, "law": REGULATIONS},
        )


def handling_due(accepted_at: dt.datetime, calendar: WorkCalendar, extension_days: int = 0) -> dt.datetime:
    """When the matter must be concluded (办结): 60 days from acceptance, plus an approved extension
    (counted from acceptance: 60 + N days).

    Art. 34: "信访事项应当自受理之日起60日内办结；情况复杂的，经本机关、单位负责人批准，可以适当
    延长办理期限，但延长期限不得超过30日，并告知信访人延期理由"."""
    return _days(calendar, accepted_at, HANDLING_DAYS + extension_days)


def check_extension(days: int, extensions_so_far: int, handle_due_at: dt.datetime, at: dt.datetime) -> None:
    """Art. 34: one extension, of 1 to 30 days, asked for before the handling period has run out."""
    if extensions_so_far >= MAX_EXTENSIONS:
        raise RuleBroken(
            gettext_noop("The handling period can be extended only once. (%(law)s, Art. 34)"),
            34,
            {"law": REGULATIONS},
        )
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise RuleBroken(
            gettext_noop("An extension is of 1 to %(max)s days. (%(law)s, Art. 34)"),
            34,
            {"max": MAX_EXTENSION_DAYS, "law": REGULATIONS},
        )
    if at > handle_due_at:
        raise RuleBroken(
            gettext_noop(
                "The handling period ended on %(due)s: it can no longer be extended. Conclude the matter. "
                "(%(law)s, Art. 34)"
            ),
            34,
            {"due": handle_due_at, "law": REGULATIONS},
        )


def review_request_deadline(reply_received_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """Until when the petitioner may ask the next level up for a review (复查) of the decision.

    Art. 35: "信访人对信访处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关、单位的
    上一级机关、单位复查"."""
    return _days(calendar, reply_received_at, REVIEW_REQUEST_DAYS)


def check_review_request(reply_received_at: dt.datetime, requested_at: dt.datetime, calendar: WorkCalendar) -> None:
    """Art. 35: a review asked for after the 30 days is refused."""
    deadline = review_request_deadline(reply_received_at, calendar)
    if requested_at > deadline:
        raise RuleBroken(
            gettext_noop(
                "A review must be requested within %(n)s days of receiving the written reply, that is by "
                "%(deadline)s; that time has passed. (%(law)s, Art. 35)"
            ),
            35,
            {"n": REVIEW_REQUEST_DAYS, "deadline": deadline, "law": REGULATIONS},
        )


def review_answer_due(request_received_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """When the reviewing body must give its written review opinion (复查意见).

    Art. 35: "收到复查请求的机关、单位应当自收到复查请求之日起30日内提出复查意见，并予以书面答复"."""
    return _days(calendar, request_received_at, REVIEW_ANSWER_DAYS)


def rereview_request_deadline(review_reply_received_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """Until when the petitioner may ask the next level up again for a re-review (复核).

    Art. 36: "信访人对复查意见不服的，可以自收到书面答复之日起30日内向复查机关、单位的上一级机关、
    单位请求复核"."""
    return _days(calendar, review_reply_received_at, REREVIEW_REQUEST_DAYS)


def check_rereview_request(
    review_reply_received_at: dt.datetime, requested_at: dt.datetime, calendar: WorkCalendar
) -> None:
    """Art. 36: a re-review asked for after the 30 days is refused."""
    deadline = rereview_request_deadline(review_reply_received_at, calendar)
    if requested_at > deadline:
        raise RuleBroken(
            gettext_noop(
                "A re-review must be requested within %(n)s days of receiving the written review opinion, that "
                "is by %(deadline)s; that time has passed. (%(law)s, Art. 36)"
            ),
            36,
            {"n": REREVIEW_REQUEST_DAYS, "deadline": deadline, "law": REGULATIONS},
        )


def hearing_days(periods) -> int:
    """How many calendar days hearings took: each ``(first_day, last_day)`` counts its days
    inclusively (a one-day hearing is 1 day); a day covered by two periods counts once.

    Art. 36: "听证所需时间不计算在前款规定的时限内"."""
    days: set[dt.date] = set()
    for first, last in periods:
        if last < first:
            raise ValueError("a hearing cannot end before it starts")
        days.update(first + dt.timedelta(n) for n in range((last - first).days + 1))
    return len(days)


def rereview_answer_due(request_received_at: dt.datetime, calendar: WorkCalendar, hearing: int = 0) -> dt.datetime:
    """When the re-reviewing body must give its re-review opinion (复核意见): 30 days from the
    request, plus the days hearings took (``hearing``, see ``hearing_days``).

    Art. 36: "收到复核请求的机关、单位应当自收到复核请求之日起30日内提出复核意见 ... 听证所需时间
    不计算在前款规定的时限内"."""
    return _days(calendar, request_received_at, REREVIEW_ANSWER_DAYS + hearing)


def check_not_rereviewed(rereviewed: bool) -> None:
    """Art. 36: re-review is the last step; there is no further review or re-review."""
    if rereviewed:
        raise RuleBroken(
            gettext_noop(
                "This matter has already been re-reviewed: the re-review opinion is final and there is no "
                "further review. (%(law)s, Art. 36)"
            ),
            36,
            {"law": REGULATIONS},
        )


def check_same_facts(earlier_rereviewed: bool, new_facts_or_reasons: bool) -> None:
    """Art. 36: after re-review, the same matter on the same facts and reasons is not accepted
    again: "信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，信访部门和其他机关、单位
    不再受理". New facts or reasons make a new matter."""
    if earlier_rereviewed and not new_facts_or_reasons:
        raise RuleBroken(
            gettext_noop(
                "This matter has been re-reviewed. A request on the same facts and reasons is not accepted "
                "again; a new submission must bring new facts or reasons. (%(law)s, Art. 36)"
            ),
            36,
            {"law": REGULATIONS},
        )


def check_not_being_handled(earlier_open: bool) -> None:
    """Art. 19: while a matter is accepted or being handled, the same matter raised with a higher
    level is not accepted as a new matter: it is linked to the one being handled."""
    if earlier_open:
        raise RuleBroken(
            gettext_noop(
                "This matter is already being handled under its receipt number: it is not registered a second "
                "time. Raising it again is recorded on the matter being handled. (%(law)s, Art. 19)"
            ),
            19,
            {"law": REGULATIONS},
        )


def check_accusation_route(is_accusation: bool, to_complained_party: bool) -> None:
    """Art. 30: accusation and whistle-blowing material is never passed to the person or unit it
    is about: "不得将信访人的检举、揭发材料以及有关情况透露或者转给被检举、揭发的人员或者单位"."""
    if is_accusation and to_complained_party:
        raise RuleBroken(
            gettext_noop(
                "An accusation cannot be transferred or assigned to the unit it is about, nor to a unit within "
                "it. (%(law)s, Art. 30)"
            ),
            30,
            {"law": REGULATIONS},
        )
