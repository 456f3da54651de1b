"""unspun serve beyond loopback: the bearer token, --public-read, and the Host check (issue 12, defect 9)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from service_client import Client, build_db, serving
from unspun.cli import app as cli_app

ROOT = Path(__file__).resolve().parent.parent
SUSPECT = (ROOT / "examples" / "suspect.txt").read_text(encoding="utf-8")
TOKEN = "s3cret-token-for-tests-0123456789"
BEARER = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def db(tmp_path_factory, reference_docs) -> Path:
    return build_db(tmp_path_factory.mktemp("auth") / "refs.db", reference_docs)


@pytest.fixture()
def started(monkeypatch):
    """``unspun serve`` without a server: the app and arguments uvicorn.run would get."""
    import uvicorn

    calls: list[tuple[object, dict]] = []

    def fake_run(app, **kw):
        calls.append((app, kw))
        app.state.service.close()

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def unauthorized(r: httpx.Response) -> str:
    assert r.status_code == 401, (r.status_code, r.text)
    assert r.headers["www-authenticate"].startswith("Bearer")
    return r.json()["error"]


def test_writes_and_reads_need_the_token(db):
    with serving(db, token=TOKEN) as c:
        doc = [{"id": "auth-1", "text": "A document only token holders may add, about the harbour."}]
        assert "Authorization: Bearer" in unauthorized(c.post("/api/documents", json=doc))
        assert unauthorized(c.post("/api/documents", json=doc, headers={"authorization": "Bearer wrong-token-wrong-token"})) == "invalid token"
        assert unauthorized(c.post("/api/documents", json=doc, headers={"authorization": f"Basic {TOKEN}"}))
        unauthorized(c.delete("/api/documents/auth-1"))
        unauthorized(c.get("/api/stats"))
        unauthorized(c.get("/api/documents/auth-1"))
        unauthorized(c.post("/api/check", json={"text": SUSPECT}))
        # with the token, everything works
        r = c.post("/api/documents", json=doc, headers=BEARER)
        assert r.status_code == 200 and r.json()["added"] == 1
        assert c.get("/api/documents/auth-1", headers=BEARER).json()["id"] == "auth-1"
        assert c.post("/api/check", json={"text": SUSPECT}, headers=BEARER).json()["verdict"]["label"] == "stitched"
        assert c.delete("/api/documents/auth-1", headers=BEARER).status_code == 200
        # the page, its files, the API description and the health check stay open
        for path in ("/", "/healthz", "/static/page.js", "/openapi.json", "/docs"):
            assert c.get(path).status_code == 200, path


def test_public_read_opens_checks_but_not_writes(db):
    with serving(db, token=TOKEN, public_read=True) as c:
        assert c.get("/api/stats").status_code == 200
        assert c.post("/api/check", json={"text": SUSPECT}).status_code == 200
        unauthorized(c.post("/api/documents", json=[{"id": "x", "text": "no token, no write"}]))
        unauthorized(c.delete("/api/documents/cardin-navalny-sanctions-letter-2020"))
        assert c.get("/api/documents/cardin-navalny-sanctions-letter-2020").status_code == 200


def test_the_page_works_with_the_token_field(db):
    with serving(db, token=TOKEN) as c:
        home = c.get("/")
        assert 'name="token"' in home.text and 'type="password"' in home.text
        assert "Authorization: Bearer" in home.text, "the curl examples say how to send it"
        assert "documents in the index" not in home.text, "the count is index data"
        refused = c.post("/check", data={"text": SUSPECT})
        assert refused.status_code == 401 and "access token" in refused.text
        assert 'name="token"' in refused.text
        wrong = c.post("/check", data={"text": SUSPECT, "token": "not-the-token-at-all"})
        assert wrong.status_code == 401
        ok = c.post("/check", data={"text": SUSPECT, "token": TOKEN})
        assert ok.status_code == 200 and 'class="svc-bar"' in ok.text
        assert 'name="token"' in ok.text, "the form above the report asks for it too"
        assert c.post("/check", data={"text": SUSPECT}, headers=BEARER).status_code == 200


def test_serve_refuses_to_start_beyond_loopback_without_a_token(db, started, monkeypatch):
    monkeypatch.delenv("UNSPUN_TOKEN", raising=False)
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(db), "--host", "0.0.0.0", "--port", "1"])
    assert r.exit_code == 2, r.output
    assert "--token" in r.output and "UNSPUN_TOKEN" in r.output and "Traceback" not in r.output
    assert not started, "the server must not start"
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(db), "--host", "0.0.0.0", "--port", "1", "--token", "short"])
    assert r.exit_code == 2 and "at least 16 characters" in r.output and not started


def test_serve_beyond_loopback_with_the_token_from_the_environment(db, started):
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(db), "--host", "0.0.0.0", "--port", "1"],
                           env={"UNSPUN_TOKEN": TOKEN})
    assert r.exit_code == 0, r.output
    app, kw = started[0]
    assert kw["host"] == "0.0.0.0"
    svc = app.state.service
    assert svc.auth.token == TOKEN and not svc.auth.public_read


def test_host_check_allows_the_bound_address(db, started):
    r = CliRunner().invoke(cli_app, ["serve", "--db", str(db), "--host", "127.0.0.2", "--port", "1"])
    assert r.exit_code == 0, r.output
    hosts = started[0][0].state.service.settings.allowed_hosts
    assert "127.0.0.2" in hosts and "localhost" in hosts
    with serving(db, allowed_hosts=hosts) as c:
        assert Client(c.app, base="http://127.0.0.2:8000").get("/healthz").status_code == 200
        assert Client(c.app, base="http://127.0.0.2:8000").get("/api/stats").status_code == 200
        assert Client(c.app, base="http://evil.example").get("/healthz").status_code == 400


def test_allowed_hosts_names():
    from unspun.service import allowed_hosts

    assert set(allowed_hosts("127.0.0.2")) == {"127.0.0.2", "127.0.0.1", "localhost", "::1"}
    assert allowed_hosts("192.168.1.20") == ("192.168.1.20",)
    assert allowed_hosts("192.168.1.20", ("unspun.lan",)) == ("192.168.1.20", "unspun.lan")
    assert allowed_hosts("0.0.0.0") is None
    assert "unspun.lan" in allowed_hosts("0.0.0.0", ("unspun.lan",))
    assert allowed_hosts("[::1]")[0] == "::1"
