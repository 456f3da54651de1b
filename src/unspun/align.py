"""Passage alignment (seed -> extend -> filter) and token alignment inside passages.

1. **Seed.** Every article sentence is compared with the candidate's sentences that
   share content keys with it (a word's synonym class or stem, so spun words still
   meet). A pair becomes a seed when, after synonym-aware token alignment, at least
   ``min_seed_tokens`` tokens match and they cover at least ``min_seed_ratio`` of the
   shorter side.
2. **Extend.** Each seeded article sentence is aligned to the best candidate sentence
   plus its seeded neighbours (a sentence the copier merged or split); consecutive
   article sentences whose sources lie close together become one passage, so
   reordered paragraphs give separate passages, each correctly placed.
3. **Trim.** Unmatched words at the edges of a unit are not part of the passage, so an
   invented clause glued to a copied sentence stays outside it.

Inside a unit, tokens are aligned with :class:`difflib.SequenceMatcher` on keys in
which the article's synonyms, inflections and re-formatted numbers of candidate words
are mapped onto the candidate word; the differing runs become :class:`~unspun.models.Edit`
records classified by :mod:`unspun.analyze.edits`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, compress

from .analyze.edits import classify_equal, classify_run, reorder_edit
from .fingerprint import classify_word
from .lexicon import default_lexicon
from .models import Edit, Passage
from .normalize import base_form
from .seqmatch import SequenceMatcher
from .tokens import Tokens, stem

_STOP = 0


@dataclass(frozen=True)
class AlignSettings:
    min_seed_tokens: int = 5
    min_seed_content: int = 3
    min_seed_ratio: float = 0.5
    min_seed_run: int = 8  # ... or one unbroken run this long: a clause lifted into a longer sentence
    max_source_gap: int = 3  # sentences between two parts of one passage, source side
    max_pairs_per_sentence: int = 4
    min_key_overlap: float = 0.25  # shared content keys / the smaller sentence's, before aligning


@dataclass
class Prepared:
    toks: Tokens
    keys: list[str]  # content key (synonym class) or stopword/number itself
    stems: list[str]
    content: list[bool]
    sent_ranges: list[tuple[int, int]]
    sent_keys: list[set[str]] = field(default_factory=list)
    maps: dict = field(default_factory=dict)  # token range -> look-up tables (see _d_maps)
    #: per token, made on first use: whether it is a "fixed" word (a number, or a name:
    #: capitalised inside a sentence)
    fixed: list[bool] | None = None


@lru_cache(maxsize=300_000)
def _word_keys(w: str, is_num: bool) -> tuple[str, str, bool]:
    """(class key, stem, is content word) of a folded token: a pure function of the word,
    cached (news text repeats its words; the lexicon is fixed per process)."""
    kind, key = classify_word(w)
    b = base_form(w)
    return key, (b if is_num else stem(b)), kind != _STOP and not default_lexicon().is_stopword(b)


def prepare(toks: Tokens) -> Prepared:
    """Per-token keys and per-sentence key sets used by the aligner."""
    info = list(map(_word_keys, toks.norm, toks.is_num))
    keys = [k for k, _, _ in info]
    stems = [st for _, st, _ in info]
    content = [c for _, _, c in info]
    # tokens of one sentence are consecutive (sentence numbers never decrease)
    ranges: list[tuple[int, int]] = []
    sent = toks.sent
    start, n = 0, len(sent)
    while start < n:
        end = bisect_right(sent, sent[start], start)
        ranges.append((start, end))
        start = end
    p = Prepared(toks, keys, stems, content, ranges)
    sent_keys = []
    for a, b in ranges:
        on = content[a:b]
        ks = set(compress(keys[a:b], on))
        ks.update(compress(stems[a:b], on))
        sent_keys.append(ks)
    p.sent_keys = sent_keys
    return p


@dataclass
class Unit:
    """One article sentence aligned to a run of candidate sentences."""

    a_sent: int
    d_first: int
    d_last: int
    a_span: tuple[int, int]  # trimmed, character offsets
    d_span: tuple[int, int]
    matched: int
    matched_content: int
    matched_outside_quotes: int
    evidence: int
    a_len: int
    containment: float  # matched / tokens of the shorter side (whole sentence and source run)
    matched_fixed: int  # numbers and names matched
    changed_fixed: int  # number and name edits
    edits: list[Edit]
    #: the evidence runs: (first, end) article token indices of each run of EVIDENCE_RUN
    #: or more matched tokens outside quotations
    runs: list[tuple[int, int]] = field(default_factory=list)
    #: tokens of those runs that are stock wording of the story (set by analyze.rarity)
    stock: int = 0


@lru_cache(maxsize=200_000)
def _groups(word: str) -> tuple[int, ...]:
    return default_lexicon().group_ids(word)


@lru_cache(maxsize=200_000)
def _norm_groups(w: str) -> tuple[int, ...]:
    """Lexicon groups of a folded token (its possessive dropped)."""
    return _groups(base_form(w))


def _fixed(p: Prepared) -> list[bool]:
    """Content words that are numbers, or capitalised past the first word of their sentence."""
    if p.fixed is None:
        t = p.toks
        sent = t.sent
        p.fixed = [
            c and (num or (cap and i > 0 and sent[i - 1] == sent[i]))
            for i, (c, num, cap) in enumerate(zip(p.content, t.is_num, t.is_cap, strict=True))
        ]
    return p.fixed


def _d_maps(d: Prepared, di: range) -> tuple[set[str], dict[str, str], dict[str, str], dict[int, str]]:
    """Look-up tables of a candidate token range (cached: each is compared many times).
    Each maps a key to the first candidate word holding it (built backwards: the first
    occurrence is written last)."""
    key = (di.start, di.stop)
    got = d.maps.get(key)
    if got is not None:
        return got
    s, e = di.start, di.stop
    norm = d.toks.norm[s:e]
    rnorm = norm[::-1]
    by_key = dict(zip(d.keys[s:e][::-1], rnorm, strict=True))
    by_stem = dict(zip(d.stems[s:e][::-1], rnorm, strict=True))
    by_group: dict[int, str] = {}
    for c, w in zip(d.content[s:e][::-1], rnorm, strict=True):
        if c:
            for g in _norm_groups(w):
                by_group[g] = w
    got = (set(norm), by_key, by_stem, by_group)
    d.maps[key] = got
    return got


def _map_keys(a: Prepared, ai: range, d: Prepared, di: range) -> tuple[list[str], list[str]]:
    """Keys for SequenceMatcher: article tokens equivalent to a candidate token take its key."""
    d_norm = d.toks.norm[di.start : di.stop]
    by_norm, by_key, by_stem, by_group = _d_maps(d, di)
    s, e = ai.start, ai.stop
    a_keys = []
    append = a_keys.append
    for w, ky, st, c in zip(a.toks.norm[s:e], a.keys[s:e], a.stems[s:e], a.content[s:e], strict=True):
        if w in by_norm:
            append(w)
            continue
        k = by_key.get(ky) or by_stem.get(st)
        if k is None and c and by_group:
            for g in _norm_groups(w):
                k = by_group.get(g)
                if k is not None:
                    break
        append(k if k is not None else "\x00" + w)
    return a_keys, d_norm


@dataclass
class _Alignment:
    """Matched blocks of one unit, local token indices: (i, j, size)."""

    ops: list[tuple[str, int, int, int, int]]
    blocks: list[tuple[int, int, int]]  # monotonic, after edge clean-up
    moved: list[tuple[int, int, int]]  # blocks matched out of order (reordered clauses)
    matched: int = 0
    matched_content: int = 0
    matched_outside_quotes: int = 0
    evidence: int = 0  # matched tokens outside quotations in runs of EVIDENCE_RUN or more
    runs: list[tuple[int, int]] = field(default_factory=list)  # those runs, article token indices
    matched_fixed: int = 0  # matched numbers and names (words capitalised inside a sentence)


#: consecutive matched tokens (outside quotations) that count as evidence of copying:
#: independent reports of one event share names and short phrases, rarely long runs
EVIDENCE_RUN = 4


def _clean_edges(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Drop one- or two-token matches stranded at the edges of a unit by a wide gap."""
    b = list(blocks)
    def stranded(size: int, gap_a: int, gap_d: int) -> bool:
        if size == 1:
            return max(gap_a, gap_d) >= 4
        return size == 2 and min(gap_a, gap_d) >= 4

    while len(b) > 1 and stranded(b[0][2], b[1][0] - b[0][0] - b[0][2], b[1][1] - b[0][1] - b[0][2]):
        b.pop(0)
    while len(b) > 1 and stranded(b[-1][2], b[-1][0] - b[-2][0] - b[-2][2], b[-1][1] - b[-2][1] - b[-2][2]):
        b.pop()
    return b


