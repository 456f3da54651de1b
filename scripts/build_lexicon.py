#!/usr/bin/env python3
"""Build ``src/unspun/data/lexicon.tsv.gz`` from the Princeton WordNet 3.0 database files.

Only this script needs WordNet (Debian/Ubuntu: ``apt-get install wordnet-base``); the
run-time loader (:mod:`unspun.lexicon`) reads the generated file with the stdlib only.

Usage::

    python scripts/build_lexicon.py [--wordnet-dir /usr/share/wordnet] [--out PATH]

The ``data.*``, ``index.*``, ``*.exc`` and ``cntlist.rev`` files are parsed directly
(format: ``man 5 wndb``, ``man 5 wninput``, ``man 5 cntlist``). Output is deterministic:
same input files -> byte-identical output (gzip mtime is fixed to 0).

Output format (UTF-8 text, gzip-compressed), laid out so that the run-time loader can
build its dictionaries with C-level ``str.split`` / ``dict(zip(...))`` calls. Lines
starting with ``#`` (only at the top of the file) are comments. Sections are introduced
by a line ``@name``; every other line is tab-separated; all sections are sorted:

``@meta``
    ``key<TAB>value`` (``max_phrase_words``).
``@groups``
    one synonym group per line: normalised terms (lowercase, ``_`` -> space). Line
    number (0-based, within the section) = group id. Contains every synset with >= 2
    usable lemmas (all parts of speech) and, for each adjective "similar to" (``&``)
    link, the union of the head synset and the satellite synset (so ``international`` ~
    ``global`` ~ ``worldwide``), plus a few hand aliases.
``@multi``
    ``term<TAB>gid,gid[,...]`` for the terms that belong to more than one group (the
    loader indexes single-group terms from ``@groups`` directly).
``@canon``
    one canonical class per line; the first term is the class key. Terms not listed are
    their own key. Built by size-capped union-find over the groups in sense-frequency
    order (see :func:`build_canonical`).
``@exc``
    ``form<TAB>base`` irregular inflections from the WordNet ``*.exc`` files.
"""

from __future__ import annotations

import argparse
import gzip
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "unspun" / "data" / "lexicon.tsv.gz"
POS_FILES = (("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r"))
SS_TYPE_NUM = {"n": 1, "v": 2, "a": 3, "r": 4, "s": 5}
# Maximum size of a canonical class (union-find refuses merges that would exceed it).
CANON_MAX_CLASS = 30
# Hand-written aliases that WordNet lacks but spinners / news text use.  Kept tiny on
# purpose: every entry must be a true equivalence in news text.
ALIASES: tuple[tuple[str, ...], ...] = (
    ("u.s.", "us", "usa", "u.s.a.", "united states", "united states of america", "america"),
    ("uk", "u.k.", "united kingdom", "britain", "great britain"),
    ("eu", "e.u.", "european union"),
    ("un", "u.n.", "united nations"),
)

_ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")


def norm_lemma(raw: str) -> str:
    """WordNet lemma -> unspun term (lowercase, spaces, no adjective position marker)."""
    raw = _ADJ_MARKER.sub("", raw)
    return " ".join(raw.replace("_", " ").lower().split())


def usable(term: str) -> bool:
    return len(term) > 1 and not term.replace(" ", "").isdigit()


def dedupe(items):
    seen: set[str] = set()
    out = []
    for it in items:
        if it not in seen:
            seen.add(it)
            out.append(it)
    return out


class Synset:
    __slots__ = ("key", "pos", "lexfile", "words", "lexids", "similar", "score", "rank")

    def __init__(self, key, pos, lexfile, words, lexids, similar):
        self.key = key  # (pos_file_letter, offset)
        self.pos = pos  # ss_type: n v a s r
        self.lexfile = lexfile
        self.words = words  # raw lemma strings (case kept, adjective markers stripped)
        self.lexids = lexids
        self.similar = similar  # keys of '&' targets
        self.score = 0  # semantic-concordance tag count (sum over lemmas)
        self.rank = 99  # best (lowest) sense number of any lemma in index.*


