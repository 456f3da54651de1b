"""Real-world accuracy: unspun on the real development set, beside MinHash LSH and 5-grams.

    PYTHONPATH=src:. python -m bench.real [--cases FILE] [--out DIR] [--case ID ...] [-v]

The cases (``$UNSPUN_REALDEV``, else ``../shared/realdev/realdev.jsonl``) are real pages
nobody here wrote: reprints, light and heavy spin, stitched pages, translations, and
independent reports of the same events (negatives), each case with 5-10 same-story pages
that are not its sources. They are copyrighted excerpts: read at run time, never written
into the repository (results hold case ids, URLs and numbers only).

Protocol (the set's README): one SQLite index of every page of every case (ids = URLs,
``published`` dates kept); each suspect is checked with its own page removed from the index
if it is there, and put back afterwards. Scored per kind:

* **source recall**: true sources reported / true sources. A source counts as reported when
  the report names it as a source or lists it among the copies of a reported source (the
  same text on another page: the report names the likely origin and its copies).
* **evidence**: a case's evidence pair is covered when a reported passage from the right
  source (or from a page the report lists as a copy of it) overlaps at least half of the
  suspect snippet.
* **false sources**: the case's own distractors reported (as sources or copies), per
  distractor entry. Pages of *other* cases that are reported are counted apart
  (``other``): some are real copies of the same wire text (the set's README lists them).
* **negatives clean**: no page of the case reported.
* **verdict**: the label agrees with the case's kind (``LABEL_FOR_KIND``).

The same index of pages is given to datasketch MinHash LSH (128 permutations, word
3-grams, threshold 0.1) and to word 5-gram matching (3 shared 5-grams), scored with their
own decision rules (``claims``) for source recall, false sources and negatives clean.

Writes ``real.md`` and ``real.json`` to ``--out`` (default ``bench/results``); exit 2 when
the cases are absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("verbatim", "light-spin", "heavy-spin", "stitched", "cross-language", "negative")

#: verdict labels that agree with each kind of case
LABEL_FOR_KIND: dict[str, frozenset[str]] = {
    "verbatim": frozenset({"verbatim-copy"}),
    "light-spin": frozenset({"light-spin"}),
    "heavy-spin": frozenset({"heavy-spin"}),
    "stitched": frozenset({"stitched"}),
    "cross-language": frozenset({"heavy-spin", "translated"}),
    "negative": frozenset({"original"}),
}


def cases_path(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get("UNSPUN_REALDEV")
    if env:
        p = Path(env)
        return p / "realdev.jsonl" if p.is_dir() else p
    here = Path(__file__).resolve().parent.parent
    return here.parent / "shared" / "realdev" / "realdev.jsonl"


def missed_by_lexical(results: Path | None = None) -> set[tuple[str, str]]:
    """(case id, source url) of every true source the last lexical run missed, from
    ``bench/results/real.json`` (empty when that file is absent)."""
    path = results or Path(__file__).resolve().parent / "results" / "real.json"
    if not path.exists():
        return set()
    return {(r["id"], u) for r in json.loads(path.read_text())["cases_detail"] for u in r.get("missed", [])}


def load_cases(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def pages_of(cases: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every distinct page (url -> {text, published}) of every case."""
    pages: dict[str, dict[str, Any]] = {}
    for c in cases:
        for p in [c["suspect"], *c.get("sources", []), *c.get("distractors", [])]:
            got = pages.setdefault(p["url"], {"text": p["text"], "published": p.get("published")})
            if not got.get("published") and p.get("published"):
                got["published"] = p["published"]
    return pages


def case_pages(case: dict[str, Any]) -> set[str]:
    return {p["url"] for p in [*case.get("sources", []), *case.get("distractors", [])]}


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass
class CaseResult:
    id: str
    kind: str
    sources: int
    found: int
    evidence: int
    evidence_covered: int
    distractors: int
    false_sources: list[str]
    other_pages: list[str]
    label: str
    label_ok: bool
    label_excused: bool
    clean: bool | None
    seconds: float
    missed: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)
    evidence_lost: dict[str, int] = field(default_factory=dict)  # why pairs were not covered
    findings: dict[str, int] = field(default_factory=dict)  # findings of the report, by kind

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def reported_pages(report: Any) -> tuple[set[str], dict[str, set[str]]]:
    """(every page the report names as a source or a copy, source -> pages carrying its text)."""
    named: set[str] = set()
    same: dict[str, set[str]] = {}
    for s in report.sources:
        group = {s.doc.id, *(c.doc.id for c in getattr(s, "copies", ()))}
        named |= group
        same[s.doc.id] = group
    return named, same


