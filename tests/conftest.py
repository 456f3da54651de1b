from __future__ import annotations

import json
import os
import uuid
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


# --- PostgreSQL: the shared-index backend -------------------------------------------------
# UNSPUN_TEST_PG names a server the tests may use (scripts/pg_test_server.sh starts one);
# without it the PostgreSQL tests skip, unless UNSPUN_REQUIRE_PG=1 (.ci/run) makes them fail.
# Each test gets a schema of its own (dropped after), named in the URL's search_path.


def pg_server_url() -> str | None:
    url = os.environ.get("UNSPUN_TEST_PG") or None
    if url is None and os.environ.get("UNSPUN_REQUIRE_PG") == "1":
        pytest.fail("UNSPUN_REQUIRE_PG=1 but UNSPUN_TEST_PG is not set (scripts/pg_test_server.sh)")
    return url


def _schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url():
    """A postgresql:// URL whose search_path is a new, empty schema (dropped afterwards)."""
    url = pg_server_url()
    if url is None:
        pytest.skip("no PostgreSQL server: set UNSPUN_TEST_PG (scripts/pg_test_server.sh)")
    psycopg = pytest.importorskip("psycopg") if os.environ.get("UNSPUN_REQUIRE_PG") != "1" else __import__("psycopg")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _schema_url(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_at(request, tmp_path):
    """Where an index lives, for each persistent backend: a file path or a postgresql:// URL."""
    if request.param == "sqlite":
        return str(tmp_path / "i.db")
    return request.getfixturevalue("pg_url")
