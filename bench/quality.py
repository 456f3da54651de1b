"""Quality benchmark: unspun vs. the MinHash-LSH and word 5-gram baselines.

    python -m bench.quality [--quick] [--n N] [--seed S] [--index-size M]

Builds an index of Reuters-21578 + BBC articles (sources plus distractors) and two
BASIL outlets for each held-out BASIL event, generates suspects with
:mod:`bench.generator` (whole-article copies and 3-source stitched copies at each spin
rate, BASIL third-outlet and same-topic Reuters negatives), runs every method on the same
suspects and writes ``bench/results/quality.{md,json}`` and
``bench/results/recall_vs_spin.png`` (``--quick``: ``quality_quick.{md,json}``, no plot).

unspun is run when ``import unspun`` provides ``memory_index``, ``retrieve`` and
``check``; otherwise it is skipped with a message and only the baselines run.
The corpora are read from the data folder at run time (``--data-dir``, ``$UNSPUN_DATA``,
``../shared/data`` next to the repository) and are never written into the repository.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import random
import re
import shlex
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import corpus, metrics
from bench.baselines import MinHashLSHBaseline, NgramBaseline
from bench.generator import (
    SpinStitchGenerator,
    load_default_lexicon,
    long_sentence_keys,
    prepare,
    verify_suspect,
)

RATES_FULL = (0.0, 0.1, 0.3, 0.5, 0.7)
_ALPHA = re.compile(r"[A-Za-z]+")
# the MinHash figures quoted in the benchmark issue (measured earlier, elsewhere)
ISSUE_MINHASH = {
    "whole": {"0.3": 1.00, "0.5": 0.98, "0.7": 0.84},
    "stitched": {"0.3": 0.50, "0.5": 0.33},
}


@dataclass
class Config:
    seed: int = 0
    n: int = 100  # suspects per kind and spin rate
    index_size: int = 3000  # Reuters + BBC documents in the index
    bbc_share: float = 1 / 3
    rates: tuple[float, ...] = RATES_FULL
    n_sources: int = 3
    n_basil: int = 50
    n_reuters_neg: int = 50
    quick: bool = False
    semantic: bool = False  # unspun's index keeps sentence vectors (unspun[semantic])
    methods: tuple[str, ...] = ("minhash", "ngram5", "unspun")

    @classmethod
    def quick_config(cls, seed: int = 0) -> Config:
        return cls(seed=seed, n=10, index_size=1000, n_basil=20, n_reuters_neg=20, quick=True)


@dataclass
class Bench:
    index_docs: list[dict[str, Any]]
    suspects: list[dict[str, Any]]
    texts: dict[str, str]  # every document a suspect refers to (sources, held-out)
    info: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# corpus and suspects


def _accept(stream: list[dict[str, Any]], want: int, seen: tuple[set[str], set[str]]) -> list:
    """The first ``want`` prose, non-duplicate records of ``stream``."""
    seen_text, seen_keys = seen
    out = []
    for d in stream:
        if len(out) >= want:
            break
        if not corpus.is_prose(d):
            continue
        norm = " ".join(d["text"].split()).lower()
        keys = long_sentence_keys(d["text"])
        if norm in seen_text or (keys and len(keys & seen_keys) / len(keys) >= 0.5):
            continue
        seen_text.add(norm)
        seen_keys |= keys
        out.append(d)
    return out


def build_bench(ddir: Path, cfg: Config, log: Callable[[str], None] = print) -> Bench:
    rng = random.Random(cfg.seed)
    raw: dict[str, list[dict[str, Any]]] = {}
    for name, tag in ((corpus.REUTERS, "reuters"), (corpus.BBC, "bbc")):
        recs = []
        for r in corpus.read_jsonl_gz(ddir / name):
            r = dict(r)
            r["id"] = f"{tag}:{r['id']}"
            r["corpus"] = tag
            recs.append(r)
        rng.shuffle(recs)
        raw[tag] = recs
    n_stitched = cfg.n * len(cfg.rates)
    n_bbc = round(cfg.index_size * cfg.bbc_share)
    n_reu = cfg.index_size - n_bbc
    seen: tuple[set[str], set[str]] = (set(), set())
    reu = _accept(raw["reuters"], n_reu + n_stitched + 6 * cfg.n_reuters_neg + 50, seen)
    bbc = _accept(raw["bbc"], n_bbc, seen)
    index_news = reu[:n_reu] + bbc
    pool = reu[n_reu:]  # never indexed: held-out text for invented sentences, negatives

    # BASIL: index two outlets of an event, query with the third
    triplets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in corpus.load_basil(ddir):
        triplets[r["triplet_id"]].append(r)
    tids = sorted(t for t, v in triplets.items() if len(v) == 3)
    rng.shuffle(tids)
    basil_index, basil_queries = [], []
    for t in tids[: cfg.n_basil]:
        trip = sorted(triplets[t], key=lambda r: r["source"])
        q = rng.randrange(3)
        basil_queries.append(trip[q])
        basil_index.extend(r for k, r in enumerate(trip) if k != q)

    index_docs = index_news + basil_index
    key_count: Counter[str] = Counter()
    for d in index_docs:
        key_count.update(long_sentence_keys(d["text"]))

    def unique(d: dict[str, Any]) -> bool:
        return all(key_count[k] == 1 for k in long_sentence_keys(d["text"]))

    def unseen(d: dict[str, Any]) -> bool:
        return not any(k in key_count for k in long_sentence_keys(d["text"]))

    sources_whole = [d for d in index_news if len(prepare(d).sentences) >= 4 and unique(d)]
    sources_stitch = [d for d in index_news if len(prepare(d).sentences) >= 2 and unique(d)]
    heldout = [d for d in pool if unseen(d)]
    index_topics = {t for d in index_news if d["corpus"] == "reuters" for t in d.get("topics", [])}
    rng.shuffle(heldout)
    reuters_neg = [d for d in heldout if set(d.get("topics") or ()) & index_topics][
        : cfg.n_reuters_neg
    ]
    neg_ids = {d["id"] for d in reuters_neg}
    invent_docs = [d for d in heldout if d["id"] not in neg_ids] or heldout
    rng.shuffle(sources_whole)
    rng.shuffle(sources_stitch)

    log("loading lexicon ...")
    gen = SpinStitchGenerator.from_corpus(
        load_default_lexicon(), (d["text"] for d in index_news), seed=cfg.seed
    )
    suspects: list[dict[str, Any]] = []
    w_i = s_i = h_i = 0
    for rate in cfg.rates:
        tag = f"r{round(rate * 100):02d}"
        for i in range(cfg.n):
            src = sources_whole[w_i % len(sources_whole)]
            w_i += 1
            suspects.append(gen.whole(src, rate, f"whole-{tag}-{i:03d}"))
        for i in range(cfg.n):
            srcs: list[dict[str, Any]] = []
            while len(srcs) < cfg.n_sources:
                d = sources_stitch[s_i % len(sources_stitch)]
                s_i += 1
                if all(d["id"] != x["id"] for x in srcs):
                    srcs.append(d)
            held = invent_docs[h_i % len(invent_docs)]
            h_i += 1
            suspects.append(gen.stitched(srcs, rate, f"stitched-{tag}-{i:03d}", heldout=held))
    for i, d in enumerate(basil_queries):
        suspects.append(gen.negative(d, f"negative-basil-{i:03d}", "basil"))
    for i, d in enumerate(reuters_neg):
        suspects.append(gen.negative(d, f"negative-reuters-{i:03d}", "reuters_topic"))

    texts = {d["id"]: d["text"] for d in index_docs}
    texts.update((d["id"], d["text"]) for d in pool)
    index_ids = {d["id"] for d in index_docs}
    for s in suspects:
        verify_suspect(s, texts)
        assert not set(s.get("heldout_ids", ())) & index_ids, "held-out document indexed"
        if s["kind"] == "negative":
            assert s["query_doc_id"] not in index_ids, "negative query indexed"
    # effective spin: share of the copied words (all / non-stopword) a synonym replaced
    lex = gen.lex
    changed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in suspects:
        if s["kind"] == "negative":
            continue
        acc = changed[f"{s['kind']}/{metrics.rate_key(s['spin_rate'])}"]
        for p in s["passages"]:
            a, b = p["source_span"]
            words = _ALPHA.findall(texts[p["source_id"]][a:b])
            acc[0] += len(words)
            acc[1] += sum(not lex.is_stopword(w) for w in words)
        acc[2] += sum(
            len(_ALPHA.findall(e["source_text"])) for e in s["edits"] if e["kind"] == "synonym"
        )
    spun_share = {
        g: {"all_words": round(c / max(1, a), 3), "content_words": round(c / max(1, n), 3)}
        for g, (a, n, c) in sorted(changed.items())
    }
    info = {
        "index_docs": len(index_docs),
        "index_reuters": sum(d["corpus"] == "reuters" for d in index_docs),
        "index_bbc": sum(d["corpus"] == "bbc" for d in index_docs),
        "index_basil": len(basil_index),
        "suspects": dict(Counter(s["kind"] for s in suspects)),
        "negatives": dict(
            Counter(s.get("negative_of") for s in suspects if s["kind"] == "negative")
        ),
        "distinct_sources": len({x for s in suspects for x in s.get("source_ids", ())}),
        "planted_edits": dict(Counter(e["kind"] for s in suspects for e in s["edits"])),
        "unsourced_sentences": sum(
            len(s["unsourced"]) for s in suspects if s["kind"] != "negative"
        ),
        "spun_word_share": spun_share,
    }
    return Bench(index_docs, suspects, texts, info)


# ---------------------------------------------------------------------------------------
# methods


def unspun_api() -> tuple[Any, str | None]:
    """(module, None) when unspun's API is usable, else (None, reason)."""
    try:
        import unspun
        from unspun.models import Document  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return None, f"import unspun failed: {exc!r}"
    missing = [n for n in ("memory_index", "retrieve", "check") if not hasattr(unspun, n)]
    if missing:
        return None, f"unspun has no {', '.join(missing)} yet"
    return unspun, None


