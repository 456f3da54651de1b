from __future__ import annotations

import json
from pathlib import Path

import pytest

import unspun
from unspun.models import Document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def reference_docs() -> list[Document]:
    """64 public-domain US government texts (examples/reference.jsonl)."""
    out = []
    for line in (EXAMPLES / "reference.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out.append(Document(id=r["id"], text=r["text"], title=r.get("title"), url=r.get("url"),
                            site=r.get("site"), published=r.get("published")))
    return out


@pytest.fixture(scope="session")
def reference_index(reference_docs):
    idx = unspun.memory_index()
    idx.add(reference_docs)
    return idx


@pytest.fixture(scope="session")
def suspect() -> Document:
    return Document(id="suspect", text=(EXAMPLES / "suspect.txt").read_text(encoding="utf-8"))


VALIDATED_REPORTS: list[str] = []


def pytest_configure(config):
    """Validate every report the test-suite produces against the shipped JSON Schema.

    ``unspun.check`` (and the CLI's reference to it) is wrapped before any test module is
    imported: each report it returns is checked with ``unspun.report.json_report.validate``.
    """
    import functools

    import unspun.cli
    import unspun.pipeline
    from unspun.report.json_report import validate

    original = unspun.pipeline.check
    if getattr(original, "__validating__", False):
        return

    @functools.wraps(original)
    def check_and_validate(*args, **kwargs):
        report = original(*args, **kwargs)
        validate(report)
        VALIDATED_REPORTS.append(report.article.id)
        return report

    check_and_validate.__validating__ = True
    check_and_validate.validated = VALIDATED_REPORTS
    unspun.pipeline.check = check_and_validate
    unspun.check = check_and_validate
    unspun.cli.run_check = check_and_validate