def score_case(case: dict[str, Any], report: Any, seconds: float) -> CaseResult:
    text = case["suspect"]["text"]
    truth = {s["url"] for s in case.get("sources", [])}
    distractors = [d["url"] for d in case.get("distractors", [])]
    named, same = reported_pages(report)
    named.discard(case["suspect"]["url"])
    covered = 0
    lost: Counter = Counter()
    for ev in case.get("evidence", []):
        start = text.find(ev["suspect_snippet"])
        if start < 0:
            lost["snippet not in text"] += 1
            continue
        snip = (start, start + len(ev["suspect_snippet"]))
        hit = found = False
        for s in report.sources:
            if ev["source_url"] not in same.get(s.doc.id, ()):
                continue
            found = True
            members = (s, *getattr(s, "copies", ()))  # the text's passages, on any page carrying it
            if any(2 * _overlap(p.article_span, snip) >= snip[1] - snip[0] for m in members for p in m.passages):
                hit = True
                break
        if hit:
            covered += 1
        else:
            lost["source not reported" if not found else "no passage over the snippet"] += 1
    false = sorted(named & set(distractors) - truth)
    own = truth | set(distractors)
    other = sorted(named - own)
    label = report.verdict.label
    kind = case["kind"]
    # a negative whose only reported pages belong to other cases: those pages are real
    # copies of the same wire text (the set's README lists them), so a copy verdict is
    # right there; such cases are left out of verdict agreement and listed
    excused = kind == "negative" and bool(named) and not (named & (truth | set(distractors)))
    return CaseResult(
        id=case["id"],
        kind=kind,
        sources=len(truth),
        found=len(truth & named),
        evidence=len(case.get("evidence", [])),
        evidence_covered=covered,
        distractors=len(distractors),
        false_sources=false,
        other_pages=other,
        label=label,
        label_ok=label in LABEL_FOR_KIND.get(kind, frozenset()),
        label_excused=excused and label not in LABEL_FOR_KIND.get(kind, frozenset()),
        clean=(not (named & own)) if kind == "negative" else None,
        seconds=seconds,
        missed=sorted(truth - named),
        reported=[s.doc.id for s in report.sources],
        evidence_lost=dict(lost),
        findings=dict(Counter(f.kind for f in report.findings)),
    )


