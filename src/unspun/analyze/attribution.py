"""``attribution-dropped``: the source said who said it, the copy does not.

Attributions are found in each source sentence a passage was copied from (the whole
sentence, so a trimmed "…, the AP reported." at the end of one counts):

- a news agency with a reporting verb ("the AP reported", "Reuters said", "told Reuters");
- "according to X";
- a speaker with a speech verb, either order ("Putin said", "the senators write",
  "said Feinstein", "told reporters", "said in a statement").

Each source sentence holding one is mapped to the article sentence(s) it became (tokens
realigned on stems inside the passage; at least ``MIN_MAPPED`` words must map). The
attribution is kept when that article text names the same speaker or uses any speech
verb; otherwise the finding is reported, with the attribution text as evidence.
"""

from __future__ import annotations

import re

from ..models import Finding, SourceMatch
from ..tokens import Tokens
from .textmatch import TokenCache, align_blocks, sentences_over, short, source_name

MIN_MAPPED = 4

_AGENCY = (r"(?:[Tt]he\s+)?(?:AP|Associated\s+Press|Reuters|AFP|Agence\s+France-Presse|Bloomberg|"
           r"Xinhua|TASS|Interfax|RIA\s+Novosti|UPI|dpa|Kyodo|Yonhap)")
_VERBS = (r"said|says|say|told|tells|wrote|writes|write|added|adds|noted|notes|stated|states|"
          r"announced|announces|reported|reports|explained|insisted|argued|claimed|declared|"
          r"warned|stressed|emphasi[sz]ed|replied|quoted|confirmed|according|reiterated|underlined|underscored")
_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
_SUBJECT = (rf"(?:{_NAME}|(?:he|she|they|we)|(?:[Tt]he\s+)?(?:[a-z]+\s+)?(?:senators?|president|minister|"
            r"spokes(?:wo)?man|spokesperson|official|officials|agency|ministry|department|"
            r"statement|report|letter|committee|chairman|secretary|lawmakers?))")
PATTERNS = [
    re.compile(rf"\b{_AGENCY}\s+(?:news\s+agency\s+)?(?:reported|reports|said|says|quoted)\b"),
    re.compile(rf"\b(?:told|[Aa]ccording\s+to)\s+{_AGENCY}\b"),
    re.compile(r"\b[Aa]ccording\s+to\s+[^,.;:]{2,60}"),
    re.compile(r"\btold\s+reporters\b|\bsaid\s+in\s+a\s+statement\b"),
    re.compile(rf"\b(?P<who>{_SUBJECT})\s+(?:also\s+|further\s+)?(?:{_VERBS})\b"),
    re.compile(rf"\b(?:said|says|wrote|writes|added|noted)\s+(?P<who2>(?:the\s+)?{_NAME})"),
]
_ANY_VERB = re.compile(rf"\b(?:{_VERBS}|reporting|saying|writing|told)\b", re.IGNORECASE)


def find_attributions(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, speaker or "") of attributions in ``text[start:end]``, offsets into ``text``."""
    end = len(text) if end is None else end
    chunk = text[start:end]
    found: list[tuple[int, int, str]] = []
    for pat in PATTERNS:
        for m in pat.finditer(chunk):
            a, b = m.start() + start, m.end() + start
            if any(a < y and x < b for x, y, _ in found):
                continue
            who = (m.groupdict().get("who") or m.groupdict().get("who2") or "").strip()
            found.append((a, b, who))
    return sorted(found)


def _kept(article_text: str, who: str) -> bool:
    if _ANY_VERB.search(article_text):
        return True
    names = [w for w in re.findall(r"[A-Z][\w'’-]+", who) if w.lower() not in {"the", "he", "she"}]
    return any(re.search(rf"\b{re.escape(n)}\b", article_text) for n in names)


def attribution_findings(a: Tokens, sources: tuple[SourceMatch, ...], cache: TokenCache) -> list[Finding]:
    out: list[Finding] = []
    for s in sources:
        d = cache.get(s.doc)
        for p in s.passages:
            ar = sentences_over(a, p.article_span)
            dr = sentences_over(d, p.source_span)
            if not len(ar) or not len(dr):
                continue
            pairs = {j + k: i + k for i, j, n in align_blocks(a, ar, d, dr) for k in range(n)}
            sents = sorted({d.sent[j] for j in dr})
            for sent in sents:
                s0, s1 = d.sentences[sent]
                found = find_attributions(d.text, s0, s1)
                if not found:
                    continue
                x, y, who = found[0]
                mapped = [i for j, i in pairs.items() if d.sent[j] == sent]
                if len(mapped) < MIN_MAPPED:
                    continue
                a_sents = sorted({a.sent[i] for i in mapped})
                a0 = a.sentences[a_sents[0]][0]
                a1 = a.sentences[a_sents[-1]][1]
                if _kept(a.text[a0:a1], who):
                    continue
                said = d.text[x:y]
                out.append(Finding(
                    kind="attribution-dropped", article_span=(a0, a1), source_doc=s.doc.id,
                    source_span=(x, y),
                    detail=(f"Attribution dropped: in {source_name(s.doc)} this is attributed "
                            f"(“{short(said, 60)}”); the article states “{short(a.text[a0:a1], 80)}” "
                            f"without saying who said it."),
                    data={"attribution": said, "speaker": who or None},
                ))
    return out