@dataclass
class Run:
    name: str
    ranked: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    claims: dict[str, list[str]] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    timing: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None


def run_baseline(method: Any, bench: Bench, k: int = 5) -> Run:
    run = Run(method.name)
    t0 = time.perf_counter()
    method.build(bench.index_docs)
    run.timing["build_seconds"] = time.perf_counter() - t0
    run.timing["shingle_seconds"] = method.shingle_seconds
    run.timing["insert_seconds"] = method.insert_seconds
    tq = 0.0
    for s in bench.suspects:
        t = time.perf_counter()
        ranked = method.query(s["text"], max(k, 5))
        tq += time.perf_counter() - t
        run.ranked[s["id"]] = ranked
        run.claims[s["id"]] = [d for d, sc in ranked if _claimed(method, sc)]
    run.timing["query_ms_mean"] = 1000 * tq / max(1, len(bench.suspects))
    return run


def _claimed(method: Any, score: float) -> bool:
    if isinstance(method, MinHashLSHBaseline):
        return score >= method.claim_threshold
    return score >= method.min_shared


def run_unspun(bench: Bench, log: Callable[[str], None], k: int = 5) -> Run:
    run = Run("unspun")
    api, why = unspun_api()
    if api is None:
        run.skipped = why
        return run
    from unspun.models import Document

    def doc_of(d: dict[str, Any]) -> Any:
        return Document(id=str(d["id"]), text=d["text"], title=d.get("title") or None)

    t0 = time.perf_counter()
    try:
        idx = api.memory_index(semantic=True) if bench.info.get("semantic") else api.memory_index()
        idx.add(doc_of(d) for d in bench.index_docs)
    except Exception as exc:  # noqa: BLE001
        run.skipped = f"unspun index build failed: {exc!r}"
        log(traceback.format_exc())
        return run
    run.timing["build_seconds"] = time.perf_counter() - t0
    tq = tc = 0.0
    for s in bench.suspects:
        doc = Document(id=s["id"], text=s["text"])
        try:
            t = time.perf_counter()
            cands = api.retrieve(doc, idx, k=k)
            tq += time.perf_counter() - t
            run.ranked[s["id"]] = [
                (str(c.doc_id), float(c.score), tuple(str(i) for i in getattr(c, "doc_ids", ())[1:]))
                for c in cands
            ]
        except Exception as exc:  # noqa: BLE001
            run.errors.append(f"retrieve {s['id']}: {exc!r}")
        try:
            t = time.perf_counter()
            rep = api.check(doc, idx)
            tc += time.perf_counter() - t
            d = rep.to_dict() if hasattr(rep, "to_dict") else dict(rep)
            run.reports[s["id"]] = d
            run.claims[s["id"]] = [str(x["doc_id"]) for x in d.get("sources", ())]
        except Exception as exc:  # noqa: BLE001
            run.errors.append(f"check {s['id']}: {exc!r}")
    n = max(1, len(bench.suspects))
    run.timing["query_ms_mean"] = 1000 * tq / n
    run.timing["check_ms_mean"] = 1000 * tc / n
    if run.errors:
        log(f"unspun: {len(run.errors)} errors, first: {run.errors[0]}")
    return run


