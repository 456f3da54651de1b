"""Command line: a thin layer over the public API (``unspun.check``, ``unspun.open_index``...).

Every deliberate error (:class:`unspun.errors.UnspunError`) is printed as one line on
stderr with exit code 2; nothing is written when a command fails. Exit code 1: some input
records could not be read (each listed with its location), the others were used.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from . import __version__
from .budget import MAX_ARTICLE_CHARS, too_long
from .errors import UnspunError
from .ingest import is_partial, read_article, read_records
from .ingest.tally import PartialWatch, failed_summary, failure_line, partial_line
from .models import Document, IngestFailure, Report
from .outputs import check_target, index_files, is_stdout, write_output
from .pipeline import CheckSettings
from .pipeline import check as run_check
from .report.html import render_html
from .report.json_report import to_json
from .report.terminal import render, render_text
from .store import BaseIndex, index_name, is_postgres_url, memory_index, open_index

try:  # the click typer runs on: its own copy in recent typer, else click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer
    from click import exceptions as click_errors

class _HelpParams:
    """Help as a user reads it: a flag takes no value, so it shows no ``<bool>`` placeholder
    (typer gives every option a type column; a flag's metavar is made empty)."""

    def get_params(self, ctx: typer.Context) -> list:  # type: ignore[override]
        params = super().get_params(ctx)  # type: ignore[misc]
        for p in params:
            if getattr(p, "is_flag", False) and p.metavar is None:
                p.metavar = ""
        return params


class _Command(_HelpParams, typer.core.TyperCommand):
    pass


class _Group(_HelpParams, typer.core.TyperGroup):
    pass


def _default(text: str) -> str:
    """``[default: …]`` for an option whose default typer cannot show (None until given),
    in typer's own words and style; the bracket is escaped from Rich markup."""
    return f" [dim]\\[default: {escape(text)}][/dim]"


app = typer.Typer(
    cls=_Group,
    name="unspun",
    help="News provenance forensics: trace a spun or stitched article to its sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(cls=_Group, help="Build and inspect a reference index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

err = Console(stderr=True)
DEMO_HTML = "unspun-demo-report.html"


class Format(StrEnum):
    terminal = "terminal"
    json = "json"
    html = "html"


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


DbOption = Annotated[str, typer.Option(
    "--db", metavar="FILE|URL",
    help="The index: an SQLite file, or a postgresql:// URL of a shared index (pip install 'unspun\\[postgres]').")]


def _db(value: str | None) -> str | Path | None:
    """--db as given: a postgresql:// URL stays a string, anything else is a file path."""
    if value is None:
        return None
    return value if is_postgres_url(value) else Path(value)


def is_url(value: str) -> bool:
    """An http(s) URL to fetch (unspun.ingest.fetch, imported only when one is given)."""
    return value[:8].lower().startswith(("http://", "https://"))


KeepPartialOption = Annotated[bool, typer.Option(
    "--keep-partial", help="Keep the text of truncated WARC records (reported either way).")]
FollowSymlinksOption = Annotated[bool, typer.Option(
    "--follow-symlinks", help="Follow symbolic links inside input folders (skipped by default).")]
AllowPrivateOption = Annotated[bool, typer.Option(
    "--allow-private", help="Let URLs reach private, loopback and link-local addresses (refused by default).")]


def _report_reading(failures: list[IngestFailure], watch: PartialWatch, limit: int = 50) -> None:
    """One stderr line per failed record (at most ``limit``) and per partial record kept."""
    for f in failures[:limit]:
        err.print(f"[yellow]{escape(failure_line(f))}[/]", highlight=False, soft_wrap=True)
    if len(failures) > limit:
        err.print(f"[yellow]… and {len(failures) - limit} more failed records[/]")
    for doc in watch.partial[:limit]:
        err.print(f"[yellow]{escape(partial_line(doc))}[/]", highlight=False, soft_wrap=True)


T = TypeVar("T")


def _bar(label: str, quiet: bool, *extra: TextColumn) -> Progress:
    """The progress bar of a long command, on stderr (``quiet``: none)."""
    return Progress(
        SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        *extra, console=err, disable=quiet, transient=True,
    )


def _with_bar(idx: BaseIndex, label: str, total: int | None, quiet: bool, interrupted: str,
              work: Callable[[Callable[[int], None]], T]) -> T:
    """``work(advance)`` under a progress bar; Ctrl-C (exit 130, ``interrupted``) or an
    unspun error (exit 2) close ``idx`` and end the command with one line."""
    progress = _bar(label, quiet)
    try:
        with progress:
            task = progress.add_task(label, total=total)
            return work(lambda n: progress.advance(task, n))
    except KeyboardInterrupt:
        idx.close()
        fail(interrupted, 130)
    except UnspunError as e:
        idx.close()
        fail(escape(str(e)))


@index_app.command("add", cls=_Command)
def index_add(
    paths: Annotated[list[str] | None, typer.Argument(help="Files or folders (text, HTML, JSONL(.gz), WARC(.gz)), or http(s) URLs of pages.")] = None,
    db: DbOption = ...,  # type: ignore[assignment]
    feed: Annotated[list[str] | None, typer.Option("--feed", help="An RSS or Atom feed URL: index the pages it lists that are not indexed yet (repeatable).")] = None,
    sitemap: Annotated[list[str] | None, typer.Option("--sitemap", help="A sitemap (or sitemap index) URL: index the pages it lists that are not indexed yet (repeatable).")] = None,
    max_new: Annotated[int, typer.Option("--max-new", help="Most new pages fetched per feed or sitemap in one run.", min=1)] = 200,
    delay: Annotated[float, typer.Option("--delay", help="Seconds between two requests to one host (robots.txt Crawl-delay may raise it).", min=0)] = 1.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds a request may take (connecting, each read, the whole body).", min=0.001)] = 20.0,
    allow_private: AllowPrivateOption = False,
    batch_size: Annotated[int, typer.Option(help="Documents per transaction (at least 1).")] = 2000,
    keep_partial: KeepPartialOption = False,
    follow_symlinks: FollowSymlinksOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    semantic: Annotated[bool | None, typer.Option(
        "--semantic/--no-semantic",
        help="Keep sentence vectors for rewrites and translations (needs pip install 'unspun\\[semantic]'). "
             "Default: on for a new index when the extra is installed; an existing index keeps its setting.",
        show_default=False)] = None,
) -> None:
    """Add reference documents to the index (a document with an existing id replaces it).

    URLs are fetched (a page's id is its URL); --feed and --sitemap pages already in the
    index are skipped, so the same command run every hour keeps the index current.
    Exit code 0 when every record was read, 1 when some failed (the others are indexed),
    2 when none could be read or on a usage error.
    """
    from .semantic import available, unavailable_reason

    if batch_size < 1:
        fail(f"--batch-size must be at least 1 (got {batch_size})")
    if not (paths or feed or sitemap):
        fail("give files, folders or URLs to add, or --feed / --sitemap URLs")
    urls = [p for p in paths or [] if is_url(p)]
    files = [Path(p) for p in paths or [] if not is_url(p)]
    for u in [*(feed or []), *(sitemap or [])]:
        if not is_url(u):
            fail(f"--feed / --sitemap: {escape(u)!r} is not an http:// or https:// URL")
    if semantic and not available():
        fail(f"--semantic: {unavailable_reason()}")
    try:
        where = _db(db)
        if isinstance(where, Path):
            new = not where.exists()
            idx = open_index(where, create=True, semantic=bool(semantic or (semantic is None and new and available())))
        else:  # a database: new when it had no index tables before this open
            idx = open_index(where, create=True)
            new = bool(getattr(idx, "created", False))
            if not idx.semantic and (semantic or (semantic is None and new and available())):
                try:
                    idx._enable_semantic()
                except BaseException:
                    idx.close()
                    raise
    except UnspunError as e:
        fail(escape(str(e)))
    if semantic is False and idx.semantic and not new:
        err.print("[yellow]--no-semantic: this index keeps sentence vectors; new documents get them too[/]")
    watch = PartialWatch()
    fetched: Iterable[Document | IngestFailure] = ()
    if urls or feed or sitemap:
        from .ingest.feeds import FollowStats, fetch_records
        from .ingest.fetch import FetchSettings

        follow = FollowStats()
        fetched = fetch_records(urls, feeds=feed or (), sitemaps=sitemap or (),
                                settings=FetchSettings(delay=delay, timeout=timeout, allow_private=allow_private),
                                skip=lambda url: idx.get(url) is not None, max_new=max_new, stats=follow)
    records = watch.watch(itertools.chain(
        read_records(files, keep_partial=keep_partial, follow_symlinks=follow_symlinks), fetched))
    result = _with_bar(
        idx, "indexing", None, quiet,
        "interrupted: the batch in progress was rolled back; earlier batches are kept",
        lambda advance: idx.add(records, batch_size=batch_size, progress=advance),
    )
    total = len(idx)
    idx.close()
    _report_reading(result.failures, watch)
    partial = f", kept partial {len(watch.partial)}" if watch.partial else ""
    listed = ""
    skipped = 0
    if feed or sitemap:
        skipped = follow.skipped
        listed = (f", skipped {follow.skipped} already indexed of {follow.listed} listed"
                  + (f" ({follow.left} more new left for the next run: --max-new)" if follow.left else ""))
    typer.echo(
        f"added {result.added}, replaced {result.replaced}, unchanged {result.unchanged}, "
        f"{failed_summary(result.failures)}{partial}{listed}; {total} documents in {index_name(db)}"
    )
    if result.failed:
        usable = result.added or result.replaced or result.unchanged or skipped
        raise typer.Exit(1 if usable else 2)


@index_app.command("embed", cls=_Command)
def index_embed(
    db: DbOption,
    batch_size: Annotated[int, typer.Option(help="Documents per transaction (at least 1).")] = 64,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Turn the semantic layer on for an existing index: give every document that has none
    its sentence vectors (needs pip install 'unspun\\[semantic]'). Interrupted, it keeps the batches it
    finished; run it again to go on."""
    if batch_size < 1:
        fail(f"--batch-size must be at least 1 (got {batch_size})")
    try:
        idx = open_index(_db(db))
    except UnspunError as e:
        fail(escape(str(e)))
    n = _with_bar(
        idx, "embedding", len(idx), quiet,
        "interrupted: finished batches are kept; run `unspun index embed` again to go on",
        lambda advance: idx.embed(batch_size=batch_size, progress=advance),
    )
    total = len(idx)
    idx.close()
    typer.echo(f"embedded {n} documents; {total} documents in {index_name(db)}, all with sentence vectors")


@index_app.command("stats", cls=_Command)
def index_stats(db: DbOption, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Counts and sizes of an index."""
    try:
        with open_index(_db(db), readonly=True) as idx:
            st = idx.stats()
    except UnspunError as e:
        fail(escape(str(e)))
    if as_json:
        import json

        typer.echo(json.dumps(st, indent=2))
        return
    for k, v in st.items():
        typer.echo(f"{k:>26}: {v}")


@index_app.command("remove", cls=_Command)
def index_remove(ids: Annotated[list[str], typer.Argument(help="Document ids.")], db: DbOption) -> None:
    """Remove documents from the index by id."""
    try:
        with open_index(_db(db)) as idx:
            n = idx.remove(ids)
    except UnspunError as e:
        fail(escape(str(e)))
    typer.echo(f"removed {n} of {len(ids)}")
    if n < len(ids):
        raise typer.Exit(1)


def _write_atomic(path: Path, data: str, protect: list[Path] | None = None) -> Path | None:
    """Write an output whole, or not at all (``-``: stdout); refused: :mod:`unspun.outputs`."""
    try:
        return write_output(path, data, protect or [])
    except UnspunError as e:
        fail(escape(str(e)))


class ReportsFormat(StrEnum):
    html = "html"
    json = "json"


@app.command("check", cls=_Command)
def check_cmd(
    article: Annotated[list[str], typer.Argument(help="The article: a file (text, HTML, JSONL, WARC), an http(s) URL to fetch, or - for stdin. Several paths, a folder, or a file of several records: a batch, one row per article.")],
    db: Annotated[str | None, typer.Option("--db", metavar="FILE|URL", help="The index to check against: an SQLite file or a postgresql:// URL.")] = None,
    against: Annotated[list[Path] | None, typer.Option("--against", metavar="PATH", help="Compare with these files/folders instead of an index (repeatable).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format (one article).")] = Format.terminal,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file (- for stdout; one article).", dir_okay=False)] = None,
    record: Annotated[str | None, typer.Option("--record", help="Record id, when the article file holds several.")] = None,
    keep_partial: KeepPartialOption = False,
    follow_symlinks: FollowSymlinksOption = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in the terminal report.")] = False,
    max_article: Annotated[int, typer.Option("--max-article", help="Longest article to check, in characters (0: no limit).", min=0)] = MAX_ARTICLE_CHARS,
    no_semantic: Annotated[bool, typer.Option("--no-semantic", help="Do not use the semantic layer (rewrites, translations) even where it is available.")] = False,
    allow_private: AllowPrivateOption = False,
    summary: Annotated[Path | None, typer.Option("--summary", help="Batch: write one row per article to this .csv, .jsonl or .parquet file; run again to resume.", dir_okay=False)] = None,
    reports: Annotated[Path | None, typer.Option("--reports", help="Batch: write each article's report into this folder.", file_okay=False)] = None,
    reports_format: Annotated[ReportsFormat, typer.Option("--reports-format", help="Batch: format of the --reports files.")] = ReportsFormat.html,
    workers: Annotated[int | None, typer.Option("--workers", help="Batch: processes checking in parallel." + _default("the number of cores"), min=1)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Batch: no progress bar.")] = False,
) -> None:
    """Trace ARTICLE to its sources and show what was done to it.

    Several articles (paths, a folder, a JSONL or WARC file of several records) are a
    batch: one row per article, as a table, or a --summary file. Exit code 1 when some
    --against records or some articles of a batch could not be read or checked; 2 on an
    error.
    """
    articles = article
    db = _db(db)  # type: ignore[assignment]
    if (db is None) == (not against):
        fail("give either --db FILE or --against PATH (not both)")
    batch = (len(articles) > 1 or summary is not None or reports is not None or workers is not None
             or (articles[0] != "-" and not is_url(articles[0]) and Path(articles[0]).is_dir()))
    if batch:
        _check_batch(articles, db=db, against=against, fmt=fmt, output=output, record=record,
                     keep_partial=keep_partial, follow_symlinks=follow_symlinks, no_color=no_color,
                     max_article=max_article, summary=summary, reports=reports,
                     reports_format=reports_format, workers=workers, quiet=quiet,
                     use_semantic=not no_semantic, allow_private=allow_private)
        return
    article = articles[0]  # one article: exactly as before batches existed
    fetch = is_url(article)
    protect = [*([Path(article)] if article != "-" and not fetch else []), *(index_files(db) if db else []), *(against or [])]
    failures: list[IngestFailure] = []
    try:
        if output is not None:
            check_target(output, protect)  # before the work: never over an input (the index...)
        if fetch:
            from .ingest.fetch import Fetcher, FetchSettings

            with Fetcher(FetchSettings(allow_private=allow_private)) as fetcher:
                doc = fetcher.document(article)
        else:
            try:
                doc = read_article(article, record_id=record, keep_partial=keep_partial)
            except UnspunError:
                if record is None and output is None and fmt is Format.terminal and _holds_several(article):
                    # a JSONL or WARC file of several articles, and no --record: check them all
                    _check_batch(articles, db=db, against=against, fmt=fmt, output=output, record=record,
                                 keep_partial=keep_partial, follow_symlinks=follow_symlinks,
                                 no_color=no_color, max_article=max_article, summary=summary,
                                 reports=reports, reports_format=reports_format, workers=workers,
                                 quiet=quiet, use_semantic=not no_semantic, allow_private=allow_private)
                    return
                raise
        if (problem := too_long(doc, max_article)) is not None:
            raise problem
        if is_partial(doc):
            err.print(f"[yellow]{escape(partial_line(doc))}[/]", highlight=False, soft_wrap=True)
        idx, failures = _reference_index(db, against, keep_partial, follow_symlinks,
                                         semantic=not no_semantic)
        with idx:
            report = run_check(doc, idx, CheckSettings(use_semantic=not no_semantic))
    except UnspunError as e:
        fail(escape(str(e)))
    _emit(report, fmt, output, no_color, protect)
    if failures:
        raise typer.Exit(1)


def _reference_index(db: str | Path | None, against: list[Path] | None, keep_partial: bool,
                     follow_symlinks: bool, semantic: bool = True) -> tuple[BaseIndex, list[IngestFailure]]:
    """The index ``--db`` names (read-only), or one built in memory from ``--against``
    (with sentence vectors when ``semantic`` and the extra is installed)."""
    if db is not None:
        return open_index(db, readonly=True), []
    from .semantic import available

    watch = PartialWatch()
    idx = memory_index(semantic=semantic and available())
    result = idx.add(watch.watch(read_records(against or [], keep_partial=keep_partial,
                                              follow_symlinks=follow_symlinks)))
    _report_reading(result.failures, watch)
    if not len(idx):
        fail("--against: no readable documents")
    return idx, result.failures


def _holds_several(article: str) -> bool:
    """Whether the regular file ``article`` holds more than one record (JSONL, WARC)."""
    path = Path(article)
    try:
        if not path.is_file():
            return False
    except OSError:
        return False
    n = 0
    try:
        for _ in read_records([path]):
            n += 1
            if n > 1:
                return True
    except UnspunError:
        return False
    return False


def _json_report(report: Report) -> str:
    return to_json(report) + "\n"  # as `unspun check --format json -o FILE` writes it


def _check_batch(paths: list[str], *, db: str | Path | None, against: list[Path] | None, fmt: Format,
                 output: Path | None, record: str | None, keep_partial: bool, follow_symlinks: bool,
                 no_color: bool, max_article: int, summary: Path | None, reports: Path | None,
                 reports_format: ReportsFormat, workers: int | None, quiet: bool,
                 use_semantic: bool = True, allow_private: bool = False) -> None:
    """``unspun check`` of many articles: a thin layer over :func:`unspun.batch.check_many`.
    http(s) URLs among ``paths`` are fetched (skipped when already in the summary)."""
    from .batch import _run, report_name, summary_row
    from .summary import SummaryFile

    if "-" in paths:
        fail("- (standard input) is one article; give files or folders for a batch")
    for given, what in ((output, "--output"), (record, "--record")):
        if given is not None:
            fail(f"{what} is for one article; a batch writes --summary FILE and --reports DIR")
    if fmt is not Format.terminal:
        fail("--format is for one article; a batch writes its reports with --reports DIR "
             "--reports-format html|json")
    urls = [p for p in paths if is_url(p)]
    paths = [p for p in paths if not is_url(p)]
    protect = [*(Path(p) for p in paths), *(index_files(db) if db else []), *(against or [])]
    sheet: SummaryFile | None = None
    try:
        if summary is not None:
            check_target(summary, protect)
            _not_inside_inputs(summary, protect, "--summary", "it would be read as an article next time")
            sheet = SummaryFile(summary)
        if reports is not None:
            _reports_folder(reports, protect)
        idx, ref_failures = _reference_index(db, against, keep_partial, follow_symlinks,
                                             semantic=use_semantic)
    except UnspunError as e:
        fail(escape(str(e)))
    index: BaseIndex | str | Path = idx
    if db is not None:
        idx.close()  # validated; each worker opens it once
        index = db
    done = sheet.done if sheet else set()
    watch = PartialWatch()
    todo: list[Document | IngestFailure] = []
    skipped = 0
    fetched: Iterable[Document | IngestFailure] = ()
    if urls:
        from .ingest.feeds import fetch_records
        from .ingest.fetch import FetchSettings

        fetched = fetch_records([u for u in urls if u not in done],
                                settings=FetchSettings(allow_private=allow_private))
        skipped += sum(1 for u in urls if u in done)
    records = itertools.chain(
        read_records(paths, keep_partial=keep_partial, follow_symlinks=follow_symlinks) if paths else (),
        fetched)
    for item in watch.watch(records):
        if (item.id if isinstance(item, Document) else item.location) in done:
            skipped += 1
        else:
            todo.append(item)
    for doc in watch.partial[:50]:
        err.print(f"[yellow]{escape(partial_line(doc))}[/]", highlight=False, soft_wrap=True)
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    render = (render_html if reports_format is ReportsFormat.html else _json_report) if reports else None
    suffix = ".html" if reports_format is ReportsFormat.html else ".json"
    rows: list[dict] = []
    progress = _bar("checking", quiet, TextColumn("{task.fields[failed]} failed"))
    failed = 0
    try:
        results = _run(todo, index, workers=n_workers, max_article=max_article, render=render,
                       settings=CheckSettings(use_semantic=use_semantic))
        with progress:
            task = progress.add_task("checking", total=len(todo), failed=0)
            for article_id, outcome, text in results:
                row = summary_row(outcome)
                rows.append(row)
                if row["error"] is not None:
                    failed += 1
                if sheet is not None:
                    sheet.write(row)
                if reports is not None and text is not None:
                    write_output(reports / report_name(article_id, suffix), text, protect)
                progress.update(task, advance=1, failed=failed)
    except KeyboardInterrupt:
        if sheet is not None:
            sheet.close(complete=False)
        where = f"; run the same command to resume from {summary}" if summary else ""
        fail(f"interrupted after {len(rows)} of {len(todo)} articles{where}", 130)
    except UnspunError as e:
        if sheet is not None:
            sheet.close(complete=False)
        fail(escape(str(e)))
    except OSError as e:
        if sheet is not None:
            sheet.close(complete=False)
        fail(f"{getattr(e, 'filename', None) or 'output'}: {e.strerror or e}")
    try:
        if sheet is not None:
            sheet.close()
    except (UnspunError, OSError) as e:
        fail(f"--summary {summary}: {e}")
    if summary is None:
        _batch_table(rows, no_color)
    tally = f"checked {len(rows)} articles: {len(rows) - failed} reports, {failed} failed"
    if skipped:
        tally += f"; {skipped} skipped (already in {summary})"
    if summary is not None:
        tally += f"; summary in {summary}"
    if reports is not None:
        tally += f"; reports in {reports}/"
    err.print(tally, highlight=False, soft_wrap=True, markup=False)
    if failed or ref_failures:
        raise typer.Exit(1)


def _not_inside_inputs(target: Path, protect: list[Path], option: str, why: str) -> None:
    """OutputError when ``target`` is one of the inputs or lies inside an input folder."""
    from .errors import OutputError

    real = Path(os.path.realpath(target))
    for p in protect:
        rp = Path(os.path.realpath(p))
        if real == rp or (rp.is_dir() and real.is_relative_to(rp)):
            raise OutputError(f"{option} {target}: inside the input {p} ({why}); give another place")


def _reports_folder(folder: Path, protect: list[Path]) -> None:
    """Make the --reports folder if needed; never an input, nor inside an input folder."""
    from .errors import OutputError

    _not_inside_inputs(folder, protect, "--reports", "its reports would be read as articles next time")
    if folder.exists():
        if not folder.is_dir():
            raise OutputError(f"--reports {folder}: not a folder")
        return
    if not folder.parent.is_dir():
        raise OutputError(f"--reports {folder}: folder {folder.parent} does not exist")
    try:
        folder.mkdir()
    except OSError as e:
        raise OutputError(f"--reports {folder}: cannot make the folder ({e.strerror or e})") from None


def _batch_table(rows: list[dict], no_color: bool) -> None:
    """The rows as a terminal table on stdout."""
    from rich.table import Table

    console = Console(no_color=no_color or None, highlight=False)
    t = Table(box=None, pad_edge=False, expand=True)
    t.add_column("article", overflow="fold", ratio=2)
    t.add_column("verdict", no_wrap=True)
    t.add_column("coverage", justify="right", no_wrap=True)
    t.add_column("top sources", overflow="fold", ratio=3)
    t.add_column("spin", justify="right", no_wrap=True)
    t.add_column("findings", justify="right", no_wrap=True)
    for r in rows:
        who = escape(r["id"] + (f"\n{r['url']}" if r["url"] else ""))
        if r["error"] is not None:
            t.add_row(who, "[red]error[/]", "", escape(r["error"]), "", "")
            continue
        spin = "" if r["spin_share"] is None else f"{r['spin_share']:.0%}"
        t.add_row(who, escape(r["verdict"]), f"{r['coverage']:.0%}", escape(r["top_sources"].replace("; ", "\n")), spin,
                  str(r["findings"]))
    console.print(t)


def _terminal(no_color: bool) -> Console | None:
    """A colour console on a terminal; None when stdout is a pipe or a file."""
    console = Console(no_color=no_color or None, highlight=False)
    return console if console.is_terminal else None


def _emit(report: Report, fmt: Format, output: Path | None, no_color: bool,
          protect: list[Path] | None = None) -> None:
    """Print or write ``report`` in ``fmt`` (files are written whole, or not at all)."""
    if fmt is Format.json:
        data = to_json(report) + "\n"
    elif fmt is Format.html:
        data = render_html(report)
    elif output or not _terminal(no_color):
        data = render_text(report)
    else:
        render(report, _terminal(no_color))  # type: ignore[arg-type]
        return
    if output:
        _write_atomic(output, data, protect)
    else:
        typer.echo(data, nl=False)


@app.command("demo", cls=_Command)
def demo_cmd(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the HTML report (- for stdout)." + _default(f"{DEMO_HTML} in a new temporary folder"), dir_okay=False)] = None,
    no_html: Annotated[bool, typer.Option("--no-html", help="Do not write the HTML report.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours in the terminal report.")] = False,
) -> None:
    """Check a bundled spun, stitched article against 64 bundled public-domain texts."""
    from .demo import demo_article, demo_index

    if not no_html and output is not None:
        try:
            check_target(output)
        except UnspunError as e:
            fail(escape(str(e)))
    article = demo_article()
    err.print(f"[dim]unspun demo: indexing 64 public-domain US government texts in memory, "
              f"then checking “{article.title}” against them…[/]", highlight=False, soft_wrap=True)
    with demo_index() as idx:
        report = run_check(article, idx)
    if no_html or output is None or not is_stdout(output):  # -o -: stdout holds the HTML page only
        _emit(report, Format.terminal, None, no_color)
    if no_html:
        return
    if output is None:  # never litter the current folder (a repository, say) with the page
        output = Path(tempfile.mkdtemp(prefix="unspun-demo-")) / DEMO_HTML
    where = _write_atomic(output, render_html(report))
    if where is None:
        return
    typer.echo(f"\nHTML report written to {where}\nopen it in a browser: {where.as_uri()}")


class _ScanGroup(_Group):
    """``unspun scan INPUT... --out DIR`` runs ``unspun scan run``; ``unspun scan report DIR`` reports."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


scan_app = typer.Typer(
    cls=_ScanGroup, no_args_is_help=True,
    help="Crawl-wide scan: reuse families and site ranking (unspun scan INPUT... --out DIR).",
)
app.add_typer(scan_app, name="scan")


class Engine(StrEnum):
    local = "local"
    spark = "spark"


@scan_app.command("run", cls=_Command)
def scan_run(
    inputs: Annotated[list[str] | None, typer.Argument(help="Files or folders: JSONL(.gz), WARC(.gz), text, HTML (omit to resume).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder (new, empty, or an earlier scan's): one Parquet table per stage.", file_okay=False)] = ...,  # type: ignore[assignment]
    engine: Annotated[Engine, typer.Option("--engine", help="local (one machine) or spark (needs pip install 'unspun\\[spark]').")] = Engine.local,
    filter_sql: Annotated[str | None, typer.Option("--filter", help="Condition over pair metadata, a = earlier, b = later document, e.g. \"a.site <> b.site\" (docs/scan.md).")] = None,
    min_shared: Annotated[int | None, typer.Option("--min-shared", help="Features a candidate pair must share." + _default("3"))] = None,
    max_df: Annotated[int | None, typer.Option("--max-df", help="Drop features held by more documents (0 = automatic)." + _default("0"))] = None,
    max_sources: Annotated[int | None, typer.Option("--max-sources", help="Candidate sources aligned per document." + _default("30"))] = None,
    spin_threshold: Annotated[float | None, typer.Option("--spin-threshold", help="Spin density that makes a copy spun." + _default("0.05"))] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Worker processes (local) or Spark cores (local mode)." + _default("all cores"))] = None,
    memory: Annotated[str | None, typer.Option("--memory", help="Memory for the pair join (local: DuckDB spills past it) or Spark's driver (local mode), e.g. 8GB." + _default("4GB"))] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Scan a crawl into DIR (resumes a scan already there, with its saved settings)."""
    from .scan import ScanSettings, run_scan

    given = {"inputs": [str(i) for i in inputs or []], "filter": filter_sql, "min_shared": min_shared,
             "max_df": max_df, "max_sources": max_sources, "spin_threshold": spin_threshold}
    st = ScanSettings(inputs=tuple(given["inputs"])).with_changes(
        **{k: v for k, v in given.items() if k != "inputs"})
    bar = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, disable=quiet, transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def tick(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            unit = "documents" if stage == "features" else "pairs"
            tasks[stage] = bar.add_task(f"{stage} ({unit})", total=total)
        bar.update(tasks[stage], completed=done)

    def log(m: str) -> None:
        if not quiet:
            bar.console.print(f"[dim]{m}[/]", highlight=False)

    try:
        with bar:
            run_scan(out, st, engine=engine.value, workers=workers, explicit=given, log=log,
                     progress=tick, memory=memory)
    except UnspunError as e:
        fail(escape(str(e)))
    typer.echo(f"scan complete in {out}; HTML summary: unspun scan report {out}")


@scan_app.command("report", cls=_Command)
def scan_report(
    directory: Annotated[Path, typer.Argument(help="The --out folder of a finished scan.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the page (- for stdout)." + _default("DIR/report.html"), dir_okay=False)] = None,
) -> None:
    """Write one self-contained HTML page summarising a finished scan."""
    from .scan.report import render_report, report_inputs

    try:
        if output is not None:
            check_target(output, report_inputs(directory))
        page = render_report(directory)
    except UnspunError as e:
        fail(escape(str(e)))
    target = output or directory / "report.html"
    if _write_atomic(target, page, report_inputs(directory)) is not None:
        typer.echo(f"report written to {target}")


@app.command("serve", cls=_Command)
def serve_cmd(
    db: Annotated[str, typer.Option("--db", metavar="FILE|URL", help="The index: an SQLite file (created if missing) or a postgresql:// URL.")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback unless told otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=0, max=65535)] = 8000,
    max_body: Annotated[int, typer.Option("--max-body", help="Largest request body in bytes (413 above it).", min=1)] = 5 * 1024 * 1024,
    check_timeout: Annotated[float, typer.Option("--check-timeout", help="Seconds one check may take, queueing included (503 after; the check is stopped).", min=0.001)] = 30.0,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes running checks (each killed at --check-timeout), and threads reading the index.", min=1)] = min(4, os.cpu_count() or 1),
    large_workers: Annotated[int, typer.Option("--large-workers", help="Worker processes for requests over --large-body (kept apart so large checks never hold up the rest).", min=1)] = 2,
    large_body: Annotated[int, typer.Option("--large-body", help="Requests larger than this (bytes), and gzip uploads, use the large workers.", min=1)] = 256 * 1024,
    check_memory: Annotated[int, typer.Option("--check-memory", help="Memory one check may use, in MB (503 past it; 0: no limit).", min=0)] = 2048,
    max_article: Annotated[int, typer.Option("--max-article", help="Longest article to check, in characters (413 above it).", min=1)] = MAX_ARTICLE_CHARS,
    token: Annotated[str | None, typer.Option("--token", envvar="UNSPUN_TOKEN", show_envvar=True, help="Bearer token clients must send (required beyond loopback; prefer the environment variable).")] = None,
    public_read: Annotated[bool, typer.Option("--public-read", help="Checks and reads need no token (adding and removing documents still do).")] = False,
    allowed_host: Annotated[list[str] | None, typer.Option("--allowed-host", metavar="NAME", help="Another name clients may reach the server by (Host header; repeatable).")] = None,
    allow_fetch: Annotated[bool, typer.Option("--allow-fetch", help="A check request may give a page's URL for the server to fetch (public addresses only).")] = False,
) -> None:
    """Serve the HTTP API and the web page for the index in --db."""
    import logging

    import uvicorn

    from .service import ServiceSettings, allowed_hosts, create_app, is_loopback
    from .service.auth import token_problem

    token = token.strip() if token and token.strip() else None
    if token is None and not is_loopback(host):
        fail(f"--host {host} listens beyond this machine: give a token with --token or the UNSPUN_TOKEN "
             "environment variable (at least 16 characters, e.g. from "
             "python -c 'import secrets; print(secrets.token_urlsafe(32))'); clients then send "
             "'Authorization: Bearer <token>'")
    if token is not None and (problem := token_problem(token)):
        fail(f"--token / UNSPUN_TOKEN: {problem}")
    settings = ServiceSettings(
        db=_db(db), max_body=max_body, check_timeout=check_timeout, workers=workers,
        large_workers=large_workers, large_body=large_body, check_memory=check_memory, max_article=max_article,
        allowed_hosts=allowed_hosts(host, tuple(allowed_host or ())), token=token, public_read=public_read,
        allow_fetch=allow_fetch,
    )
    try:
        application = create_app(settings)
    except UnspunError as e:
        fail(escape(str(e)))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    shown = f"[{host}]" if ":" in host else host
    err.print(f"unspun serve: {index_name(db)} on http://{shown}:{port}/ (API docs at /docs; Ctrl-C stops)",
              highlight=False, soft_wrap=True)
    if token is not None:
        what = "adding and removing documents" if public_read else "every request but the page itself"
        err.print(f"token required for {what} ('Authorization: Bearer …'; the web page has a token field)",
                  highlight=False, soft_wrap=True)
    uvicorn.run(application, host=host, port=port, log_level="info", server_header=False,
                proxy_headers=False, access_log=True)


def main() -> None:
    """Entry point of the ``unspun`` console script.

    A usage error (a bad option value, a missing argument, an unknown command) is one
    line on stderr with exit code 2, like every other error; a command alone, or
    ``--help``, shows the help.
    """
    try:
        code = app(standalone_mode=False)
    except click_errors.NoArgsIsHelpError as e:  # a group alone: typer has shown its help
        sys.exit(e.exit_code)
    except click_errors.ClickException as e:
        where = f" (see {e.ctx.command_path} --help)" if getattr(e, "ctx", None) else ""
        err.print(f"[bold red]error:[/] {escape(e.format_message())}{where}", highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