def _gaps(blocks: list[tuple[int, int, int]], n: int, side: int) -> list[tuple[int, int]]:
    out, pos = [], 0
    for blk in sorted(blocks, key=lambda x: x[side]):
        if blk[side] > pos:
            out.append((pos, blk[side]))
        pos = max(pos, blk[side] + blk[2])
    if pos < n:
        out.append((pos, n))
    return out


def _moved_blocks(
    a_keys: list[str], d_keys: list[str], blocks: list[tuple[int, int, int]]
) -> list[tuple[int, int, int]]:
    """Clauses that were moved: matches between unmatched stretches of both sides."""
    a_gaps = [g for g in _gaps(blocks, len(a_keys), 0) if g[1] - g[0] >= 3]
    d_gaps = [g for g in _gaps(blocks, len(d_keys), 1) if g[1] - g[0] >= 3]
    moved: list[tuple[int, int, int]] = []
    for a0, a1 in a_gaps:
        for k, (d0, d1) in enumerate(d_gaps):
            sm = SequenceMatcher(None, a_keys[a0:a1], d_keys[d0:d1], autojunk=False)
            found = [(a0 + i, d0 + j, n) for i, j, n in sm.get_matching_blocks() if n >= 2]
            total = sum(n for *_, n in found)
            if total >= 3 and total >= 0.5 * min(a1 - a0, d1 - d0):
                moved.extend(_clean_edges(found))
                d_gaps.pop(k)
                break
    return moved


