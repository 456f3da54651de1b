"""``quote-altered`` findings: quotations that do not say what the source's quotation says.

Three ways a copier alters a quotation, each reported with ``data.change``:

``shortened``  the article's quotation is the source quotation with words cut away
               ("The time will show how it will develop, but we won't exclude it" ->
               "Time will show how it will develop"): meaning can flip with what was cut;
``reworded``   words inside the quotation marks differ from the source quotation
               (the article puts words in someone's mouth);
``unmarked``   the source quotes someone, the article prints the same words without
               quotation marks, as if they were its own or established fact.

An article quotation is compared with the source quotation it aligns to: among the
quotations of the source that supplied the passage around it, the one sharing the most
words (on stems), at least half of the article quotation's words and at least two.
When the source has no such quotation but the aligner marked edits inside the article's
quotation marks, those edits are reported (``reworded``). Quotations of one word (scare
quotes) are ignored. Compared forms are folded tokens: case, curly quotes and
punctuation do not count as changes.
"""

from __future__ import annotations

import re

from ..models import Finding, Passage, SourceMatch, Span
from ..seqmatch import SequenceMatcher
from ..tokens import Tokens
from .textmatch import TokenCache, align_blocks, short, source_name, token_range

MIN_UNMARKED = 5  # words of a source quotation reprinted without quotation marks


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _touches(span: Span, q: Span) -> bool:
    """Overlaps the quotation, or (an empty span, a deletion point) lies inside it."""
    if span[0] == span[1]:
        return q[0] <= span[0] <= q[1]
    return _overlap(span, q) > 0


def _best_source_quote(a: Tokens, qr: range, d: Tokens, near: Span) -> tuple[Span, range] | None:
    best: tuple[int, int, Span, range] | None = None
    for dq in d.quotes:
        dr = token_range(d, dq)
        if not len(dr):
            continue
        m = sum(n for *_, n in align_blocks(a, qr, d, dr))
        dist = 0 if _overlap(dq, near) else min(abs(dq[0] - near[1]), abs(near[0] - dq[1]))
        cand = (m, -dist, dq, dr)
        if best is None or cand[:2] > best[:2]:
            best = cand
    if best is None or best[0] < max(2, len(qr) / 2):
        return None
    dq, dr = best[2], best[3]
    # a long source quotation may run over several sentences: keep those the article used
    used = {d.sent[j + k] for _, j, n in align_blocks(a, qr, d, dr) for k in range(n)}
    kept = [j for j in dr if d.sent[j] in used]
    if kept and (kept[0] != dr.start or kept[-1] != dr.stop - 1):
        lo = max(dq[0], d.sentences[d.sent[kept[0]]][0])
        hi = min(dq[1], d.sentences[d.sent[kept[-1]]][1])
        dq, dr = (lo, hi), range(kept[0], kept[-1] + 1)
    return dq, dr


def _words(t: Tokens, r: range) -> str:
    if not len(r):
        return ""
    return t.text[t.starts[r.start] : t.ends[r.stop - 1]]


def _compare(a: Tokens, qr: range, d: Tokens, dr: range) -> tuple[str, list[dict[str, str]]] | None:
    """(change, [{"source", "article"}]) or None when the quotations say the same."""
    an = [a.norm[i] for i in qr]
    dn = [d.norm[j] for j in dr]
    if an == dn:
        return None
    ops = SequenceMatcher(None, an, dn, autojunk=False).get_opcodes()
    changes = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        changes.append({
            "source": _words(d, range(dr.start + j1, dr.start + j2)),
            "article": _words(a, range(qr.start + i1, qr.start + i2)),
        })
    if all(_trivial(c) for c in changes):
        return None  # every change alters no word
    shortened = all(tag in ("equal", "insert") for tag, *_ in ops)
    return ("shortened" if shortened else "reworded"), changes


_ARTICLES = frozenset({"a", "an", "the"})


def _trivial(change: dict[str, str]) -> bool:
    """A change that alters no word: spelling joined or split ("book selling" /
    "bookselling"), hyphens and case, or an article added or dropped."""
    flat = [re.sub(r"[\W_]", "", change[k]).lower() for k in ("source", "article")]
    if flat[0] == flat[1]:
        return True
    words = re.findall(r"\w+", (change["source"] + " " + change["article"]).lower())
    return bool(words) and all(w in _ARTICLES for w in words)


def _describe(change: str, changes: list[dict[str, str]], src_quote: str, art_quote: str) -> str:
    if change == "shortened":
        cut = " … ".join(f"“{short(c['source'], 60)}”" for c in changes)
        return (f"Quotation shortened: the source has “{short(src_quote, 120)}”; "
                f"the article prints “{short(art_quote, 80)}”, dropping {cut}.")
    parts = []
    for c in changes[:4]:
        if not c["article"]:
            parts.append(f"“{short(c['source'], 40)}” dropped")
        elif not c["source"]:
            parts.append(f"“{short(c['article'], 40)}” added")
        else:
            parts.append(f"“{short(c['source'], 40)}” → “{short(c['article'], 40)}”")
    more = f" and {len(changes) - 4} more" if len(changes) > 4 else ""
    return (f"Quotation reworded: {'; '.join(parts)}{more} (source: “{short(src_quote, 120)}”).")