def read_data(wn: Path) -> dict[tuple[str, int], Synset]:
    synsets: dict[tuple[str, int], Synset] = {}
    for fname, letter in POS_FILES:
        with open(wn / f"data.{fname}", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue  # licence header
                fields = line.split(" | ", 1)[0].split()
                offset = int(fields[0])
                lexfile = int(fields[1])
                ss_type = fields[2]
                w_cnt = int(fields[3], 16)
                words, lexids = [], []
                i = 4
                for _ in range(w_cnt):
                    words.append(_ADJ_MARKER.sub("", fields[i]))
                    lexids.append(int(fields[i + 1], 16))
                    i += 2
                p_cnt = int(fields[i])
                i += 1
                similar = []
                for _ in range(p_cnt):
                    sym, off, pos = fields[i], int(fields[i + 1]), fields[i + 2]
                    i += 4
                    if sym == "&":
                        similar.append(("a" if pos in "as" else pos, off))
                key = (letter, offset)
                synsets[key] = Synset(key, ss_type, lexfile, words, lexids, similar)
    return synsets


def add_frequencies(wn: Path, synsets: dict[tuple[str, int], Synset]) -> None:
    """Attach sense-frequency information (cntlist.rev tag counts, index.* sense ranks)."""
    counts: dict[str, int] = {}
    cnt_path = wn / "cntlist.rev"
    if cnt_path.exists():
        for line in cnt_path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3:
                counts[parts[0]] = int(parts[2])
    for ss in synsets.values():
        head_word, head_id = "", ""
        if ss.pos == "s" and ss.similar:
            head = synsets.get(ss.similar[0])
            if head is not None:
                head_word = head.words[0].lower()
                head_id = f"{head.lexids[0]:02d}"
        total = 0
        for w, lid in zip(ss.words, ss.lexids, strict=True):
            sk = (
                f"{w.lower()}%{SS_TYPE_NUM[ss.pos]}:{ss.lexfile:02d}:{lid:02d}:"
                f"{head_word}:{head_id}"
            )
            total += counts.get(sk, 0)
        ss.score = total
    for fname, letter in POS_FILES:
        with open(wn / f"index.{fname}", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("  "):
                    continue
                fields = line.split()
                synset_cnt = int(fields[2])
                for rank, off in enumerate(fields[-synset_cnt:], start=1):
                    ss = synsets.get((letter, int(off)))
                    if ss is not None and rank < ss.rank:
                        ss.rank = rank


def synset_terms(ss: Synset) -> list[str]:
    return dedupe(t for t in (norm_lemma(w) for w in ss.words) if usable(t))


def build_groups(synsets: dict[tuple[str, int], Synset]):
    """Return a list of (priority, terms) in canonical-processing order.

    Hand aliases come first; then synsets and similar-to unions interleaved by tag count
    (descending; a similar-to union counts head + satellite), then best sense rank, then
    a stable key. Interleaving matters for one-lemma head adjectives such as
    "international", whose only synonyms come through similar-to links.
    """
    items: list[tuple[tuple, list[str]]] = []
    for terms in ALIASES:
        items.append(((0, 0, 0, "", 0, 0), list(terms)))
    for key, ss in synsets.items():
        terms = synset_terms(ss)
        if len(terms) >= 2:
            items.append(((1, -ss.score, ss.rank, key[0], key[1], 0), terms))
    for key, ss in synsets.items():
        if ss.pos != "a":
            continue  # '&' links from head synsets cover every head/satellite pair once
        head_terms = synset_terms(ss)
        for skey in ss.similar:
            sat = synsets.get(skey)
            if sat is None:
                continue
            terms = dedupe(head_terms + synset_terms(sat))
            if len(terms) >= 2 and len(terms) > len(synset_terms(sat)):
                prio = (1, -(ss.score + sat.score), max(ss.rank, sat.rank), "&", key[1], skey[1])
                items.append((prio, terms))
    items.sort(key=lambda it: (it[0], it[1]))
    return items


def build_canonical(items, max_class: int = CANON_MAX_CLASS) -> list[list[str]]:
    """Size-capped union-find over the groups, most frequent senses first.

    For each group, every member is merged into the class of the group's first member,
    unless the merged class would exceed ``max_class`` terms. Class key = the member that
    was seen first (i.e. the term of the most frequent sense), so keys are stable.
    """
    parent: dict[str, str] = {}
    size: dict[str, int] = {}
    order: dict[str, int] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for _prio, terms in items:
        for t in terms:
            if t not in parent:
                parent[t] = t
                size[t] = 1
                order[t] = len(order)
        anchor = terms[0]
        for t in terms[1:]:
            ra, rb = find(anchor), find(t)
            if ra == rb or size[ra] + size[rb] > max_class:
                continue
            if order[rb] < order[ra]:
                ra, rb = rb, ra
            parent[rb] = ra
            size[ra] += size[rb]
    classes: dict[str, list[str]] = defaultdict(list)
    for t in parent:
        classes[find(t)].append(t)
    out = []
    for root, members in classes.items():
        if len(members) < 2:
            continue
        rest = sorted(m for m in members if m != root)
        out.append([root, *rest])
    out.sort()
    return out


def read_exceptions(wn: Path) -> dict[str, str]:
    """Irregular form -> base. Verb forms win over noun, adjective, adverb forms."""
    exc: dict[str, str] = {}
    for fname in ("verb", "noun", "adj", "adv"):
        path = wn / f"{fname}.exc"
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            form, base = norm_lemma(parts[0]), norm_lemma(parts[1])
            if form != base and usable(form) and form not in exc:
                exc[form] = base
    return exc


def wordnet_version() -> str:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "wordnet-base"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return f"WordNet 3.0 (Debian wordnet-base {out})"
    except (OSError, subprocess.CalledProcessError):
        return "WordNet 3.0"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wordnet-dir", type=Path, default=Path("/usr/share/wordnet"))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--max-class", type=int, default=CANON_MAX_CLASS)
    args = ap.parse_args(argv)
    wn: Path = args.wordnet_dir

    synsets = read_data(wn)
    add_frequencies(wn, synsets)
    items = build_groups(synsets)
    canon = build_canonical(items, args.max_class)
    exc = read_exceptions(wn)

    group_lines = sorted({"\t".join(terms) for _prio, terms in items})
    term_gids: dict[str, list[int]] = defaultdict(list)
    for gid, line in enumerate(group_lines):
        for term in line.split("\t"):
            term_gids[term].append(gid)
    max_words = max(t.count(" ") + 1 for t in term_gids)
    lines = [
        "# unspun lexicon: synonym groups, canonical classes, irregular inflections",
        f"# source: Princeton {wordnet_version()}, {wn}; licence: see WORDNET_LICENSE",
        f"# build: python scripts/build_lexicon.py --wordnet-dir {wn} --max-class {args.max_class}",
        "@meta",
        f"max_phrase_words\t{max_words}",
        "@groups",
        *group_lines,
        "@multi",
        *(f"{t}\t{','.join(map(str, g))}" for t, g in sorted(term_gids.items()) if len(g) > 1),
        "@canon",
        *("\t".join(c) for c in canon),
        "@exc",
        *(f"{form}\t{base}" for form, base in sorted(exc.items())),
    ]
    payload = ("\n".join(lines) + "\n").encode("utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(args.out, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(payload)
    n_terms = len(term_gids)
    print(
        f"wrote {args.out}: {len(group_lines)} groups, {n_terms} terms, "
        f"{len(canon)} canonical classes, {len(exc)} exceptions, "
        f"{args.out.stat().st_size} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
