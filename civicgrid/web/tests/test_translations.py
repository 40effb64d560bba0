"""The zh-Hans catalogue: complete, consistent with the source strings, compiled, and served.

English is the source language; ``locale/zh_Hans/LC_MESSAGES/django.po`` holds the Chinese and
``django.mo`` its compiled form (committed, so that a machine without GNU gettext serves Chinese).
``scripts/i18n.sh`` refreshes both.
"""

import gettext
import re
import shutil
import subprocess
import sys
from collections import Counter

import polib
import pytest
from django.conf import settings
from django.core.cache import cache

from civicgrid import settings as project_settings

pytestmark = pytest.mark.chinese

LOCALE_DIR = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# A %-format directive: %(name)s, %(seconds).1f, %d, %s ... ("%%" is a literal percent sign).
DIRECTIVE = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
# A str.format field: {name} or {0}; "{{" and "}}" are literal braces.
BRACE_FIELD = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO_PATH))


def entries(catalogue):
    return [e for e in catalogue if not e.obsolete]


def translations(entry):
    """The msgstr(s) of an entry: one for a singular message, every plural form otherwise."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def directives(text):
    return Counter(m.group(0) for m in DIRECTIVE.finditer(text) if m.group(0) != "%%")


def describe(entry):
    where = ", ".join(sorted({f for f, _ in entry.occurrences})) or "?"
    return f"{entry.msgid!r} ({where})"


class TestCatalogue:
    def test_the_header_declares_chinese_with_one_plural_form(self, catalogue):
        assert catalogue.metadata["Language"] == "zh_Hans"
        assert catalogue.metadata["Content-Type"] == "text/plain; charset=UTF-8"
        assert catalogue.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
        assert not catalogue.metadata_is_fuzzy

    def test_it_holds_the_source_strings(self, catalogue):
        msgids = {e.msgid for e in entries(catalogue)}
        assert {"Report a problem", "CivicGrid records problems, not people.", "Dispatch"} <= msgids
        assert len(msgids) > 1000

    def test_every_entry_is_translated_and_none_is_fuzzy(self, catalogue):
        fuzzy = [describe(e) for e in entries(catalogue) if "fuzzy" in e.flags]
        empty = [describe(e) for e in entries(catalogue) if not all(t.strip() for t in translations(e))]
        assert not fuzzy, f"{len(fuzzy)} fuzzy entries (check and unflag them):\n" + "\n".join(fuzzy)
        assert not empty, f"{len(empty)} untranslated entries (run scripts/i18n.sh, translate):\n" + "\n".join(empty)

    def test_plural_entries_have_exactly_the_one_chinese_form(self, catalogue):
        wrong = [describe(e) for e in entries(catalogue) if e.msgid_plural and sorted(e.msgstr_plural) != [0]]
        assert not wrong, "plural entries need msgstr[0] only (nplurals=1):\n" + "\n".join(wrong)

    def test_the_catalogue_has_no_duplicate_or_obsolete_entry(self, catalogue):
        assert not [e.msgid for e in catalogue if e.obsolete]
        counts = Counter((e.msgctxt, e.msgid) for e in entries(catalogue))
        assert [k for k, n in counts.items() if n > 1] == []

    def test_placeholders_match(self, catalogue):
        """Every %-directive and {field} of the English text is in the Chinese text, and no other."""
        problems = []
        for e in entries(catalogue):
            if "python-format" in e.flags:
                # A plural msgstr serves every count, so it takes the placeholders of both forms.
                wanted = directives(e.msgid) | directives(e.msgid_plural) if e.msgid_plural else directives(e.msgid)
                for text in translations(e):
                    got = directives(text)
                    # A plural msgstr may use a placeholder more often than one English form.
                    ok = set(got) == set(wanted) if e.msgid_plural else got == wanted
                    if not ok:
                        problems.append(f"{describe(e)}: {dict(wanted)} but msgstr has {dict(got)}")
                    names = {m.group("name") for m in DIRECTIVE.finditer(e.msgid + e.msgid_plural) if m.group("name")}
                    if names:
                        try:
                            text % dict.fromkeys(names, 1)
                        except (ValueError, TypeError, KeyError) as exc:
                            problems.append(f"{describe(e)}: msgstr is not a valid format string ({exc})")
            else:
                # Not %-formatted: a literal % in it must not turn into a directive in Chinese.
                for text in translations(e):
                    if directives(text) - directives(e.msgid):
                        problems.append(f"{describe(e)}: msgstr adds a %-directive")
            source_fields = Counter(BRACE_FIELD.findall(e.msgid))
            for text in translations(e):
                if Counter(BRACE_FIELD.findall(text)) != source_fields:
                    problems.append(f"{describe(e)}: {{fields}} differ")
        assert not problems, "\n".join(problems)

    def test_html_in_a_message_is_kept(self, catalogue):
        tag = re.compile(r"</?(?:a|abbr|b|br|code|em|i|kbd|span|strong|time)\b[^>]*>")
        problems = [
            describe(e)
            for e in entries(catalogue)
            for text in translations(e)
            if Counter(tag.findall(e.msgid)) != Counter(tag.findall(text))
        ]
        assert not problems, "HTML tags differ:\n" + "\n".join(problems)

    def test_the_committed_mo_is_the_compiled_po(self, catalogue, tmp_path):
        compiled = tmp_path / "django.mo"
        catalogue.save_as_mofile(str(compiled))
        with compiled.open("rb") as f:
            expected = gettext.GNUTranslations(f)
        with MO_PATH.open("rb") as f:
            committed = gettext.GNUTranslations(f)
        # The header (msgid "") is written differently by msgfmt and polib; compare the messages.
        want = {k: v for k, v in expected._catalog.items() if k != ""}
        have = {k: v for k, v in committed._catalog.items() if k != ""}
        missing = sorted(str(k) for k in want.keys() - have.keys())
        stale = sorted(str(k) for k in have.keys() - want.keys())
        changed = sorted(str(k) for k in want.keys() & have.keys() if want[k] != have[k])
        assert not (missing or stale or changed), (
            "django.mo is out of date: run `bash scripts/i18n.sh --compile` and commit it.\n"
            f"missing: {missing[:20]}\nstale: {stale[:20]}\nchanged: {changed[:20]}"
        )
        assert committed.info()["content-type"] == "text/plain; charset=UTF-8"
        assert committed.ngettext("%(n)s case", "%(n)s cases", 5) == "%(n)s 个案件"


# Strings that xgettext takes for %-format strings although the code never formats them: msgmerge
# marks them fuzzy again on every run until the source says so, e.g. for
# civicgrid/web/workbench/forms.py:  # xgettext:no-python-format  (the line above the string).
# The committed catalogue flags them no-python-format by hand.
NOT_FORMAT_STRINGS = {"Yellow: 80% of the time used"}


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed here")
def test_makemessages_finds_no_new_untranslated_string(tmp_path):
    """Extract the source strings again, as scripts/i18n.sh does, in a copy of the tree."""
    base = settings.BASE_DIR
    copy = tmp_path / "tree"

    def not_source(folder, names):
        """Skip what makemessages does not read: data, static files, caches, apps' own catalogues."""
        skipped = {n for n in names if n.startswith(".") or n in ("__pycache__", "static", "data", "media", "locale")}
        return skipped | {n for n in names if "." in n and not n.endswith((".py", ".html", ".txt"))}

    for name in ("civicgrid", "templates"):
        shutil.copytree(base / name, copy / name, ignore=not_source)
    shutil.copytree(base / "locale", copy / "locale")
    shutil.copy2(base / "manage.py", copy / "manage.py")
    command = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0"]
    command += ["--add-location=file", "--no-wrap", "--extension=html,txt,py"]  # as scripts/i18n.sh
    # A fixed command line: this interpreter running the copy's manage.py.
    subprocess.run(command, cwd=copy, check=True, capture_output=True, timeout=600)  # noqa: S603
    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    new = [
        describe(e)
        for e in fresh
        if not e.obsolete
        and ("fuzzy" in e.flags or not all(t.strip() for t in translations(e)))
        and not (e.msgid in NOT_FORMAT_STRINGS and all(t.strip() for t in translations(e)))
    ]
    assert not new, (
        f"{len(new)} source strings are not translated: run scripts/i18n.sh and translate them:\n" + "\n".join(new)
    )


