import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from civicgrid.open311.serializers import error, xml_bytes
from civicgrid.open311.tests.support import xml_data


def xml_text(text: str) -> str:
    """What an XML 1.0 document can carry of ``text``: no control characters but tab and newlines,
    and line ends read back as newlines."""
    kept = "".join(c for c in text if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff"))
    return kept.replace("\r\n", "\n").replace("\r", "\n")


@given(st.text())
def test_any_text_makes_a_well_formed_document(text):
    document = xml_bytes("errors", [error(400, text)])
    root = ET.fromstring(document)  # noqa: S314 - the document just written
    [parsed] = xml_data(root)
    assert parsed["code"] == "400"
    assert (parsed["description"] or "") == xml_text(text)


def test_it_writes_booleans_lists_and_empty_values():
    document = xml_bytes("service_definition", {"service_code": "E0102", "attributes": [], "flag": True, "none": None})
    assert document == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<service_definition><service_code>E0102</service_code><attributes /><flag>true</flag><none />"
        b"</service_definition>"
    )
