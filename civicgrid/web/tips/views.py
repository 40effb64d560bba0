"""The tip-line pages: submit a tip and check it (anyone, no account), and the tip handlers' desk.

Submitter pages never store who is asking: no session is written, nothing of the request is
kept (``tips/requestlog.py`` keeps it out of the logs too), their responses are not cached and
send no referrer to other sites. Photos stay in memory until they are cleaned and encrypted
(``tips/uploads.py``). A wrong receipt code and a wrong passphrase get the same answer, and attempts are limited.

Staff pages are for tip handlers only, within their scope; opening a tip decrypts it and logs the
read. Every view is parse → access → act → respond (``tips/access.py``, ``tips/actions.py``).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.cases.actions import CaseError, Conflict
from civicgrid.geo.models import Region
from civicgrid.org import access as org_access
from civicgrid.tips import access, actions, numbers, queues, rules, uploads, workflow
from civicgrid.tips.access import TooManyAttempts, WrongReceipt
from civicgrid.tips.models import Status as TipStatus
from civicgrid.tips.models import Tip, TipReward
from civicgrid.tips.throttle import allow_submission, client_address
from civicgrid.web.tips import forms

STAFF_READ_PURPOSE = gettext_lazy("Tip handling page")
# The timeline's names of the tip workflow's actions.
EVENT_LABELS = {
    "submit": gettext_lazy("Submitted"),
    "screen": gettext_lazy("Screened"),
    "verify": gettext_lazy("Substantiated"),
    "find_unfounded": gettext_lazy("Not substantiated"),
    "transfer": gettext_lazy("Transferred"),
    "extend_verification": gettext_lazy("Verification extended"),
    "handle": gettext_lazy("Handled"),
    "answer": gettext_lazy("Answered"),
    "reply": gettext_lazy("Message to the submitter"),
    "add_information": gettext_lazy("Information added by the submitter"),
    "note": gettext_lazy("Internal note"),
    "propose_reward": gettext_lazy("Reward proposed"),
    "decide_reward": gettext_lazy("Reward decided"),
}


def private(view):
    """Submitter pages: never cached, never indexed, no referrer sent to other sites (``same-origin``:
    with ``no-referrer`` Chromium posts the forms with ``Origin: null``, which the CSRF check refuses)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


# --- submitters -----------------------------------------------------------------------------


@csrf_exempt
def submit(request):
    """Send a tip. Uploads go to memory only, so the handlers are set before the body is read;
    the CSRF check follows in ``_submit``."""
    uploads.memory_only(request)
    return _submit(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
@private
def _submit(request):
    if request.method == "POST" and uploads.body_too_large(request):
        form = forms.SubmitTipForm(initial={"submission": secrets.token_urlsafe(24)})
        error = _("The tip with its photos is too large. Send smaller or fewer photos.")
        return render(request, "web/tips/submit.html", {"form": form, "error": error}, status=413)
    if request.method != "POST":
        form = forms.SubmitTipForm(initial={"submission": secrets.token_urlsafe(24)})
        return render(request, "web/tips/submit.html", {"form": form})
    form = forms.SubmitTipForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "web/tips/submit.html", {"form": form}, status=400)
    if not allow_submission(client_address(request)):
        form.add_error(None, _("Too many tips from this connection for now. Try again later."))
        return render(request, "web/tips/submit.html", {"form": form}, status=429)
    data = form.cleaned_data
    key = data.get("submission")
    try:
        done = actions.do_submit_tip(
            text=data["text"],
            topic=data["topic"],
            district_code=data["district"],
            photos=data["photos"],
            contact=data["contact"],
            passphrase=data["passphrase"],
            idempotency_key=actions.idempotency_key("web", key),
        )
    except CaseError as e:
        form.add_error(None, e.message)
        return render(request, "web/tips/submit.html", {"form": form}, status=e.status)
    if not done.created:
        return render(request, "web/tips/receipt.html", {"code": None})
    return render(request, "web/tips/receipt.html", {"code": done.receipt_code}, status=201)


@csrf_protect
@require_http_methods(["GET", "POST"])
@private
def check(request):
    """Receipt code + passphrase → the tip's progress and answers, and a form to add information."""
    if request.method != "POST":
        return render(request, "web/tips/check.html", {"form": forms.CheckTipForm()})
    form = forms.CheckTipForm(request.POST)
    if not form.is_valid():
        return render(request, "web/tips/check.html", {"form": form}, status=400)
    try:
        tip = access.access_tip_by_receipt(
            form.cleaned_data["receipt_code"], form.cleaned_data["passphrase"], address=client_address(request)
        )
    except (WrongReceipt, TooManyAttempts) as e:
        # The code typed is offered again, the passphrase never.
        form = forms.CheckTipForm(initial={"receipt_code": form.cleaned_data["receipt_code"]})
        return render(request, "web/tips/check.html", {"form": form, "error": e.message}, status=e.status)
    return _status_page(request, tip)


