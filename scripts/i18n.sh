#!/usr/bin/env bash
# Refreshes the zh-Hans catalogue from the source strings and compiles it.
#
#   bash scripts/i18n.sh            extract (templates and Python) into locale/zh_Hans/LC_MESSAGES/django.po,
#                                   dropping obsolete entries, then compile django.mo
#   bash scripts/i18n.sh --compile  only compile the catalogue (after translating)
#
# English is the source language: only zh_Hans has a catalogue. Both django.po and the compiled
# django.mo are committed, so that a machine without GNU gettext still serves Chinese.
# locale/ (LOCALE_PATHS) is the one catalogue of the project, and Django looks in it first. An
# app's own locale/ folder is ignored here: makemessages would otherwise send that app's strings
# to it (and drop from it, with --no-obsolete, whatever the app's files do not contain), and
# compilemessages would rewrite its django.mo. I18N_IGNORE adds ignore patterns (space-separated).
# JavaScript gets its texts from data-* attributes rendered by templates, so there is no
# djangojs domain; add `-d djangojs` here if a script ever calls gettext() itself.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
IGNORE=(--ignore=.venv --ignore=var --ignore=node_modules --ignore=.git --ignore='civicgrid/*/locale')
read -ra extra <<<"${I18N_IGNORE:-}"
for pattern in "${extra[@]}"; do IGNORE+=("--ignore=$pattern"); done

command -v msgfmt >/dev/null || { echo "GNU gettext (xgettext, msgfmt) is required: apt-get install gettext" >&2; exit 1; }

if [ "${1:-}" != "--compile" ]; then
  mkdir -p locale
  "$PY" manage.py makemessages -l zh_Hans --no-obsolete --add-location=file --no-wrap \
    --extension=html,txt,py "${IGNORE[@]}"
  # makemessages leaves new strings untranslated (or fuzzy, guessed from a similar one): say how
  # many, so that nothing ships half done (compilemessages leaves both out of django.mo). A string
  # that xgettext takes for a %-format although the code never formats it ("80% of") comes back
  # fuzzy every time until its source line has `# xgettext:no-python-format` above it.
  msgfmt --statistics -o /dev/null locale/zh_Hans/LC_MESSAGES/django.po
fi

"$PY" manage.py compilemessages -l zh_Hans "${IGNORE[@]}"
