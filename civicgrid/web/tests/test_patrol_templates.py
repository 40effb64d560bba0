"""The patrol pages are phone pages: the phone layout, and every control labelled."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from civicgrid.cases import actions as A
from civicgrid.testing import POINT_A1, make_category

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Controls(HTMLParser):
    """Collects the body class, the form controls and which ids have a <label for>."""

    def __init__(self):
        super().__init__()
        self.body_class = None
        self.controls = []  # (tag, attrs, inside a <label>)
        self.label_for = set()
        self.label_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body_class = attrs.get("class", "")
        elif tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            self.controls.append((tag, attrs, self.label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1

    def unlabelled(self):
        return [
            attrs
            for tag, attrs, wrapped in self.controls
            if attrs.get("type") not in UNLABELLED_TYPES
            and not wrapped
            and attrs.get("id") not in self.label_for
            and not attrs.get("aria-label")
        ]


def parse(response) -> Controls:
    assert response.status_code in (200, 403)
    parser = Controls()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def handled(personas):
    case, _ = A.do_report_case(acting_user=None, category=make_category(), description="Broken lamp", **POINT_A1)
    A.do_accept_case(case, acting_user=personas.dan)
    A.do_dispatch_case(case, acting_user=personas.dan)
    A.do_sign_case(case, acting_user=personas.carl)
    A.do_handle_case(case, acting_user=personas.carl, result="Lamp replaced")
    return case


@pytest.mark.django_db
class TestPatrolTemplates:
    def test_it_renders_every_page_in_the_phone_layout_with_labelled_controls(self, client, personas, handled):
        client.force_login(personas.gwen)
        for url in (reverse("patrol:home"), reverse("patrol:report"), reverse("patrol:verify", args=[handled.pk])):
            page = parse(client.get(url))
            assert page.body_class == "phone", url
            assert page.unlabelled() == [], url

    def test_it_labels_the_report_forms_fields(self, client, personas, small_city):
        make_category(on_spot=True)
        client.force_login(personas.gwen)
        page = parse(client.get(reverse("patrol:report")))
        names = {attrs.get("name") for _tag, attrs, _wrapped in page.controls}
        assert {"lat", "lon", "crs", "category", "description", "photo", "mode", "idempotency_key"} <= names
        radios = [attrs for tag, attrs, wrapped in page.controls if attrs.get("type") == "radio"]
        assert len(radios) == 2 and all(attrs["id"] in page.label_for for attrs in radios)

    def test_it_labels_both_verify_forms(self, client, personas, handled):
        client.force_login(personas.gwen)
        page = parse(client.get(reverse("patrol:verify", args=[handled.pk])))
        assert {"fixed-photo", "notfixed-reason", "notfixed-photo"} <= page.label_for
        assert [a["value"] for _t, a, _w in page.controls if a.get("name") == "decision"] == ["verify", "fail"]

    def test_it_renders_the_403_page_in_the_phone_layout(self, client, personas):
        client.force_login(personas.carl)
        page = parse(client.get(reverse("patrol:home")))
        assert page.body_class == "phone" and page.unlabelled() == []
