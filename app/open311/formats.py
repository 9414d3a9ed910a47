"""GeoReport v2 answers in JSON or XML: the same data, the XML by the spec's element names.

JSON follows the spec's programmatic mapping of the XML (the Spark convention): a list is
an array in JSON and a container element with one child per item in XML, `None` is null
in JSON and an empty element in XML, booleans are true/false.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response, request

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF):
# dropped from XML text, or a client's parser would refuse the whole answer.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Container element -> the name of each item inside it.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def answer(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """`body` as JSON, or as XML under the element `root`."""
    if fmt == "xml":
        text = to_xml(root, body)
    else:
        text = json.dumps(body, ensure_ascii=False)
    return Response(text, status=status, content_type=CONTENT_TYPES[fmt])


def to_xml(root: str, body: Any) -> str:
    element = ET.Element(root)
    _fill(element, root, body)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, list | tuple):
        child = ITEMS[name]
        for item in value:
            _fill(ET.SubElement(element, child), child, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def requested_format() -> str:
    """The format the path asks for (`.xml` or `.json`; JSON when it names neither)."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def error_answer(status: int, descriptions: list[str]) -> Response:
    """The spec's error list, `code` being the HTTP status, in the format asked for."""
    errors = [{"code": status, "description": text} for text in descriptions]
    return answer(requested_format(), "errors", errors, status)
