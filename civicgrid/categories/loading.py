"""Load the category taxonomy from a TOML file into ``Category`` rows.

The file format is described at the top of ``data/categories.toml``. Loading checks the whole
file first and raises one ``CategoryFileError`` listing every problem, writing nothing; then it
upserts all rows by code in one transaction. Categories in the database but missing from the
file are marked inactive, never deleted, so cases keep their category.

Leaves inherit from their class whatever they do not set. For ``deadlines`` the leaf's steps
override the class's one by one and the merged table is stored on the leaf, so a leaf row holds
every deadline that applies to it.
"""

import re
import tomllib
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.categories.models import DEADLINE_STEPS, Category
from civicgrid.lib.workcalendar import Duration, parse_duration
from civicgrid.org.roles import UnitType

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "categories.toml"

KIND_LETTERS = {
    "B": Category.Kind.COMPONENT,
    "E": Category.Kind.EVENT,
    "D": Category.Kind.DISPUTE,
    "G": Category.Kind.GRIEVANCE,
}
CLASS_KEYS = frozenset(
    (
        "code",
        "kind",
        "name_zh",
        "name_en",
        "unit_type",
        "deadlines",
        "on_spot",
        "duplicate_radius_m",
        "escalates",
        "public",
    )
)
LEAF_KEYS = CLASS_KEYS - {"kind"}
# What a class that does not set a key gets; a leaf that does not set it gets its class's value.
DEFAULTS = {"on_spot": False, "duplicate_radius_m": 250, "escalates": True, "public": True}
MAX_RADIUS_M = 100_000

_CLASS_CODE_RE = re.compile(r"[BEDG][0-9]{2}")
_LEAF_CODE_RE = re.compile(r"[BEDG][0-9]{4}")


class CategoryFileError(ValueError):
    """A category file that cannot be loaded; ``errors`` lists every problem found."""

    def __init__(self, path, errors: list[str]):
        self.path = str(path)
        self.errors = list(errors)
        self.summary = _("%(path)s: %(count)d problem(s), nothing was loaded") % {
            "path": self.path,
            "count": len(self.errors),
        }
        super().__init__("\n".join([self.summary, *self.errors]))


def deadline_errors(deadlines) -> list[str]:
    """Problems with a ``deadlines`` table (step name -> duration string); empty when valid."""
    if not isinstance(deadlines, dict):
        return [_('deadlines must be a table of step = duration, e.g. {handle = "5wd"}')]
    errors = []
    for step, text in deadlines.items():
        if step not in DEADLINE_STEPS:
            errors.append(
                _("unknown deadline step %(step)s (use %(steps)s)")
                % {"step": repr(step), "steps": ", ".join(DEADLINE_STEPS)}
            )
            continue
        try:
            parse_duration(text)
        except ValueError as exc:
            errors.append(_("deadline for %(step)s: %(error)s") % {"step": step, "error": exc})
    return errors


def effective_deadline(category: Category, step: str) -> Duration | None:
    """The deadline of ``step`` for ``category``: its own, else its class's, else None."""
    if step not in DEADLINE_STEPS:
        raise ValueError(f"Unknown deadline step {step!r}: use one of {', '.join(DEADLINE_STEPS)}")
    text = (category.deadlines or {}).get(step)
    if text is None and category.parent_id is not None:
        text = (category.parent.deadlines or {}).get(step)
    return parse_duration(text) if text is not None else None


def _check_entry(entry: dict, label: str, is_class: bool) -> list[str]:
    """Problems with one entry's own keys and values (not its relation to other entries)."""
    errors = []
    allowed = CLASS_KEYS if is_class else LEAF_KEYS
    required = ("code", "kind", "name_zh", "name_en", "unit_type") if is_class else ("code", "name_zh", "name_en")
    for key in sorted(set(entry) - allowed):
        if key == "kind":
            errors.append(_("%(code)s: a leaf takes its kind from its class; remove kind") % {"code": label})
        else:
            errors.append(_("%(code)s: unknown key %(key)s") % {"code": label, "key": repr(key)})
    for key in required:
        if key not in entry:
            errors.append(_("%(code)s: missing %(key)s") % {"code": label, "key": key})
    if "kind" in entry and is_class:
        kind = entry["kind"]
        if kind not in Category.Kind.values:
            errors.append(
                _("%(code)s: unknown kind %(kind)s (use %(kinds)s)")
                % {"code": label, "kind": repr(kind), "kinds": ", ".join(Category.Kind.values)}
            )
        elif KIND_LETTERS.get(label[:1]) != kind:
            errors.append(
                _(
                    "%(code)s: kind %(kind)s does not match the code letter "
                    "(B component, E event, D dispute, G grievance)"
                )
                % {"code": label, "kind": repr(kind)}
            )
    for key in ("name_zh", "name_en"):
        limit = Category._meta.get_field(key).max_length
        if key in entry and not (isinstance(entry[key], str) and entry[key].strip() and len(entry[key]) <= limit):
            errors.append(
                _("%(code)s: %(key)s must be a non-empty text of at most %(limit)d characters")
                % {"code": label, "key": key, "limit": limit}
            )
    if "unit_type" in entry and entry["unit_type"] not in UnitType.values:
        errors.append(_("%(code)s: unknown unit_type %(value)s") % {"code": label, "value": repr(entry["unit_type"])})
    for key in ("on_spot", "escalates", "public"):
        if key in entry and not isinstance(entry[key], bool):
            errors.append(_("%(code)s: %(key)s must be true or false") % {"code": label, "key": key})
    if "duplicate_radius_m" in entry:
        radius = entry["duplicate_radius_m"]
        if isinstance(radius, bool) or not isinstance(radius, int) or not 0 < radius <= MAX_RADIUS_M:
            errors.append(
                _("%(code)s: duplicate_radius_m must be a whole number of metres from 1 to %(max)d")
                % {"code": label, "max": MAX_RADIUS_M}
            )
    if "deadlines" in entry:
        errors += [f"{label}: {error}" for error in deadline_errors(entry["deadlines"])]
    return errors