def align_unit(a: Prepared, ai: range, d: Prepared, di: range) -> _Alignment:
    """Align two token ranges: monotonic blocks, then moved clauses."""
    a_keys, d_keys = _map_keys(a, ai, d, di)
    sm = SequenceMatcher(None, a_keys, d_keys, autojunk=False)
    ops = sm.get_opcodes()
    blocks = _clean_edges([(i1, j1, i2 - i1) for tag, i1, i2, j1, _ in ops if tag == "equal"])
    moved = _moved_blocks(a_keys, d_keys, blocks) if blocks else []
    al = _Alignment(ops, blocks, moved)
    a_q, d_q = a.toks.in_quote, d.toks.in_quote
    content, fixed = a.content, _fixed(a)
    a0, d0 = ai.start, di.start
    for i, j, n in blocks + moved:
        al.matched += n
        t0, t1 = a0 + i, a0 + i + n
        al.matched_content += sum(content[t0:t1])
        al.matched_fixed += sum(fixed[t0:t1])
        if not any(a_q[t0:t1]) and not any(d_q[d0 + j : d0 + j + n]):
            # no quotation on either side: the block is one run
            al.matched_outside_quotes += sum(content[t0:t1])
            if n >= EVIDENCE_RUN:
                al.evidence += n
                al.runs.append((t0, t1))
            continue
        run = 0  # consecutive matched tokens outside quotations, on both sides
        for k in range(n + 1):
            t = t0 + k
            if k < n and not a_q[t] and not d_q[d0 + j + k]:
                run += 1
                if content[t]:
                    al.matched_outside_quotes += 1
            else:
                if run >= EVIDENCE_RUN:
                    al.evidence += run
                    al.runs.append((t - run, t))
                run = 0
    return al


def _inside(block: tuple[int, int, int], i1: int, i2: int, j1: int, j2: int) -> bool:
    i, j, n = block
    return i < i2 and i + n > i1 or j < j2 and j + n > j1


def _unit(
    a: Prepared, s: int, d: Prepared, d_first: int, d_last: int, al: _Alignment | None = None
) -> Unit | None:
    a0, a1 = a.sent_ranges[s]
    d0 = d.sent_ranges[d_first][0]
    d1 = d.sent_ranges[d_last][1]
    if al is None:
        al = align_unit(a, range(a0, a1), d, range(d0, d1))
    every = al.blocks + al.moved
    if not every:
        return None
    ta0 = a0 + min(i for i, _, _ in every)
    ta1 = a0 + max(i + n for i, _, n in every)
    td0 = d0 + min(j for _, j, _ in every)
    td1 = d0 + max(j + n for _, j, n in every)
    edits: list[Edit] = []
    kept = set(al.blocks)
    for i, j, n in al.blocks + al.moved:
        edits.extend(classify_equal(a.toks, range(a0 + i, a0 + i + n), d.toks, range(d0 + j, d0 + j + n)))
    for i, j, n in al.moved:
        edits.append(reorder_edit(a.toks, range(a0 + i, a0 + i + n), d.toks, range(d0 + j, d0 + j + n)))
    for tag, i1, i2, j1, j2 in al.ops:
        if tag == "equal" and (i1, j1, i2 - i1) in kept:
            continue
        i1a, i2a, j1d, j2d = a0 + i1, a0 + i2, d0 + j1, d0 + j2
        # edges of the unit are trimmed, not edits; runs holding moved clauses are reported as such
        if i1a < ta0 or j1d < td0 or i2a > ta1 or j2d > td1:
            continue
        if any(_inside(m, i1, i2, j1, j2) for m in al.moved):
            continue
        # difflib speaks of turning the article into the source: its "delete" is
        # text only in the article (an insertion by the copier), and vice versa
        tag = {"equal": "replace", "delete": "insert", "insert": "delete"}.get(tag, tag)
        edits.extend(classify_run(a.toks, range(i1a, i2a), d.toks, range(j1d, j2d), tag))
    edits.sort(key=lambda e: (e.article_span, e.source_span))
    return Unit(
        a_sent=s,
        d_first=d_first,
        d_last=d_last,
        a_span=a.toks.span(ta0, ta1),
        d_span=d.toks.span(td0, td1),
        matched=al.matched,
        matched_content=al.matched_content,
        matched_outside_quotes=al.matched_outside_quotes,
        evidence=al.evidence,
        a_len=ta1 - ta0,
        containment=al.matched / max(1, min(a1 - a0, d1 - d0)),
        matched_fixed=al.matched_fixed,
        changed_fixed=sum(1 for e in edits if e.kind in ("number", "name")),
        edits=edits,
        runs=al.runs,
    )