def _hits_by_quote(quotes: list[Span], sources: tuple[SourceMatch, ...]) -> dict[Span, list[tuple[SourceMatch, Passage]]]:
    """For each quotation, the passages overlapping it, in source then passage order.

    One sweep over quotations and passages sorted by start (linear in the article's
    length, not quotations x passages)."""
    listed = [(p.article_span, n, s, p) for n, (s, p) in enumerate((s, p) for s in sources for p in s.passages)]
    listed.sort(key=lambda x: (x[0][0], x[1]))
    out: dict[Span, list[tuple[SourceMatch, Passage]]] = {}
    active: list[tuple[Span, int, SourceMatch, Passage]] = []
    nxt = 0
    for q in sorted(set(quotes)):
        while nxt < len(listed) and listed[nxt][0][0] < q[1]:
            active.append(listed[nxt])
            nxt += 1
        active = [x for x in active if x[0][1] > q[0]]  # later quotations start later still
        hits = sorted((x for x in active if _overlap(q, x[0])), key=lambda x: x[1])
        out[q] = [(s, p) for _, _, s, p in hits]
    return out


def quote_findings(a: Tokens, sources: tuple[SourceMatch, ...], cache: TokenCache) -> list[Finding]:
    out: list[Finding] = []
    by_quote = _hits_by_quote(a.quotes, sources)
    for q in a.quotes:
        qr = token_range(a, q)
        if len(qr) < 2:
            continue
        hits = by_quote[q]
        if not hits:
            continue
        s, p = max(hits, key=lambda h: _overlap(q, h[1].article_span))
        d = cache.get(s.doc)
        found = _best_source_quote(a, qr, d, p.source_span)
        if found is not None:
            dq, dr = found
            diff = _compare(a, qr, d, dr)
            if diff is None:
                continue
            change, changes = diff
            out.append(Finding(
                kind="quote-altered", article_span=q, source_doc=s.doc.id, source_span=dq,
                detail=_describe(change, changes, d.text[dq[0]:dq[1]], a.text[q[0]:q[1]]),
                data={"change": change, "changes": changes, "source_quote": d.text[dq[0]:dq[1]]},
            ))
            continue
        edits = [e for e in p.edits if e.in_quote and _touches(e.article_span, q)
                 and not _trivial({"source": e.source_text, "article": e.article_text})]
        joined = {"source": " ".join(e.source_text for e in edits), "article": " ".join(e.article_text for e in edits)}
        if edits and not _trivial(joined):
            changes = [{"source": e.source_text, "article": e.article_text} for e in edits]
            src = (min(e.source_span[0] for e in edits), max(e.source_span[1] for e in edits))
            listed = "; ".join(f"“{short(c['source'], 40)}” → “{short(c['article'], 40)}”" for c in changes[:4])
            out.append(Finding(
                kind="quote-altered", article_span=q, source_doc=s.doc.id, source_span=src,
                detail=(f"Quotation reworded: inside the article's quotation marks, words differ from "
                        f"{source_name(s.doc)}: {listed}"
                        + (f" and {len(changes) - 4} more." if len(changes) > 4 else ".")),
                data={"change": "reworded", "changes": changes, "source_quote": None},
            ))
    out.extend(_unmarked(a, sources, cache, {f.article_span for f in out}))
    return out


def _unmarked(a: Tokens, sources: tuple[SourceMatch, ...], cache: TokenCache, seen: set[Span]) -> list[Finding]:
    """Source quotations (or the sentences of one) reprinted without quotation marks."""
    out: list[Finding] = []
    for s in sources:
        d = cache.get(s.doc)
        for p in s.passages:
            ar = token_range(a, p.article_span)
            for dq in d.quotes:
                if not _overlap(dq, p.source_span):
                    continue
                dr = token_range(d, dq)
                pairs = {j + k: i + k for i, j, n in align_blocks(a, ar, d, dr) for k in range(n)}
                bare: list[int] = []
                src: list[int] = []
                for sent in sorted({d.sent[j] for j in dr}):
                    toks = [j for j in dr if d.sent[j] == sent]
                    hits = [j for j in toks if j in pairs and not a.in_quote[pairs[j]]]
                    if len(hits) >= max(MIN_UNMARKED, 0.6 * len(toks)):
                        bare += [pairs[j] for j in hits]
                        src += toks
                if not bare:
                    continue
                span = (a.starts[min(bare)], a.ends[max(bare)])
                if any(_overlap(span, x) for x in seen):
                    continue
                seen.add(span)
                sspan = (d.starts[min(src)], d.ends[max(src)])
                words = d.text[sspan[0]:sspan[1]]
                out.append(Finding(
                    kind="quote-altered", article_span=span, source_doc=s.doc.id, source_span=sspan,
                    detail=(f"Quotation marks removed: {source_name(s.doc)} quotes "
                            f"“{short(words, 100)}”; the article prints these words as its own text."),
                    data={"change": "unmarked", "changes": [], "source_quote": words},
                ))
    return out