# ---------------------------------------------------------------------------------------
# scoring and output


def score(bench: Bench, run: Run) -> dict[str, Any]:
    if run.skipped:
        return {"available": False, "skipped": run.skipped}
    sus = bench.suspects
    out: dict[str, Any] = {
        "available": True,
        "timing": run.timing,
        "errors": len(run.errors),
        "error_samples": run.errors[:5],
        "retrieval": metrics.recall_at_k(sus, run.ranked, (1, 5)),
        "claimed": metrics.claim_scores(sus, run.claims),
        "negatives": metrics.false_source_rate(sus, run.claims),
    }
    if run.reports:
        cases = metrics.cases_from_truth(sus)
        dets = metrics.detections_from_reports(run.reports)
        groups: dict[str, set[str]] = defaultdict(set)
        for s in sus:
            groups["all"].add(s["id"])
            groups[s["kind"]].add(s["id"])
            if s["kind"] != "negative":
                groups[f"{s['kind']}/{metrics.rate_key(s['spin_rate'])}"].add(s["id"])
        out["plagdet"] = {
            g: metrics.plagdet(
                [c for c in cases if c.tref in ids], [d for d in dets if d.tref in ids]
            )
            for g, ids in sorted(groups.items())
        }
        out["edits"] = metrics.edit_scores(sus, run.reports)
        out["unsourced"] = metrics.unsourced_scores(sus, run.reports)
        out["labels"] = verdict_labels(sus, run.reports)
    return out