def _status_page(request, tip, *, form=None, status=200, added=False):
    view = access.submitter_view(tip)
    if form is None and view.is_open:
        form = forms.AddInformationForm(initial={"token": forms.check_token(tip)})
    context = {
        "view": view,
        "form": form if view.is_open else None,
        "added": added,
        "minutes": forms.CHECK_TOKEN_MAX_AGE // 60,
    }
    return render(request, "web/tips/status.html", context, status=status)


@csrf_exempt
def add_information(request):
    """More information for a checked tip (the page's signed token stands for the code)."""
    uploads.memory_only(request)
    return _add_information(request)


@csrf_protect
@require_POST
@private
def _add_information(request):
    if uploads.body_too_large(request):
        return _expired(request, _("The information with its photos is too large. Check your tip again."), 413)
    tip = forms.tip_from_token(request.POST.get("token", ""))
    if tip is None:
        return _expired(request, _("This page has expired. Check your tip again with your code and passphrase."), 403)
    form = forms.AddInformationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _status_page(request, tip, form=form, status=400)
    try:
        actions.do_add_tip_information(tip, text=form.cleaned_data["text"], photos=form.cleaned_data["photos"])
    except CaseError as e:
        form.add_error(None, e.message)
        return _status_page(request, Tip.objects.select_related("case").get(pk=tip.pk), form=form, status=e.status)
    tip = Tip.objects.select_related("case").get(pk=tip.pk)
    return _status_page(request, tip, added=True)


def _expired(request, message, status):
    return render(request, "web/tips/check.html", {"form": forms.CheckTipForm(), "error": message}, status=status)


# --- tip handlers ---------------------------------------------------------------------------