def page_documents(pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every page as an unspun Document (id = URL), by id."""
    import unspun

    return {url: unspun.from_text(p["text"], id=url, url=url, published=p.get("published")) for url, p in pages.items()}


def suspect_document(case: dict[str, Any]) -> Any:
    import unspun

    s = case["suspect"]
    return unspun.from_text(s["text"], id=s["url"], url=s["url"], published=s.get("published"))


@contextmanager
def own_page_removed(index: Any, case: dict[str, Any], by_id: dict[str, Any]) -> Iterator[None]:
    """The case's suspect page out of ``index`` (when it is indexed, as a page of another
    case) for the duration of the block, and put back afterwards."""
    held = by_id.get(case["suspect"]["url"])
    if held is not None:
        index.remove([held.id])
    try:
        yield
    finally:
        if held is not None:
            index.add([held])


def run_unspun(
    cases: Sequence[dict[str, Any]], pages: dict[str, dict[str, Any]], work: Path, settings: Any = None,
    semantic: bool = False,
) -> tuple[list[CaseResult], dict[str, Any]]:
    import unspun

    db = work / "real.db"
    index = unspun.open_index(str(db), create=True, semantic=semantic)
    by_id = page_documents(pages)
    docs = list(by_id.values())
    t0 = time.perf_counter()
    index.add(docs)
    build = time.perf_counter() - t0
    results = []
    for case in cases:
        with own_page_removed(index, case, by_id):
            t1 = time.perf_counter()
            report = unspun.check(suspect_document(case), index, settings)
            results.append(score_case(case, report, time.perf_counter() - t1))
    index.close()
    return results, {"pages": len(docs), "build_seconds": round(build, 2)}


def run_baseline(
    method: Any, cases: Sequence[dict[str, Any]], pages: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    method.build({"id": url, "text": p["text"]} for url, p in pages.items())
    out = []
    for case in cases:
        own_url = case["suspect"]["url"]
        claims = {d for d in method.claims(case["suspect"]["text"], k=10) if d != own_url}
        truth = {s["url"] for s in case.get("sources", [])}
        distractors = {d["url"] for d in case.get("distractors", [])}
        out.append(
            {
                "id": case["id"],
                "kind": case["kind"],
                "sources": len(truth),
                "found": len(truth & claims),
                "distractors": len(case.get("distractors", [])),
                "false": len(claims & distractors - truth),
                "clean": (not claims & (truth | distractors)) if case["kind"] == "negative" else None,
            }
        )
    return out


def summarize(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per kind and overall: cases, sources found/total, evidence, false sources, clean, verdict."""
    agg: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        for key in (r["kind"], "all"):
            a = agg[key]
            a["cases"] += 1
            a["sources"] += r["sources"]
            a["found"] += r["found"]
            a["evidence"] += r.get("evidence", 0)
            a["evidence_covered"] += r.get("evidence_covered", 0)
            a["distractors"] += r["distractors"]
            false = r["false"] if "false" in r else len(r["false_sources"])
            a["false"] += false
            if r.get("clean") is not None:
                a["negatives"] += 1
                a["clean"] += bool(r["clean"])
            if "label_ok" in r:
                if r.get("label_excused"):
                    a["label_excused"] += 1
                else:
                    a["label_judged"] += 1
                    a["label_ok"] += bool(r["label_ok"])
    out = {}
    for k, a in agg.items():
        out[k] = dict(a)
        out[k]["recall"] = a["found"] / a["sources"] if a["sources"] else None
        out[k]["evidence_rate"] = a["evidence_covered"] / a["evidence"] if a["evidence"] else None
        out[k]["false_per_200"] = 200 * a["false"] / a["distractors"] if a["distractors"] else 0.0
        out[k]["label_rate"] = a["label_ok"] / a["label_judged"] if a["label_judged"] else None
    return out


def bootstrap(rows: Sequence[dict[str, Any]], n: int = 1000, seed: int = 0) -> dict[str, list[float]]:
    """95% intervals of the overall rates, resampling cases with replacement (the spread a
    different draw of real cases of the same kinds would give)."""
    import random

    rng = random.Random(seed)
    keys = ("recall", "evidence_rate", "false_per_200", "label_rate")
    draws: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(n):
        sample = [rows[rng.randrange(len(rows))] for _ in rows]
        a = summarize(sample)["all"]
        for k in keys:
            if a.get(k) is not None:
                draws[k].append(a[k])
    out = {}
    for k, v in draws.items():
        v.sort()
        if v:
            out[k] = [round(v[int(0.025 * len(v))], 4), round(v[int(0.975 * len(v)) - 1], 4)]
    return out


def gate_metrics(summary: dict[str, dict[str, Any]], prefix: str = "real") -> dict[str, float]:
    """The figures the CI gate bounds (``real/...`` keys of bench/floors.json;
    ``real_semantic/...`` with the semantic layer)."""
    out: dict[str, float] = {}
    for kind, a in summary.items():
        if a.get("recall") is not None:
            out[f"{prefix}/{kind}/recall"] = round(a["recall"], 4)
        if a.get("evidence_rate") is not None:
            out[f"{prefix}/{kind}/evidence_rate"] = round(a["evidence_rate"], 4)
        if a.get("negatives"):
            out[f"{prefix}/{kind}/clean_rate"] = round(a["clean"] / a["negatives"], 4)
        out[f"{prefix}/{kind}/false_per_200"] = round(a["false_per_200"], 4)
        if a.get("label_rate") is not None:
            out[f"{prefix}/{kind}/label_rate"] = round(a["label_rate"], 4)
    return out