@pytest.fixture
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_fresh_cache")
class TestPages:
    ENGLISH = ("Report a problem", "CivicGrid records problems, not people.")
    CHINESE = ("我要上报", "CivicGrid 记录的是问题，而不是人。")

    def assert_english(self, response):
        html = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="en">' in html
        for text in self.ENGLISH:
            assert text in html
        for text in self.CHINESE:
            assert text not in html

    def assert_chinese(self, response):
        html = response.content.decode()
        assert response.status_code == 200
        assert '<html lang="zh-hans">' in html
        for text in self.CHINESE:
            assert text in html
        for text in self.ENGLISH:
            assert text not in html

    def test_the_home_page_in_english(self, client):
        self.assert_english(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    def test_the_home_page_in_chinese(self, client):
        self.assert_chinese(client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
        self.assert_chinese(client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5"))

    def test_chinese_is_the_default(self, client, settings):
        # The project's default (a test setup may switch the suite to English; this test does not).
        assert project_settings.LANGUAGE_CODE == "zh-hans"
        settings.LANGUAGE_CODE = project_settings.LANGUAGE_CODE
        self.assert_chinese(client.get("/"))

    def test_switching_the_language_changes_later_pages(self, client, settings):
        settings.LANGUAGE_CODE = project_settings.LANGUAGE_CODE
        r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert r.status_code == 302 and r.headers["Location"] == "/"
        self.assert_english(client.get("/"))
        # The choice outweighs what the browser asks for, until it is changed again.
        self.assert_english(client.get("/map/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        self.assert_chinese(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    def test_python_strings_are_translated_too(self, client):
        # A form label set in Python (gettext_lazy), rendered on the report page.
        html = client.get("/report/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "地址或标志性建筑（选填）" in html and "Address or landmark" not in html
        html = client.get("/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Address or landmark (optional)" in html