def tip_handler_required(view):
    """Signed-in tip handlers only: anonymous users go to the sign-in page, other staff get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.is_tip_handler(request.user):
            return render(request, "web/tips/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@dataclass(frozen=True)
class Spec:
    """A step offered on the tip page: its label, its form, the action function and ``arguments``,
    which maps each keyword argument of the function (besides ``acting_user`` and
    ``expected_version``) to the form field it comes from. Primary steps are offered first."""

    label: str
    form: type
    function: Callable
    arguments: dict
    primary: bool = True

    def call(self, tip, user, data):
        fields = {name: data[field] for name, field in self.arguments.items()}
        return self.function(tip, acting_user=user, expected_version=data["expected_version"], **fields)


# Most steps take only a note, from the form's note field.
NOTE = {"note": "note"}

ACTIONS = {
    "screen": Spec(gettext_lazy("Screened: verify it"), forms.NoteForm, actions.do_screen_tip, NOTE),
    "verify": Spec(gettext_lazy("Substantiated: handle it"), forms.RequiredNoteForm, actions.do_verify_tip, NOTE),
    "find_unfounded": Spec(
        gettext_lazy("Not substantiated"), forms.RequiredNoteForm, actions.do_find_tip_unfounded, NOTE
    ),
    "handle": Spec(gettext_lazy("Handled"), forms.RequiredNoteForm, actions.do_handle_tip, NOTE),
    "answer": Spec(
        gettext_lazy("Answer the submitter and close"), forms.MessageForm, actions.do_answer_tip, {"answer": "text"}
    ),
    "transfer": Spec(
        gettext_lazy("Transfer to the body with authority"),
        forms.TransferForm,
        actions.do_transfer_tip,
        {"to_body": "to_body", "note": "note"},
        primary=False,
    ),
    "extend_verification": Spec(
        gettext_lazy("Extend verification once"),
        forms.ReasonForm,
        actions.do_extend_tip_verification,
        {"reason": "note"},
        primary=False,
    ),
    "reply": Spec(
        gettext_lazy("Message to the submitter"),
        forms.MessageForm,
        actions.do_reply_tip,
        {"text": "text"},
        primary=False,
    ),
    "note": Spec(gettext_lazy("Internal note"), forms.InternalNoteForm, actions.do_note_tip, NOTE, primary=False),
}


@tip_handler_required
@require_GET
def staff_home(request):
    return _queue(request, queues.QUEUES[0])


@tip_handler_required
@require_GET
def staff_queue(request, slug):
    queue = queues.BY_SLUG.get(slug)
    if queue is None:
        raise Http404
    return _queue(request, queue)


def _queue(request, current):
    user, now = request.user, timezone.now()
    counts = queues.counts(user)
    tips = queues.tips_in(user, current).select_related("case")
    page = Paginator(tips, queues.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    districts = {t.case.district_code for t in rows if t.case.district_code}
    names = {r.code: r.name for r in Region.objects.filter(code__in=districts)}
    context = {
        "tabs": [{"queue": q, "count": counts[q.slug], "current": q == current} for q in queues.QUEUES],
        "current": current,
        "page": page,
        "rows": [
            {
                "tip": t,
                "district": names.get(t.case.district_code, ""),
                "sla": queues.sla_colour(t.case, now) if current.open else None,
            }
            for t in rows
        ],
    }
    return render(request, "web/tips/queue.html", context)


@tip_handler_required
@require_GET
def staff_tip(request, tip_id):
    tip = access.access_tip_by_id(request.user, tip_id)
    return _tip_page(request, tip)


def status_label(state: str) -> str:
    return str(TipStatus(state).label) if state in TipStatus.values else state


def _tip_page(
    request, tip, *, bound=None, reward_form=None, decision_forms=None, contact_form=None, contact=None, status=200
):
    user, now = request.user, timezone.now()
    view = access.read_tip(user, tip, purpose=str(STAFF_READ_PURPOSE), request=request)
    case = tip.case
    actor = access.actor_for_tip(user, tip)
    allowed = workflow.TIP.allowed(case.status, actor.roles)
    bound = bound or {}
    offered = sorted((a for a in allowed if a in ACTIONS), key=lambda a: not ACTIONS[a].primary)
    if "extend_verification" in offered and tip.verify_extensions >= rules.MAX_VERIFY_EXTENSIONS:
        offered.remove("extend_verification")
    action_forms = [
        {
            "name": a,
            "label": ACTIONS[a].label,
            "help": _(workflow.TIP.transition(a).doc),
            "primary": ACTIONS[a].primary,
            "form": bound.get(a) or ACTIONS[a].form(prefix=a, initial={"expected_version": case.version}),
            "url": reverse("tips:staff_action", args=[tip.pk, a]),
        }
        for a in offered
    ]
    refused = [
        {"label": ACTIONS[a].label, "errors": f.non_field_errors()} for a, f in bound.items() if a not in offered
    ]
    pending = [r for r in view.rewards if r.reward.decision == TipReward.Decision.PENDING]
    decision_forms = decision_forms or {}
    district = Region.objects.filter(code=case.district_code).first() if case.district_code else None
    context = {
        "view": view,
        "tip": tip,
        "case": case,
        "district": district,
        "sla": queues.sla_colour(case, now),
        "actions": action_forms,
        "refused": refused,
        "reward_allowed": "propose_reward" in allowed and tip.outcome == workflow.SUBSTANTIATED and not pending,
        "reward_form": reward_form or forms.RewardProposalForm(prefix="reward"),
        "decide_allowed": "decide_reward" in allowed,
        "decision_forms": {
            r.reward.pk: decision_forms.get(r.reward.pk) or forms.RewardDecisionForm(prefix=f"decide{r.reward.pk}")
            for r in pending
        },
        "reward_start_due": rules.reward_start_due(tip.handled_at)
        if tip.handled_at and tip.outcome == workflow.SUBSTANTIATED
        else None,
        "contact_form": contact_form or forms.RevealContactForm(prefix="contact"),
        "contact": contact,
        "events": [
            {
                "event": e,
                "label": EVENT_LABELS.get(e.action, e.action),
                "to": status_label(e.to_state),
                "from": status_label(e.from_state),
                "actor": (e.actor.get_full_name() or e.actor.get_username()) if e.actor else "",
            }
            for e in case.events.select_related("actor").order_by("seq")
        ],
    }
    response = render(request, "web/tips/tip.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@tip_handler_required
@require_POST
def staff_action(request, tip_id, action):
    user = request.user
    tip = access.access_tip_by_id(user, tip_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    form = spec.form(request.POST, prefix=action)
    if not form.is_valid():
        return _tip_page(request, tip, bound={action: form}, status=400)
    try:
        with transaction.atomic():
            spec.call(tip, user, form.cleaned_data)
    except Conflict:
        messages.warning(request, _("This tip was changed by someone else — reloaded. Check it and try again."))
        return _tip_page(request, access.access_tip_by_id(user, tip_id), status=409)
    except CaseError as e:
        form.add_error(None, e.message)
        return _tip_page(request, access.access_tip_by_id(user, tip_id), bound={action: form}, status=e.status)
    messages.success(request, _("%(action)s: done.") % {"action": spec.label})
    return redirect("tips:staff_tip", tip_id=tip.pk)


@tip_handler_required
@require_POST
def staff_reward(request, tip_id):
    user = request.user
    tip = access.access_tip_by_id(user, tip_id)
    form = forms.RewardProposalForm(request.POST, prefix="reward")
    if not form.is_valid():
        return _tip_page(request, tip, reward_form=form, status=400)
    try:
        actions.do_propose_tip_reward(
            tip, acting_user=user, amount=form.cleaned_data["amount"], basis=form.cleaned_data["basis"]
        )
    except CaseError as e:
        form.add_error(None, e.message)
        return _tip_page(request, tip, reward_form=form, status=e.status)
    messages.success(request, _("The reward was proposed; a second tip handler decides it."))
    return redirect("tips:staff_tip", tip_id=tip.pk)


@tip_handler_required
@require_POST
def staff_reward_decision(request, tip_id, reward_id):
    user = request.user
    tip = access.access_tip_by_id(user, tip_id)
    reward = TipReward.objects.filter(tip=tip, pk=reward_id).first()
    if reward is None:
        raise Http404
    form = forms.RewardDecisionForm(request.POST, prefix=f"decide{reward.pk}")
    if not form.is_valid():
        return _tip_page(request, tip, decision_forms={reward.pk: form}, status=400)
    try:
        actions.do_decide_tip_reward(
            tip,
            reward,
            acting_user=user,
            approve=form.cleaned_data["decision"] == forms.RewardDecisionForm.APPROVE,
            note=form.cleaned_data["note"],
        )
    except CaseError as e:
        form.add_error(None, e.message)
        return _tip_page(request, tip, decision_forms={reward.pk: form}, status=e.status)
    messages.success(request, _("The reward decision was recorded."))
    return redirect("tips:staff_tip", tip_id=tip.pk)


@tip_handler_required
@require_POST
def staff_contact(request, tip_id):
    """The contact the submitter chose to leave, read with a purpose (logged)."""
    user = request.user
    tip = access.access_tip_by_id(user, tip_id)
    form = forms.RevealContactForm(request.POST, prefix="contact")
    if not form.is_valid():
        return _tip_page(request, tip, contact_form=form, status=400)
    try:
        contact = access.reveal_tip_contact(user, tip, purpose=form.cleaned_data["purpose"], request=request)
    except CaseError as e:
        form.add_error(None, e.message)
        return _tip_page(request, tip, contact_form=form, status=e.status)
    return _tip_page(request, tip, contact_form=form, contact=contact)


@tip_handler_required
@require_GET
def staff_photo(request, tip_id, photo_id):
    """A photo of a tip, decrypted for a tip handler (logged)."""
    tip = access.access_tip_by_id(request.user, tip_id)
    data, content_type = access.read_attachment(request.user, tip, photo_id, request=request)
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def staff_numbers(request):
    """The four rates for a region of the user's scope and a period (numbers only, no content)."""
    user = request.user
    if not access.may_read_numbers(user):
        return render(request, "web/tips/forbidden.html", status=403)
    regions = _number_regions(user)
    today = timezone.localdate()
    data = request.GET if "start" in request.GET else None
    form = forms.NumbersForm(
        data,
        regions=regions,
        initial={
            "region": regions[0][0] if regions else "",
            "start": today.replace(day=1),
            "end": today + timedelta(1),
        },
    )
    result = None
    if regions:
        if data is None:
            start, end, region = today.replace(day=1), today + timedelta(days=1), regions[0][0]
        elif form.is_valid():
            start, end, region = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["region"]
        else:
            start = None
        if start is not None:
            result = numbers.four_rates(access.numbers_region_prefix(user, region), start, end)
    return render(request, "web/tips/numbers.html", {"form": form, "result": result, "regions": regions})


def _number_regions(user) -> list[tuple[str, str]]:
    """The city (when the scope covers it) and the districts in the user's scope."""
    out = []
    if org_access.region_code_in_scope(user, settings.CITY_CODE):
        out.append((settings.CITY_CODE, _("Whole city")))
    for region in Region.objects.filter(level=Region.Level.DISTRICT, valid_to__isnull=True).filter(
        org_access.region_scope_q(user, "code")
    ):
        out.append((region.code, region.name))
    return out