def parse_categories(text: str, path="<text>") -> dict[str, dict]:
    """Check a category file's text; return ``{code: field values}`` in file order, classes'
    values as written and leaves' merged with their class's. Raise ``CategoryFileError``
    listing every problem.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CategoryFileError(path, [_("not valid TOML: %(error)s") % {"error": exc}]) from None
    errors = [
        _("unknown top-level key %(key)s; the file holds [[category]] tables only") % {"key": repr(key)}
        for key in data
        if key != "category"
    ]
    entries = data.get("category", [])
    if not isinstance(entries, list):
        raise CategoryFileError(path, [_("category must be an array of tables: write [[category]]")])

    checked: dict[str, dict] = {}
    for number, entry in enumerate(entries, start=1):
        code = entry.get("code") if isinstance(entry, dict) else None
        label = code if isinstance(code, str) else _("entry %(number)d") % {"number": number}
        if not isinstance(entry, dict):
            errors.append(_("%(code)s: not a table") % {"code": label})
            continue
        is_class = isinstance(code, str) and _CLASS_CODE_RE.fullmatch(code) is not None
        if code is not None and not is_class and not (isinstance(code, str) and _LEAF_CODE_RE.fullmatch(code)):
            errors.append(
                _(
                    "%(code)s: a code is a letter B, E, D or G and two digits (a class), "
                    "or a class code and two digits (a leaf)"
                )
                % {"code": label}
            )
            continue
        errors += _check_entry(entry, label, is_class)
        if code is None:
            continue
        if code in checked:
            errors.append(_("%(code)s: duplicate code") % {"code": code})
            continue
        checked[code] = {"entry": entry, "is_class": is_class, "order": number}

    for code, item in checked.items():
        if not item["is_class"] and code[:3] not in checked:
            errors.append(_("%(code)s: its class %(parent)s is not in the file") % {"code": code, "parent": code[:3]})
    if errors:
        raise CategoryFileError(path, errors)
    rows: dict[str, dict] = {}
    for code, item in checked.items():
        if item["is_class"]:
            rows[code] = _fields(item["entry"], None, None, item["order"])
    for code, item in checked.items():
        if not item["is_class"]:
            rows[code] = _fields(item["entry"], code[:3], rows[code[:3]], item["order"])
    return dict(sorted(rows.items(), key=lambda kv: kv[1]["sort_order"]))


def _fields(entry: dict, parent_code: str | None, parent: dict | None, order: int) -> dict:
    inherited = parent or DEFAULTS
    fields = {key: entry.get(key, inherited[key]) for key in DEFAULTS}
    deadlines = dict(parent["deadlines"]) if parent else {}
    deadlines.update(entry.get("deadlines", {}))
    return {
        "parent_code": parent_code,
        "kind": parent["kind"] if parent else entry.get("kind"),
        "name_zh": entry.get("name_zh", "").strip(),
        "name_en": entry.get("name_en", "").strip(),
        "unit_type": entry.get("unit_type", parent["unit_type"] if parent else None),
        "deadlines": {step: deadlines[step] for step in DEADLINE_STEPS if step in deadlines},
        "sort_order": order,
        **fields,
    }


def load_categories_file(path) -> tuple[int, int]:
    """Load the category file at ``path``; return (created, updated).

    ``updated`` counts rows whose values changed, including rows marked inactive because the
    file no longer has them; loading the same file twice reports (0, 0) the second time.
    Raises ``CategoryFileError`` and writes nothing when the file has any problem.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CategoryFileError(path, [_("cannot read the file: %(error)s") % {"error": exc}]) from None
    rows = parse_categories(text, path)
    created = updated = 0
    with transaction.atomic():
        existing = {category.code: category for category in Category.objects.all()}
        saved: dict[str, Category] = {}
        # Classes first, so that their leaves can point to them.
        for code, row in sorted(rows.items(), key=lambda kv: kv[1]["parent_code"] is not None):
            values = {key: value for key, value in row.items() if key != "parent_code"}
            values["parent_id"] = saved[row["parent_code"]].pk if row["parent_code"] else None
            values["active"] = True
            category = existing.get(code)
            if category is None:
                category = Category.objects.create(code=code, **values)
                created += 1
            else:
                changed = [key for key, value in values.items() if getattr(category, key) != value]
                if changed:
                    for key in changed:
                        setattr(category, key, values[key])
                    category.save(update_fields=changed)
                    updated += 1
            saved[code] = category
        updated += Category.objects.filter(active=True).exclude(code__in=list(rows)).update(active=False)
    return created, updated


def load_default_categories() -> tuple[int, int]:
    """Load the taxonomy kept in the repository (``data/categories.toml``)."""
    return load_categories_file(DEFAULT_FILE)