def seed_pairs(
    a: Prepared, d: Prepared, st: AlignSettings, aligned: dict[tuple[int, int], _Alignment] | None = None
) -> dict[int, list[tuple[int, int]]]:
    """Article sentence -> [(candidate sentence, matched tokens)] for pairs that qualify;
    ``aligned`` (if given) receives the alignment of each pair that qualifies."""
    inv: dict[str, list[int]] = defaultdict(list)
    for j, ks in enumerate(d.sent_keys):
        for k in ks:
            inv[k].append(j)
    seeds: dict[int, list[tuple[int, int]]] = {}
    for s, ks in enumerate(a.sent_keys):
        if len(ks) < st.min_seed_content:
            continue
        shared = Counter(chain.from_iterable([inv[k] for k in ks if k in inv]))
        size = len(ks)
        dk = d.sent_keys
        cands = sorted(
            (
                j
                for j, n in shared.items()
                if n >= st.min_seed_content and n >= st.min_key_overlap * min(size, len(dk[j]))
            ),
            key=lambda j: (-shared[j], j),
        )[: st.max_pairs_per_sentence]
        out = []
        a0, a1 = a.sent_ranges[s]
        for j in cands:
            d0, d1 = d.sent_ranges[j]
            al = align_unit(a, range(a0, a1), d, range(d0, d1))
            matched, mc = al.matched, al.matched_content
            if matched < st.min_seed_tokens or mc < st.min_seed_content:
                continue
            if matched / min(a1 - a0, d1 - d0) < st.min_seed_ratio and max(
                (n for _, _, n in al.blocks), default=0
            ) < st.min_seed_run:
                continue
            out.append((j, matched, al.evidence))
            if aligned is not None:
                aligned[s, j] = al
        if out:
            # best first; between equals, the one outside quotations (a release that
            # quotes its own letter holds the same sentence twice)
            seeds[s] = [(j, m) for j, m, _ in sorted(out, key=lambda x: (-x[1], -x[2]))]
    return seeds


def align_units(a: Prepared, d: Prepared, st: AlignSettings | None = None) -> list[Unit]:
    """Aligned units (one per seeded article sentence), in article order."""
    st = st or AlignSettings()
    aligned: dict[tuple[int, int], _Alignment] = {}
    seeds = seed_pairs(a, d, st, aligned)
    units: list[Unit] = []
    for s in sorted(seeds):
        js = {j for j, _ in seeds[s]}
        best = seeds[s][0][0]
        lo = hi = best
        while lo - 1 in js:
            lo -= 1
        while hi + 1 in js:
            hi += 1
        # one candidate sentence: its alignment is the seed's (align_unit is a pure function)
        u = _unit(a, s, d, lo, hi, aligned[s, best] if lo == hi else None)
        if u is not None:
            units.append(u)
    return units


def group_passages(units: list[Unit], st: AlignSettings | None = None) -> list[list[Unit]]:
    """Consecutive article sentences whose sources follow in order, close together, form one passage.

    A sentence taken from earlier in the source starts a new passage, so every passage maps
    one stretch of the article onto one stretch of the source, in order.
    """
    st = st or AlignSettings()
    groups: list[list[Unit]] = []
    for u in units:
        if groups:
            prev = groups[-1][-1]
            if (
                u.a_sent == prev.a_sent + 1
                and prev.d_last <= u.d_first <= prev.d_last + st.max_source_gap
            ):
                groups[-1].append(u)
                continue
        groups.append([u])
    return groups


def to_passage(group: list[Unit]) -> Passage:
    a_span = (min(u.a_span[0] for u in group), max(u.a_span[1] for u in group))
    d_span = (min(u.d_span[0] for u in group), max(u.d_span[1] for u in group))
    matched = sum(u.matched for u in group)
    a_len = sum(u.a_len for u in group)
    edits = tuple(e for u in group for e in u.edits)
    return Passage(
        article_span=a_span,
        source_span=d_span,
        similarity=matched / a_len if a_len else 0.0,
        matched_tokens=matched,
        edits=edits,
    )
