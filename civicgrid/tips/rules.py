"""The tip line's deadlines and reward rules: plain functions, no Django.

No statute sets the periods of a city's tip line, so each default below borrows the period of
the nearest rule for the same kind of work, named in the function's docstring. Deployments
change them with ``settings.TIP_STEP_PERIODS`` (a dict: step → duration, e.g.
``{"verify": "30d"}``); ``periods()`` validates what is configured. Only calendar days (``Nd``)
and working days (``Nwd``) are accepted: the line keeps a tip's submission time to the day (so
that it cannot be matched against the web server's access log), and day counts do not depend on
the hour (``lib/workcalendar.py``: the day of receipt is not counted).

Counting on the working calendar: ``Nd`` ends at 24:00 of the Nth day after the start (moved to
the end of the next working day when that day is not one), ``Nwd`` at the close of business of
the Nth working day after the start.
"""

from decimal import Decimal

from civicgrid.lib.workcalendar import CALENDAR_DAYS, WORKING_DAYS, Duration, default_calendar, parse_duration

SCREEN, VERIFY, HANDLE, ANSWER = "screen", "verify", "handle", "answer"
STEPS = (SCREEN, VERIFY, HANDLE, ANSWER)

DEFAULT_PERIODS = {SCREEN: "3d", VERIFY: "15wd", HANDLE: "60d", ANSWER: "5wd"}
DEFAULT_VERIFY_EXTENSION = "15wd"
# Verification may be extended once (市场监督管理投诉举报处理暂行办法 Art. 23: "特殊情况下").
MAX_VERIFY_EXTENSIONS = 1
# Start of a reward procedure after the tip was handled (see ``reward_start_due``).
REWARD_START_PERIOD = "30wd"
ALLOWED_UNITS = (CALENDAR_DAYS, WORKING_DAYS)

# A reward is a positive amount in yuan, at most this much (the largest class of the
# 公民举报危害国家安全行为奖励办法 Art. 12 is "10万元以上"; a larger sum is a decision outside
# the line).
MAX_REWARD = Decimal("1000000")

GREEN, YELLOW, RED = "green", "yellow", "red"
YELLOW_FROM = 0.8  # green below 80 % of the step's time, yellow to 100 %, red beyond


class RuleError(ValueError):
    """A configured period or a reward that the rules do not allow."""


def periods(overrides=None) -> dict[str, Duration]:
    """The period of every step: the defaults, with ``overrides`` (step → duration text) applied.

    RuleError names an unknown step, a duration that does not parse, or a unit other than days
    and working days."""
    texts = dict(DEFAULT_PERIODS)
    for step, text in dict(overrides or {}).items():
        if step not in STEPS and step != "verify_extension":
            raise RuleError(f"unknown tip step {step!r}: use one of {', '.join(STEPS)} or verify_extension")
        texts[step] = text
    texts.setdefault("verify_extension", DEFAULT_VERIFY_EXTENSION)
    out = {}
    for step, text in texts.items():
        try:
            duration = parse_duration(text)
        except ValueError as e:
            raise RuleError(f"tip step {step}: {e}") from e
        if duration.unit not in ALLOWED_UNITS:
            raise RuleError(f"tip step {step}: count in days (Nd) or working days (Nwd), not {text!r}")
        out[step] = duration
    return out


def _add(start, duration: Duration, calendar):
    return (calendar or default_calendar()).add(start, duration)


def screen_due(submitted_at, *, config=None, calendar=None):
    """First check (初核) of a tip: by default 3 days after the day it was submitted.

    公安部《关于改革完善受案立案制度的意见》(2015): "刑事案件立案审查期限原则上不超过3日" — the
    police decide within 3 days whether a report is a matter for them; a tip's first check is
    the same decision (this line, another body, or not a tip at all)."""
    return _add(submitted_at, periods(config)[SCREEN], calendar)


