"""The JSON Schema ships in the package and every report the suite produces satisfies it.

tests/conftest.py wraps ``unspun.check`` so that each report any test produces is
validated; the tests here check the schema itself and run it over varied articles.
"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

import unspun
import unspun.cli
import unspun.pipeline
from unspun.demo import run_demo
from unspun.models import Document
from unspun.report.json_report import load_schema, to_json, validate


def test_schema_is_shipped_and_valid():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["report_version"] == {"const": "3"}
    kinds = schema["$defs"]["finding"]["properties"]["kind"]["enum"]
    from unspun.analyze.findings import KINDS
    from unspun.analyze.verdict import LABELS

    assert kinds == list(KINDS)
    assert set(schema["properties"]["verdict"]["properties"]["label"]["enum"]) == set(LABELS)


def test_every_report_in_the_suite_is_validated():
    assert getattr(unspun.check, "__validating__", False)
    assert unspun.pipeline.check is unspun.check is unspun.cli.run_check
    unspun.check(Document(id="x", text="A short text about nothing in particular at all."), unspun.memory_index())
    assert unspun.check.validated[-1] == "x"


@pytest.mark.parametrize("which", ["suspect", "copy", "original", "hostile", "reordered", "demo"])
def test_reports_validate(which, reference_index, reference_docs, suspect):
    docs = {d.id: d for d in reference_docs}
    if which == "demo":
        report = run_demo()
    else:
        article = {
            "suspect": suspect,
            "copy": Document(id="copy", text=docs["feinstein-new-start-letter-2020"].text[:900]),
            "original": Document(id="o", text="Nothing here was copied from anywhere, as far as anyone knows."),
            "hostile": Document(id="<script>", title='"><img src=x onerror=alert(1)>',
                                text="<script>alert(1)</script> " + suspect.text),
            "reordered": Document(id="r", text="\n\n".join(reversed(docs["cardin-navalny-sanctions-letter-2020"].text.split("\n\n")))),
        }[which]
        report = unspun.check(article, reference_index)
    validate(report)
    validate(json.loads(to_json(report)))  # the serialised form too


def test_schema_rejects_broken_reports(suspect, reference_index):
    good = unspun.check(suspect, reference_index).to_dict()
    broken = []
    d = copy.deepcopy(good)
    del d["findings"]
    broken.append(d)
    d = copy.deepcopy(good)
    d["findings"][0]["kind"] = "made-up"
    broken.append(d)
    d = copy.deepcopy(good)
    d["verdict"]["label"] = "fine"
    broken.append(d)
    d = copy.deepcopy(good)
    d["sources"][0]["passages"][0]["edits"][0]["article_text"] = "not what the span says"
    broken.append(d)
    d = copy.deepcopy(good)
    d["findings"][0]["article_span"] = [0, 10**6]
    broken.append(d)
    d = copy.deepcopy(good)
    d["unexpected"] = 1
    broken.append(d)
    for b in broken:
        with pytest.raises(jsonschema.ValidationError):
            validate(b)