def run_quick(path: Path, semantic: bool = False) -> dict[str, float]:
    """unspun alone on every case (no baselines, nothing written): the gate's metrics."""
    cases = load_cases(path)
    with tempfile.TemporaryDirectory(prefix="unspun-real-") as tmp:
        results, _ = run_unspun(cases, pages_of(cases), Path(tmp), semantic=semantic)
    return gate_metrics(summarize(r.to_dict() for r in results), "real_semantic" if semantic else "real")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def render_md(res: dict[str, Any]) -> str:
    u, mh, ng = res["unspun"], res["minhash"], res["ngram5"]
    lines = [
        "# Real development set: unspun beside MinHash LSH and 5-grams",
        "",
        f"Command: `{res['command']}` ({res['date']}, unspun {res['version']}). "
        f"{res['cases']} cases, {res['index']['pages']} pages in one SQLite index "
        f"(built in {res['index']['build_seconds']} s); check p50 {res['check_p50']:.2f} s, "
        f"p90 {res['check_p90']:.2f} s.",
        "",
        "| kind | cases | unspun sources | evidence pairs | false sources (distractors) | negatives clean | verdict agrees | MinHash sources | MinHash false | 5-gram sources | 5-gram false |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k in (*KINDS, "all"):
        a = u.get(k)
        if not a:
            continue
        m, n = mh.get(k, {}), ng.get(k, {})
        neg = f"{a.get('clean', 0)} of {a['negatives']}" if a.get("negatives") else "-"
        lines.append(
            f"| {k} | {a['cases']} | {a['found']}/{a['sources']} ({_pct(a['recall'])}) | "
            f"{a['evidence_covered']}/{a['evidence']} ({_pct(a['evidence_rate'])}) | "
            f"{a['false']} of {a['distractors']} | {neg} | {a['label_ok']}/{a.get('label_judged', 0)} ({_pct(a['label_rate'])})"
            f"{' +' + str(a['label_excused']) + ' excused' if a.get('label_excused') else ''} | "
            f"{m.get('found', 0)}/{m.get('sources', 0)} | {m.get('false', 0)} | "
            f"{n.get('found', 0)}/{n.get('sources', 0)} | {n.get('false', 0)} |"
        )
    b = res.get("bootstrap") or {}
    if b:
        lines += ["", "Spread (95% bootstrap interval over cases, 1,000 resamples): "
                  + ", ".join(f"{k} {100 * lo:.0f}-{100 * hi:.0f}%" if k != "false_per_200"
                              else f"false sources per 200 distractors {lo:.2f}-{hi:.2f}"
                              for k, (lo, hi) in b.items()) + "."]
    if res.get("evidence_lost"):
        by_kind: dict[str, Counter] = defaultdict(Counter)
        for r in res["cases_detail"]:
            by_kind[r["kind"]].update(r["evidence_lost"])
        lines += ["", "Evidence pairs not covered, by why: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(res["evidence_lost"].items()))
                  + " (by kind: " + "; ".join(
                      f"{kind}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
                      for kind, c in sorted(by_kind.items()) if c) + ")."]
    if res.get("findings"):
        lines += ["", f"Findings in the {res['cases']} reports, by kind: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(res["findings"].items())) + "."]
    lines += ["", "## Verdicts by kind", "", "| kind | " + " | ".join(res["labels"]) + " |",
              "|---|" + "---|" * len(res["labels"])]
    for k in KINDS:
        row = res["confusion"].get(k)
        if row:
            lines.append(f"| {k} | " + " | ".join(str(row.get(lab, 0)) for lab in res["labels"]) + " |")
    lines += ["", "## Cases that miss", "",
              "| case | kind | missed sources | evidence | false sources | other pages reported | verdict |",
              "|---|---|---|---|---|---|---|"]
    for r in res["cases_detail"]:
        bad = r["missed"] or r["false_sources"] or not r["label_ok"] or r["evidence_covered"] < r["evidence"]
        bad = bad or bool(r["other_pages"])
        if r["kind"] == "negative":
            bad = bad or not r["clean"]
        if bad:
            lines.append(
                f"| {r['id']} | {r['kind']} | {len(r['missed'])} | {r['evidence_covered']}/{r['evidence']} | "
                f"{len(r['false_sources'])} | {len(r['other_pages'])} | {r['label']}"
                f"{' (excused: only other cases pages reported)' if r['label_excused'] else '' if r['label_ok'] else ' (disagrees)'} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.real", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", help="realdev.jsonl (default $UNSPUN_REALDEV or ../shared/realdev)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--case", action="append", help="only these case ids (no files written)")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    ap.add_argument("--semantic", action="store_true",
                    help="index with sentence vectors (the semantic extra); writes real_semantic.{md,json}")
    ap.add_argument("--min-evidence", type=int, help="the evidence rule's threshold (words), to see what another one gives")
    ap.add_argument("--distinctive-pairs", type=int,
                    help="with --semantic: turn on the experimental distinctive-details rule for "
                    "same-language rewrites with this many pairs (off by default)")
    args = ap.parse_args(argv)

    path = cases_path(args.cases)
    if not path.exists():
        print(f"real development set not found at {path}; set UNSPUN_REALDEV")
        return 2
    cases = load_cases(path)
    pages = pages_of(cases)
    checked = [c for c in cases if not args.case or c["id"] in args.case]
    import unspun

    with tempfile.TemporaryDirectory(prefix="unspun-real-") as tmp:
        settings = None
        if args.min_evidence is not None or args.distinctive_pairs is not None:
            import dataclasses

            from unspun.analyze.rewrites import SemanticSettings
            from unspun.analyze.sources import SourceSettings
            from unspun.pipeline import CheckSettings

            settings = CheckSettings()
            if args.min_evidence is not None:
                settings = dataclasses.replace(
                    settings, sources=dataclasses.replace(SourceSettings(), min_evidence=args.min_evidence))
            if args.distinctive_pairs is not None:
                settings = dataclasses.replace(settings, semantic=dataclasses.replace(
                    SemanticSettings(), min_distinctive_pairs=args.distinctive_pairs))
        results, index_info = run_unspun(checked, pages, Path(tmp), settings, semantic=args.semantic)
    rows = [r.to_dict() for r in results]
    if args.verbose or args.case:
        for r in rows:
            print(
                f"{r['id']:<48} {r['kind']:<14} found {r['found']}/{r['sources']} ev {r['evidence_covered']}/{r['evidence']}"
                f" false {r['false_sources']} other {len(r['other_pages'])} -> {r['label']}"
                f"{'' if r['label_ok'] else ' (!)'}  {r['seconds']:.2f}s"
            )
            if r["missed"]:
                print(f"    missed: {r['missed']}")
    summary = summarize(rows)
    res: dict[str, Any] = {
        "command": "PYTHONPATH=src:. python -m bench.real" + (" --no-baselines" if args.no_baselines else "")
        + (" --semantic" if args.semantic else "")
        + (f" --cases {args.cases}" if args.cases else "")
        + (f" --min-evidence {args.min_evidence}" if args.min_evidence is not None else "")
        + (f" --distinctive-pairs {args.distinctive_pairs}" if args.distinctive_pairs is not None else ""),
        "date": time.strftime("%Y-%m-%d"),
        "version": unspun.__version__,
        "cases": len(checked),
        "index": index_info,
        "unspun": summary,
        "labels": ["verbatim-copy", "light-spin", "heavy-spin", "stitched", "mostly-unsourced",
                   "original", "too-short"],
        "cases_detail": rows,
    }
    secs = sorted(r["seconds"] for r in rows)
    res["check_p50"] = secs[len(secs) // 2]
    res["check_p90"] = secs[min(len(secs) - 1, int(0.9 * len(secs)))]
    conf: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        conf[r["kind"]][r["label"]] += 1
    res["confusion"] = {k: dict(v) for k, v in conf.items()}
    res["gate"] = gate_metrics(summary, "real_semantic" if args.semantic else "real")
    res["evidence_lost"] = dict(sum((Counter(r["evidence_lost"]) for r in rows), Counter()))
    res["findings"] = dict(sum((Counter(r["findings"]) for r in rows), Counter()))
    res["bootstrap"] = bootstrap(rows)
    if args.no_baselines:
        res["minhash"] = res["ngram5"] = {}
    else:
        from bench.baselines import MinHashLSHBaseline, NgramBaseline

        res["minhash"] = summarize(run_baseline(MinHashLSHBaseline(), checked, pages))
        res["ngram5"] = summarize(run_baseline(NgramBaseline(), checked, pages))
    md = render_md(res)
    print(md)
    if not args.case:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        name = "real_semantic" if args.semantic else "real"
        (out / f"{name}.json").write_text(json.dumps(res, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (out / f"{name}.md").write_text(md, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