def verdict_labels(suspects: Sequence[dict[str, Any]], reports: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    """How many suspects of each kind and spin rate got each verdict label."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for s in suspects:
        rep = reports.get(s["id"])
        if rep is None:
            continue
        group = s["kind"] if s["kind"] == "negative" else f"{s['kind']}/{metrics.rate_key(s['spin_rate'])}"
        out[group][rep["verdict"]["label"]] += 1
    return {g: dict(sorted(c.items())) for g, c in sorted(out.items())}


def gate_metrics(results: dict[str, Any]) -> dict[str, float]:
    """Flat ``name -> value`` view used by :mod:`bench.gate`."""
    flat: dict[str, float] = {}
    for name, m in results["methods"].items():
        if not m.get("available"):
            continue
        for kind, rows in m["retrieval"].items():
            for rate, row in rows.items():
                flat[f"{name}/{kind}/{rate}/recall@5"] = row["recall@5"]
        for kind, rows in m["claimed"].items():
            for rate, row in rows.items():
                flat[f"{name}/{kind}/{rate}/claimed_recall"] = row["recall"]
        if "all" in m["negatives"]:
            flat[f"{name}/negatives/false_source_rate"] = m["negatives"]["all"]["rate"]
        if "plagdet" in m:
            flat[f"{name}/plagdet"] = m["plagdet"]["all"]["plagdet"]
            ov = m["edits"]["overall"]
            for key in ("recall", "precision"):
                if ov[key] is not None:
                    flat[f"{name}/edits/{key}"] = ov[key]
            un = m["unsourced"].get("stitched")
            if un:
                for key in ("recall", "precision"):
                    if un[key] is not None:
                        flat[f"{name}/unsourced/{key}"] = un[key]
    return flat


def _f(x: Any, nd: int = 2) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def tables(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for the terminal and the markdown report."""
    methods = [(n, m) for n, m in results["methods"].items() if m.get("available")]
    out = []
    share = results["bench"].get("spun_word_share", {})
    if share:
        rows = [
            [g.split("/")[0], g.split("/")[1], _f(v["content_words"]), _f(v["all_words"])]
            for g, v in share.items()
        ]
        out.append(
            (
                "Effective spin: share of copied words replaced by a synonym",
                ["suspects", "spin rate", "of non-stopwords", "of all words"],
                rows,
            )
        )
    header = ["suspects", "spin"]
    for n, _ in methods:
        header += [f"{n} r@1", f"{n} r@5"]
    if any(n == "unspun" for n, _ in methods):
        header += ["unspun reported"]
    rows = []
    for kind in ("whole", "stitched"):
        for rate in [metrics.rate_key(r) for r in results["config"]["rates"]]:
            row = [kind, rate]
            for _, m in methods:
                cell = m["retrieval"].get(kind, {}).get(rate, {})
                row += [_f(cell.get("recall@1")), _f(cell.get("recall@5"))]
            if any(n == "unspun" for n, _ in methods):
                cell = dict(methods)["unspun"]["claimed"].get(kind, {}).get(rate, {})
                row.append(_f(cell.get("recall")))
            rows.append(row)
    out.append(
        (
            "Source recall per source (r@k: source among the top k candidates; "
            "reported: listed in unspun's report)",
            header,
            rows,
        )
    )

    header = [
        "method",
        "claimed-source recall (all positives)",
        "claim precision",
        "false-source rate BASIL",
        "false-source rate Reuters same-topic",
        "all negatives",
    ]
    rows = []
    for n, m in methods:
        rows_all = [row for rows_k in m["claimed"].values() for row in rows_k.values()]
        tp = sum(row["true_claims"] for row in rows_all)
        tot = sum(row["n_sources"] for row in rows_all)
        cl = sum(row["n_claims"] for row in rows_all)
        neg = m["negatives"]
        rows.append(
            [
                n,
                _f(tp / tot if tot else None),
                _f(tp / cl if cl else None),
                _f(neg.get("basil", {}).get("rate")),
                _f(neg.get("reuters_topic", {}).get("rate")),
                _f(neg.get("all", {}).get("rate")),
            ]
        )
    out.append(
        (
            "Source claims (baselines: MinHash est. Jaccard >= 0.1; 5-gram >= 3 shared "
            "5-grams; unspun: sources in the report)",
            header,
            rows,
        )
    )

    un = dict(methods).get("unspun")
    if un and "plagdet" in un:
        header = ["group", "plagdet", "recall", "precision", "granularity", "cases", "detections"]
        rows = [
            [
                g,
                _f(v["plagdet"]),
                _f(v["recall"]),
                _f(v["precision"]),
                _f(v["granularity"]),
                str(v["n_cases"]),
                str(v["n_detections"]),
            ]
            for g, v in un["plagdet"].items()
        ]
        out.append(("unspun passage alignment (PAN plagdet, character level)", header, rows))
        header = ["edit kind", "recall", "truth edits", "precision (detected kind)", "detected"]
        rows = []
        for k, v in un["edits"]["recall"].items():
            rows.append([k, _f(v["value"]), str(v["n"]), "", ""])
        for k, v in un["edits"]["precision"].items():
            rows.append([k, "", "", _f(v["value"]), str(v["n"])])
        ov = un["edits"]["overall"]
        rows.append(["overall", _f(ov["recall"]), "", _f(ov["precision"]), ""])
        out.append(
            ("unspun edits (article-span overlap; truth grammar edits not scored)", header, rows)
        )
        header = ["suspects", "precision", "recall", "true chars", "reported chars"]
        rows = [
            [k, _f(v["precision"]), _f(v["recall"]), str(v["true_chars"]), str(v["detected_chars"])]
            for k, v in un["unsourced"].items()
        ]
        out.append(
            (
                "unspun unsourced spans (non-whitespace characters; truth: invented "
                "sentences, and the whole text of a negative)",
                header,
                rows,
            )
        )

    if un and un.get("labels"):
        names = ("verbatim-copy", "light-spin", "heavy-spin", "stitched", "mostly-unsourced", "original",
                 "too-short")
        rows = [[g, *(str(c.get(n, 0)) for n in names)] for g, c in un["labels"].items()]
        out.append(
            (
                "unspun verdict labels (whole copies should read verbatim-copy at spin 0 and spin more "
                "as the rate grows; stitched suspects stitched; negatives original)",
                ["suspects", *names],
                rows,
            )
        )

    header = ["method", "index build s", "shingling s", "insertion s", "query ms", "check ms"]
    rows = []
    for n, m in methods:
        t = m["timing"]
        rows.append(
            [
                n,
                _f(t.get("build_seconds")),
                _f(t.get("shingle_seconds")),
                _f(t.get("insert_seconds")),
                _f(t.get("query_ms_mean"), 1),
                _f(t.get("check_ms_mean"), 1),
            ]
        )
    out.append(("Timing (this machine; for orientation only)", header, rows))
    return out


def print_tables(results: dict[str, Any]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        Console = None  # noqa: N806
    for title, header, rows in tables(results):
        if Console is not None:
            t = Table(title=title, title_justify="left")
            for h in header:
                t.add_column(h)
            for r in rows:
                t.add_row(*r)
            Console(width=160).print(t)
        else:
            print(f"\n{title}")
            print("  ".join(header))
            for r in rows:
                print("  ".join(r))
    for name, m in results["methods"].items():
        if not m.get("available"):
            print(f"{name}: skipped ({m.get('skipped')})")


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# unspun quality benchmark",
        "",
        f"Command: `{results['command']}`  ",
        f"Date: {results['date']}  ",
        f"Seed: {results['config']['seed']}; data: `{results['data_dir']}`",
        "",
        "Index: {index_docs} documents ({index_reuters} Reuters-21578, {index_bbc} BBC, "
        "{index_basil} BASIL). Suspects: {suspects}. Negatives: {negatives}. "
        "Distinct true sources: {distinct_sources}. Ground-truth edits: {planted_edits}. "
        "Invented (unsourced) sentences in stitched suspects: {unsourced_sentences}.".format(
            **results["bench"]
        ),
        "",
        "Suspects are generated by `bench/generator.py` (synonym spinning of the given share "
        "of content words with unspun's WordNet lexicon, grammar damage, sentence/paragraph "
        "reordering, truncation, planted number/quote/name/negation changes; stitched: one "
        "2-5 sentence passage from each of 3 sources plus 0-3 sentences from a never-indexed "
        "document). Baselines: datasketch MinHash (128 permutations, word 3-grams) + "
        "MinHashLSH (threshold 0.1), and word 5-gram shingle matching.",
        "",
    ]
    for name, m in results["methods"].items():
        if not m.get("available"):
            lines += [f"**{name} skipped:** {m.get('skipped')}", ""]
    for title, header, rows in tables(results):
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("")
    mh = results["methods"].get("minhash", {})
    if mh.get("available"):
        lines += [
            "## MinHash recall@5: this run vs. the figures quoted in the issue",
            "",
            "| suspects | spin | issue | this run |",
            "|---|---|---|---|",
        ]
        for kind, rows in ISSUE_MINHASH.items():
            for rate, val in rows.items():
                got = mh["retrieval"].get(kind, {}).get(rate, {}).get("recall@5")
                lines.append(f"| {kind} | {rate} | {val:.2f} | {_f(got)} |")
        lines.append("")
    if results.get("plot"):
        lines += [f"![recall@5 vs spin rate]({Path(results['plot']).name})", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = list(results["config"]["rates"])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colors = {"minhash": "tab:blue", "ngram5": "tab:orange", "unspun": "tab:green"}
    for name, m in results["methods"].items():
        if not m.get("available"):
            continue
        for kind, style in (("whole", "-"), ("stitched", "--")):
            ys = [
                m["retrieval"].get(kind, {}).get(metrics.rate_key(r), {}).get("recall@5")
                for r in rates
            ]
            ax.plot(
                rates,
                [float("nan") if y is None else y for y in ys],
                style,
                marker="o",
                color=colors.get(name),
                label=f"{name} {kind}",
            )
    un = results["methods"].get("unspun", {})
    if un.get("available"):
        for kind, style in (("whole", ":"), ("stitched", "-.")):
            ys = [
                un["claimed"].get(kind, {}).get(metrics.rate_key(r), {}).get("recall")
                for r in rates
            ]
            ax.plot(
                rates,
                [float("nan") if y is None else y for y in ys],
                style,
                marker="x",
                color="tab:green",
                label=f"unspun {kind}, listed in report",
            )
    ax.set_xlabel("spin rate (share of content words replaced)")
    ax.set_ylabel("recall@5 per source")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Source recall@5 vs spin rate (solid: whole copy, dashed: 3-source stitch)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------------------------


def run_quality(
    cfg: Config,
    ddir: Path,
    *,
    out_dir: Path | None,
    command: str,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    bench = build_bench(ddir, cfg, log)
    bench.info["semantic"] = cfg.semantic
    log(f"benchmark built in {time.perf_counter() - t0:.1f} s: {bench.info}")
    runs = []
    if "minhash" in cfg.methods:
        runs.append(run_baseline(MinHashLSHBaseline(), bench))
    if "ngram5" in cfg.methods:
        runs.append(run_baseline(NgramBaseline(), bench))
    if "unspun" in cfg.methods:
        run = run_unspun(bench, log)
        if run.skipped:
            log(f"unspun skipped: {run.skipped} -- running the baselines only")
        runs.append(run)
    results: dict[str, Any] = {
        "command": command,
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "data_dir": str(ddir),
        "config": {
            "seed": cfg.seed,
            "n": cfg.n,
            "index_size": cfg.index_size,
            "rates": list(cfg.rates),
            "n_sources": cfg.n_sources,
            "n_basil": cfg.n_basil,
            "n_reuters_neg": cfg.n_reuters_neg,
            "quick": cfg.quick,
        },
        "bench": bench.info,
        "methods": {r.name: score(bench, r) for r in runs},
        "issue_minhash_recall@5": ISSUE_MINHASH,
    }
    results["gate"] = gate_metrics(results)
    results["seconds"] = round(time.perf_counter() - t0, 1)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        suffix = ("_quick" if cfg.quick else "") + ("_semantic" if cfg.semantic else "")
        if not cfg.quick and not cfg.semantic:
            png = out_dir / "recall_vs_spin.png"
            plot(results, png)
            results["plot"] = str(png)
        (out_dir / f"quality{suffix}.json").write_text(
            json.dumps(results, indent=1, sort_keys=False) + "\n", encoding="utf-8"
        )
        (out_dir / f"quality{suffix}.md").write_text(markdown(results) + "\n", encoding="utf-8")
    return results


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Config]:
    ap = argparse.ArgumentParser(
        prog="python -m bench.quality", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument(
        "--quick", action="store_true", help="small fixed-seed subset (CI gate, < 60 s)"
    )
    ap.add_argument("--n", type=int, help="suspects per kind and spin rate (default 100; quick 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--index-size", type=int, help="Reuters+BBC documents indexed (default 3000)")
    ap.add_argument("--rates", help="comma-separated spin rates (default 0,0.1,0.3,0.5,0.7)")
    ap.add_argument("--methods", default="minhash,ngram5,unspun")
    ap.add_argument("--data-dir", help="data folder (default $UNSPUN_DATA or ../shared/data)")
    ap.add_argument("--out-dir", default=str(corpus.repo_root() / "bench" / "results"))
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--semantic", action="store_true",
                    help="unspun with the semantic layer; writes quality[_quick]_semantic.{md,json}")
    args = ap.parse_args(argv)
    cfg = Config.quick_config(args.seed) if args.quick else Config(seed=args.seed)
    if args.n is not None:
        cfg.n = args.n
    if args.index_size is not None:
        cfg.index_size = args.index_size
    if args.rates:
        cfg.rates = tuple(float(x) for x in args.rates.split(","))
    cfg.methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    cfg.semantic = args.semantic
    return args, cfg


def main(argv: Sequence[str] | None = None) -> int:
    args, cfg = parse_args(argv)
    ddir = corpus.data_dir(args.data_dir)
    if not ddir.exists():
        print(f"benchmark data not found at {ddir}", file=sys.stderr)
        return 2
    cmd = "python -m bench.quality " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    results = run_quality(
        cfg,
        ddir,
        out_dir=None if args.no_write else Path(args.out_dir),
        command=cmd.strip(),
        log=lambda m: print(m, file=sys.stderr),
    )
    print_tables(results)
    print(f"total {results['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
