"""A generated crawl with known content farms, for the scan tests and benchmark.

From a list of real documents (by default the 64 public-domain US government texts that
ship with unspun, so tests need no external data) it makes:

* **agency sites** publishing the originals, dated;
* **honest sites** publishing independent texts (no copying);
* **spinfarm**: whole originals, synonym-spun (rate 0.4), 1-5 days later (two undated);
* **stitchfarm**: 2-3 originals' opening paragraphs stitched, spun (rate 0.3);
* **rewriter**: spinfarm's copies spun again a day later (a farm copying a farm: the
  true origin is still the agency);
* **syndicate**: verbatim copies (no spin) a few hours later, two at the very same time
  as the original (ties).

Every farm and honest page ends with the same CMS footer ("Other reports by …"), which
must not glue unrelated articles together. :class:`Crawl` holds the records and the
ground truth (each copy's true origins; the true families).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from bench.synth import Spinner

FOOTER = (
    "This article was produced by our newsroom. Share this story with your friends and "
    "family on social media. Sign up for our free daily newsletter and get the top stories "
    "of the day delivered to your inbox every morning. Other reports by our newsroom are "
    "available in the archive section of this website."
)
AGENCIES = ("agency-east.example", "agency-north.example", "agency-south.example",
            "agency-west.example")
HONEST = ("localnews-1.example", "localnews-2.example", "localnews-3.example")
FARMS = ("spinfarm.example", "stitchfarm.example", "rewriter.example")
SYNDICATE = "syndicate.example"
T0 = datetime(2021, 3, 1, 9, 0, 0)
#: bundled texts that share passages among themselves (found by scanning the corpus alone):
#: left out so the crawl holds no reuse but the farms'
REUSED = frozenset({
    "engel-mccaul-navalny-findings-letter-2020", "mccaul-meeks-navalny-investigation-2021",
    "sfrc-allies-partners-resolution", "sfrc-strategic-competition-act-passage-2021",
    "cdc-houry-2023-overdose-data-statement", "cdc-vital-signs-overdose-briefing-2022",
    "neal-july-2022-jobs-report", "neal-june-2022-jobs-report",
    "jec-heinrich-january-2023-jobs-report", "yarmuth-june-2022-jobs-report",
    "house-science-nasa-auth-2015-details", "house-science-nasa-auth-2015-passes",
    "kaine-murphy-smith-public-health-data-bill", "kaine-public-health-data-bill",
    "nws-north-platte-tornado-survey-2019", "nws-san-angelo-tornado-survey-2020",
})


@dataclass
class Crawl:
    records: list[dict[str, Any]] = field(default_factory=list)
    origins: dict[str, set[str]] = field(default_factory=dict)  # copy id -> true origin ids
    edges: list[tuple[str, str]] = field(default_factory=list)  # (source id, copy id)

    def families(self) -> dict[str, int]:
        """True family label of every record (singletons get their own label)."""
        parent = {r["id"]: r["id"] for r in self.records}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in self.edges:
            parent[find(a)] = find(b)
        roots: dict[str, int] = {}
        return {r["id"]: roots.setdefault(find(r["id"]), len(roots)) for r in self.records}

    def write(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            for r in self.records:
                f.write(json.dumps(r) + "\n")


def bundled_texts() -> list[dict[str, Any]]:
    data = resources.files("unspun").joinpath("demo/reference.jsonl").read_text(encoding="utf-8")
    recs = (json.loads(line) for line in data.splitlines() if line.strip())
    return sorted((r for r in recs if r["id"] not in REUSED), key=lambda r: r["id"])


def _paras(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if len(p.split()) >= 8]


def _stamp(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%S") if t else None


def make_crawl(texts: list[dict[str, Any]] | None = None, *, seed: int = 0,
               n_honest: int | None = None, farm_share: float = 1.0) -> Crawl:
    """The crawl (module docstring). ``texts``: real records (id, text); 5/8 of them become
    originals, the rest honest pages unless ``n_honest`` says otherwise; ``farm_share``
    scales the number of farm pages (1.0: about 0.9 per original)."""
    texts = texts if texts is not None else bundled_texts()
    rng = random.Random(seed)
    spinner = Spinner()
    n_hon = len(texts) * 3 // 8 if n_honest is None else n_honest
    originals, honest = texts[: len(texts) - n_hon], texts[len(texts) - n_hon :]
    crawl = Crawl()
    orig: list[dict[str, Any]] = []
    for i, t in enumerate(originals):
        site = AGENCIES[i % len(AGENCIES)]
        when = T0 + timedelta(hours=7 * i)
        r = {"id": f"{site}/{i}", "site": site, "published": _stamp(when), "text": t["text"],
             "title": t.get("title")}
        crawl.records.append(r)
        orig.append({**r, "when": when})
    for i, t in enumerate(honest):
        site = HONEST[i % len(HONEST)]
        when = None if i % 7 == 3 else T0 + timedelta(hours=5 * i + 2)
        crawl.records.append({"id": f"{site}/{i}", "site": site, "published": _stamp(when),
                              "text": t["text"].strip() + "\n\n" + FOOTER, "title": t.get("title")})

    def add(site: str, n: int, text: str, when: datetime | None, sources: list[dict[str, Any]],
            true_origins: set[str]) -> dict[str, Any]:
        r = {"id": f"{site}/{n}", "site": site, "published": _stamp(when),
             "text": text.strip() + ("\n\n" + FOOTER if site != SYNDICATE else "")}
        crawl.records.append(r)
        crawl.origins[r["id"]] = true_origins
        crawl.edges.extend((s["id"], r["id"]) for s in sources)
        return {**r, "when": when}

    k = max(1, round(len(orig) * 0.3 * farm_share))
    # spinfarm copies mostly agency-east and agency-north (odd one from elsewhere)
    east_north = [o for o in orig if o["site"] in AGENCIES[:2]]
    spun = []
    for n, o in enumerate(rng.sample(east_north, min(k, len(east_north)))):
        when = None if n in (2, 5) else o["when"] + timedelta(days=rng.randint(1, 5))
        text = spinner.spin(o["text"], 0.4, rng)
        spun.append((add(FARMS[0], n, text, when, [o], {o["id"]}), o))
    for n in range(max(1, round(len(orig) * 0.25 * farm_share))):
        parts = rng.sample(orig, rng.randint(2, 3))
        paras = [" ".join(_paras(p["text"])[: rng.randint(1, 2)]) for p in parts]
        when = max(p["when"] for p in parts) + timedelta(days=rng.randint(1, 4))
        text = spinner.spin("\n\n".join(paras), 0.3, rng)
        add(FARMS[1], n, text, when, parts, {p["id"] for p in parts})
    for n, (s, o) in enumerate(spun[: max(1, len(spun) * 2 // 3)]):
        when = (s["when"] or o["when"] + timedelta(days=6)) + timedelta(days=1)
        body = s["text"][: -len(FOOTER)] if s["text"].endswith(FOOTER) else s["text"]
        add(FARMS[2], n, spinner.spin(body, 0.3, rng), when, [s], {o["id"]})
    for n, o in enumerate(rng.sample(orig, max(1, round(len(orig) * 0.15 * farm_share)))):
        when = o["when"] if n < 2 else o["when"] + timedelta(hours=rng.randint(2, 12))
        add(SYNDICATE, n, o["text"], when, [o], {o["id"]})
    return crawl
