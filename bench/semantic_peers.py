"""Does a rewrite's source stand out from the other same-story pages a check retrieves?

    python -m bench.semantic_peers

Sentence similarity alone does not tell a rewrite's source from an independent report of
the same event (``bench/results/semantic_separation.md``). This measures a *relative*
signal instead, the way stock wording is judged against the other candidates: for each
suspect of the real development set (``../shared/realdev`` or ``$UNSPUN_REALDEV``), the
candidates ``check`` would align (lexical retrieval plus the 8 nearest document vectors,
from one semantic index of all the set's pages, the suspect's own page left out) in the
suspect's language are compared sentence by sentence. A candidate wins a sentence of the
suspect when its best cosine for it is at least 0.7 and at least ``margin`` above every
other candidate's, and the sentence lies on its monotone alignment with the suspect
(:func:`unspun.semantic.rewrite.align`). A rule "at least K sentences won" is scored:
true sources accepted (those the lexical engine misses, from ``bench/results/real.json``,
apart), distractors of the case accepted, other pages accepted, and pages accepted in
negative cases. Writes ``bench/results/semantic_peers.{md,json}``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MARGINS = (0.05, 0.10)
KS = (2, 3, 4, 5)


def measure() -> list[dict[str, Any]]:
    import unspun
    from bench.real import (
        cases_path,
        load_cases,
        own_page_removed,
        page_documents,
        pages_of,
        suspect_document,
    )
    from unspun.pipeline import CheckSettings, candidate_ids
    from unspun.semantic.rewrite import align
    from unspun.semantic.vectors import embed_texts

    cases = load_cases(cases_path())
    by_id = page_documents(pages_of(cases))
    st = CheckSettings()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="unspun-peers-") as tmp:
        ix = unspun.open_index(os.path.join(tmp, "real.db"), create=True, semantic=True)
        ix.add(list(by_id.values()))
        for case in cases:
            sources = {s["url"] for s in case["sources"]}
            distractors = {s["url"] for s in case["distractors"]}
            doc = suspect_document(case)
            with own_page_removed(ix, case, by_id):
                av = embed_texts([doc.text])[0]
                wanted = candidate_ids(doc, ix, st, av)
                vecs = ix.vectors(wanted)
            a = np.asarray(av.sents, dtype=np.float32)
            cands = [i for i in wanted if i in vecs and vecs[i].lang == av.lang and len(vecs[i].spans)]
            if not cands or not len(a):
                continue
            best = np.stack([(a @ np.asarray(vecs[i].sents, dtype=np.float32).T).max(axis=1) for i in cands])
            for k, doc_id in enumerate(cands):
                others = np.delete(best, k, axis=0)
                second = others.max(axis=0) if len(others) else np.zeros(best.shape[1])
                on_path = {i for i, _, _ in align(av, vecs[doc_id])}
                row = {"case": case["id"], "kind": case["kind"], "page": doc_id,
                       "label": "source" if doc_id in sources else "distractor" if doc_id in distractors else "other"}
                for m in MARGINS:
                    row[f"won_{m}"] = sum(1 for i in on_path if best[k, i] >= 0.7 and best[k, i] - second[i] >= m)
                rows.append(row)
        ix.close()
    return rows


def main() -> int:
    from bench.real import missed_by_lexical
    from unspun.semantic import available, unavailable_reason

    if not available():
        print(unavailable_reason())
        return 2
    rows = measure()
    missed = missed_by_lexical()
    n_sources = sum(1 for r in rows if r["label"] == "source")
    lines = [
        "# Sentence vectors against the other same-story candidates",
        "",
        "Command: `PYTHONPATH=src:. python -m bench.semantic_peers`. A candidate *wins* a suspect sentence "
        "when its best cosine is >= 0.7 and at least the margin above every other candidate's, on its "
        f"monotone alignment. {len(rows)} candidate pages in the suspect's language; {n_sources} of them "
        "true sources.",
        "",
        "| margin | K sentences won | sources accepted | of them missed by the lexical engine | "
        "distractors accepted | other pages accepted | pages accepted in negative cases |",
        "|---|---|---|---|---|---|---|",
    ]
    table = []
    for m in MARGINS:
        for k in KS:
            acc = [r for r in rows if r[f"won_{m}"] >= k]
            entry = {
                "margin": m, "k": k,
                "sources": sum(1 for r in acc if r["label"] == "source"),
                "sources_missed_by_lexical": sum(1 for r in acc if r["label"] == "source"
                                                 and (r["case"], r["page"]) in missed),
                "distractors": sum(1 for r in acc if r["label"] == "distractor"),
                "other": sum(1 for r in acc if r["label"] == "other"),
                "in_negatives": sum(1 for r in acc if r["kind"] == "negative"),
            }
            table.append(entry)
            lines.append(f"| {m} | {k} | {entry['sources']}/{n_sources} | {entry['sources_missed_by_lexical']} | "
                         f"{entry['distractors']} | {entry['other']} | {entry['in_negatives']} |")
    lost = sorted({(r["case"], r["page"]) for r in rows if r["label"] == "source"} & missed)
    lines += ["", "Sources the lexical engine misses, and the sentences they win (margin 0.05 / 0.10):", ""]
    by_key = {(r["case"], r["page"]): r for r in rows}
    for case, page in lost:
        r = by_key[(case, page)]
        lines.append(f"- {case}: {r['won_0.05']} / {r['won_0.1']}")
    not_candidates = sorted(missed - set(by_key))
    if not_candidates:
        lines += ["", f"Not among the same-language candidates (a page in another language, or not "
                  f"retrieved): {len(not_candidates)} ("
                  + ", ".join(sorted({c for c, _ in not_candidates})) + ")."]
    md = "\n".join(lines) + "\n"
    print(md)
    out = ROOT / "bench" / "results"
    (out / "semantic_peers.json").write_text(json.dumps({"rules": table, "rows": len(rows)}, indent=1) + "\n")
    (out / "semantic_peers.md").write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