def verify_due(screened_at, *, config=None, calendar=None):
    """Verification (核查) of a screened tip: by default 15 working days after the first check.

    市场监督管理投诉举报处理暂行办法 (2022) Art. 23: a clue of a violation is checked (核查)
    "自发现之日起十五个工作日内"; "特殊情况下，核查时限可以延长十五个工作日" (``extended_verify_due``)."""
    return _add(screened_at, periods(config)[VERIFY], calendar)


def extended_verify_due(current_due, *, extensions_so_far: int, config=None, calendar=None):
    """The verification deadline moved once by 15 working days (市场监督管理投诉举报处理暂行办法
    Art. 23, "特殊情况下，核查时限可以延长十五个工作日"). RuleError after the first extension."""
    if extensions_so_far >= MAX_VERIFY_EXTENSIONS:
        raise RuleError("verification has already been extended once")
    return _add(current_due, periods(config)["verify_extension"], calendar)


def handle_due(verified_at, *, config=None, calendar=None):
    """Handling (处置) of a substantiated tip: by default 60 days after verification.

    信访工作条例 (2022) Art. 34: a matter raised by a member of the public, accusations
    (检举控告) included, is dealt with "自受理之日起60日内"."""
    return _add(verified_at, periods(config)[HANDLE], calendar)


def answer_due(concluded_at, *, config=None, calendar=None):
    """The answer to the submitter (反馈): by default 5 working days after the checking ended
    (handled, not substantiated or transferred).

    市场监督管理投诉举报处理暂行办法 (2022) Art. 31: the reporter is told "自作出是否立案决定之日起
    五个工作日内"; the tip line tells every submitter, named or not (Art. 32: "予以告知")."""
    return _add(concluded_at, periods(config)[ANSWER], calendar)


def reward_start_due(handled_at, *, calendar=None):
    """A reward procedure for a substantiated tip starts within 30 working days after it was
    handled (公民举报危害国家安全行为奖励办法 (2022) Art. 13: "在举报查证属实、依法…作出处理后30个
    工作日内…启动奖励程序"). Shown to the tip handlers as a reminder; nothing is blocked by it."""
    return _add(handled_at, parse_duration(REWARD_START_PERIOD), calendar)


def check_reward(amount: Decimal, *, outcome: str) -> None:
    """A reward may be proposed only for a substantiated tip (公民举报危害国家安全行为奖励办法
    Art. 8(3): "举报内容经…查证属实"), for a positive amount of at most ``MAX_REWARD`` yuan with
    at most two decimals. RuleError otherwise."""
    if outcome != "substantiated":
        raise RuleError("a reward is only for a substantiated tip")
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise RuleError("the amount must be a number")
    if amount <= 0 or amount > MAX_REWARD:
        raise RuleError(f"the amount must be more than 0 and at most {MAX_REWARD}")
    if amount != amount.quantize(Decimal("0.01")):
        raise RuleError("the amount has at most two decimals (fen)")


def check_reward_approver(proposed_by_id, deciding_id) -> None:
    """A reward is approved or refused by a second person, never by whoever proposed it (four
    eyes; 公民举报危害国家安全行为奖励办法 Art. 19–20 put the payment of rewards under oversight and
    sanction rewards given without proper checking). RuleError when it is the same person."""
    if proposed_by_id == deciding_id:
        raise RuleError("the person who proposed a reward cannot also decide it")


def sla_colour(started_at, due_at, now, *, unit: str = WORKING_DAYS, calendar=None) -> str | None:
    """Colour of a running step from the share of its time used (processes.md §6): green below
    80 %, yellow to 100 %, red once the deadline has passed. None when no step runs."""
    if started_at is None or due_at is None:
        return None
    if now >= due_at:
        return RED
    cal = calendar or default_calendar()
    used = cal.fraction_elapsed(started_at, due_at, now, unit)
    return YELLOW if used >= YELLOW_FROM else GREEN
