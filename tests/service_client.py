"""Helpers for the service tests: the app driven in-process through httpx.ASGITransport."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

import unspun
from unspun.models import Document
from unspun.service import ServiceSettings, create_app

BASE = "http://127.0.0.1"


def build_db(path: Path, docs: list[Document]) -> Path:
    with unspun.open_index(path, create=True) as idx:
        idx.add(docs)
    return path


class Client:
    """A synchronous face on an AsyncClient: each call runs in its own event loop."""

    def __init__(self, app: Any, base: str = BASE) -> None:
        self.app = app
        self.base = base

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=self.base, timeout=60)

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            async with self._client() as c:
                return await c.request(method, url, **kw)

        return asyncio.run(go())

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    def together(self, fn: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
        """Run ``fn(client)`` (which may gather many requests) in one event loop."""

        async def go() -> Any:
            async with self._client() as c:
                return await fn(c)

        return asyncio.run(go())


@contextmanager
def serving(db: Path, **settings: Any) -> Iterator[Client]:
    app = create_app(ServiceSettings(db=db, **settings))
    try:
        yield Client(app)
    finally:
        app.state.service.close()
