"""Command line: a thin layer over the public API (``unspun.check``, ``unspun.open_index``...).

Every deliberate error (:class:`unspun.errors.UnspunError`) is printed as one line on
stderr with exit code 2; nothing is written when a command fails.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from . import __version__
from .errors import UnspunError
from .ingest import read_article, read_records
from .pipeline import check as run_check
from .report.json_report import to_json
from .report.terminal import render
from .store import memory_index, open_index

app = typer.Typer(
    name="unspun",
    help="News provenance forensics: trace a spun or stitched article to its sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Build and inspect a reference index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

err = Console(stderr=True)


class Format(StrEnum):
    terminal = "terminal"
    json = "json"


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"unspun {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """unspun: where did this article come from, and what was done to it?"""


DbOption = Annotated[Path, typer.Option("--db", help="The index file (SQLite).", dir_okay=False)]


@index_app.command("add")
def index_add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: text, HTML, JSONL(.gz), WARC(.gz).")],
    db: DbOption,
    batch_size: Annotated[int, typer.Option(help="Documents per transaction.")] = 500,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Add reference documents to the index (a document with an existing id replaces it)."""
    try:
        idx = open_index(db, create=True)
    except UnspunError as e:
        fail(str(e))
    records = read_records(paths)
    progress = Progress(
        SpinnerColumn(), TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=quiet, transient=True,
    )
    try:
        with progress:
            task = progress.add_task("indexing", total=None)
            result = idx.add(records, batch_size=batch_size, progress=lambda n: progress.advance(task, n))
    except KeyboardInterrupt:
        idx.close()
        fail("interrupted: the batch in progress was rolled back; earlier batches are kept", 130)
    except UnspunError as e:
        idx.close()
        fail(str(e))
    total = len(idx)
    idx.close()
    for f in result.failures[:50]:
        err.print(f"[yellow]skipped[/] {f.location}: {f.reason}", highlight=False, soft_wrap=True)
    if result.failed > 50:
        err.print(f"[yellow]… and {result.failed - 50} more skipped records[/]")
    typer.echo(
        f"added {result.added}, replaced {result.replaced}, unchanged {result.unchanged}, "
        f"failed {result.failed}; {total} documents in {db}"
    )
    if result.failed and not (result.added or result.replaced or result.unchanged):
        raise typer.Exit(2)


@index_app.command("stats")
def index_stats(db: DbOption, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts and sizes of an index."""
    try:
        with open_index(db, readonly=True) as idx:
            st = idx.stats()
    except UnspunError as e:
        fail(str(e))
    if as_json:
        import json

        typer.echo(json.dumps(st, indent=2))
        return
    for k, v in st.items():
        typer.echo(f"{k:>26}: {v}")


@index_app.command("remove")
def index_remove(ids: Annotated[list[str], typer.Argument(help="Document ids.")], db: DbOption) -> None:
    """Remove documents from the index by id."""
    try:
        with open_index(db) as idx:
            n = idx.remove(ids)
    except UnspunError as e:
        fail(str(e))
    typer.echo(f"removed {n} of {len(ids)}")
    if n < len(ids):
        raise typer.Exit(1)


def _write_atomic(path: Path, data: str) -> None:
    path = path.expanduser()
    if not path.parent.exists():
        fail(f"{path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".unspun-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(data)
    os.replace(tmp, path)


@app.command("check")
def check_cmd(
    article: Annotated[str, typer.Argument(help="The article: a file (text, HTML, JSONL, WARC) or - for stdin.")],
    db: Annotated[Path | None, typer.Option("--db", help="The index to check against.", dir_okay=False)] = None,
    against: Annotated[list[Path] | None, typer.Option("--against", help="Compare with these files/folders instead of an index (repeatable).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.terminal,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.", dir_okay=False)] = None,
    record: Annotated[str | None, typer.Option("--record", help="Record id, when the article file holds several.")] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in the terminal report.")] = False,
) -> None:
    """Trace ARTICLE to its sources and show what was done to it."""
    if (db is None) == (not against):
        fail("give either --db FILE or --against PATH (not both)")
    try:
        doc = read_article(article, record_id=record)
        if db is not None:
            idx = open_index(db, readonly=True)
        else:
            idx = memory_index()
            result = idx.add(read_records(against or []))
            for f in result.failures:
                err.print(f"[yellow]skipped[/] {f.location}: {f.reason}", highlight=False, soft_wrap=True)
            if not len(idx):
                fail("--against: no readable documents")
        with idx:
            report = run_check(doc, idx)
    except UnspunError as e:
        fail(str(e))
    if fmt is Format.json:
        data = to_json(report)
        if output:
            _write_atomic(output, data + "\n")
        else:
            typer.echo(data)
        return
    if output:
        console = Console(file=open(os.devnull, "w"), record=True, width=100, no_color=True)
        render(report, console)
        _write_atomic(output, console.export_text())
    else:
        console = Console(no_color=no_color or None, highlight=False)
        render(report, console)


def main() -> None:
    """Entry point of the ``unspun`` console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
