from __future__ import annotations

import json
import sqlite3

import pytest

import unspun
from unspun.errors import IndexMismatchError, StoreError
from unspun.fingerprint import FingerprintParams
from unspun.models import Document, IngestFailure


def _docs(reference_docs, n=10):
    return reference_docs[:n]


@pytest.mark.parametrize("backend", ["sqlite", "memory", "postgres"])
def test_add_replace_remove_stats(request, tmp_path, reference_docs, backend):
    if backend == "memory":
        idx = unspun.memory_index()
    else:
        where = tmp_path / "i.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
        idx = unspun.open_index(where, create=True)
    docs = _docs(reference_docs)
    r = idx.add(docs + [IngestFailure("bad.jsonl:3", "invalid JSON")])
    assert (r.added, r.replaced, r.unchanged, r.failed) == (10, 0, 0, 1)
    assert len(idx) == 10
    r = idx.add(docs[:2])
    assert (r.added, r.replaced, r.unchanged) == (0, 0, 2)
    changed = Document(id=docs[0].id, text=docs[0].text + " An added closing sentence.", title="new")
    r = idx.add([changed])
    assert (r.added, r.replaced) == (0, 1)
    assert idx.get(docs[0].id).text.endswith("closing sentence.")
    assert idx.get(docs[0].id).title == "new"
    assert idx.remove([docs[1].id, "no-such-id"]) == 1
    assert idx.get(docs[1].id) is None
    assert len(idx) == 9
    st = idx.stats()
    assert st["documents"] == 9
    # a removed document is never retrieved
    hits = unspun.retrieve(docs[1], idx, k=5)
    assert docs[1].id not in [c.doc_id for c in hits]
    hits = unspun.retrieve(docs[2], idx, k=5)
    assert hits[0].doc_id == docs[2].id


def test_metadata_round_trip(store_at):
    idx = unspun.open_index(store_at, create=True)
    d = Document(id="x", text="Some text about the harbour bridge opening on Monday.", title="T",
                 url="https://example.gov/x", site="example.gov", published="2020-10-22",
                 meta={"topic": "bridges"})
    idx.add([d])
    idx.close()
    again = unspun.open_index(store_at)
    got = again.get("x")
    assert (got.title, got.url, got.site, got.published, got.meta) == ("T", d.url, "example.gov", "2020-10-22", {"topic": "bridges"})


def test_interrupted_batch_leaves_index_as_before(store_at, reference_docs):
    path = store_at
    idx = unspun.open_index(path, create=True)
    idx.add(reference_docs[:5])

    def records():
        yield from reference_docs[5:8]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        idx.add(records(), batch_size=100)
    idx.close()
    idx = unspun.open_index(path)
    assert len(idx) == 5
    pairs = list(idx.posting_pairs())
    assert len(pairs) == idx.stats()["postings"]
    assert sorted({(d,) for _, d in pairs}) == sorted(idx.conn.execute("SELECT num FROM docs"))
    idx.close()


def test_missing_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(StoreError, match="no index here"):
        unspun.open_index(tmp_path / "missing.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not an unspun index"):
        unspun.open_index(junk)
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="not an unspun index"):
        unspun.open_index(other)


def test_mismatched_fingerprint_settings_are_refused(tmp_path):
    path = tmp_path / "i.db"
    unspun.open_index(path, create=True).close()
    with pytest.raises(IndexMismatchError, match="fingerprint settings"):
        unspun.open_index(path, params=FingerprintParams(window=3))
    c = sqlite3.connect(path)
    p = json.loads(c.execute("SELECT value FROM meta WHERE key='params'").fetchone()[0])
    p["version"] = 99
    c.execute("UPDATE meta SET value=? WHERE key='params'", (json.dumps(p),))
    c.commit()
    c.close()
    with pytest.raises(IndexMismatchError, match="rebuild the index"):
        unspun.open_index(path)


def test_index_built_with_other_word_lists_is_refused(tmp_path):
    path = tmp_path / "i.db"
    unspun.open_index(path, create=True).close()
    c = sqlite3.connect(path)
    p = json.loads(c.execute("SELECT value FROM meta WHERE key='params'").fetchone()[0])
    p["lexicon"] = "0123456789ab"
    c.execute("UPDATE meta SET value=? WHERE key='params'", (json.dumps(p),))
    c.commit()
    c.close()
    with pytest.raises(IndexMismatchError, match="other word lists"):
        unspun.open_index(path)


def test_frequent_feature_memory_forgets_after_deletions_in_another_connection(store_at):
    """Retrieval remembers features over max_df; once postings shrink (remove or replace,
    from any connection: the service's writer vs its readers) it must read them again."""
    from unspun.fingerprint import features

    shared = ("The committee approved the highway funding measure after a long debate "
              "about rural bridges, transit grants and the cost of repairs.")
    docs = [Document(id=f"d{i}", text=f"{shared} Report number {i} followed.") for i in range(3)]
    writer = unspun.open_index(store_at, create=True)
    writer.add(docs)
    reader = unspun.open_index(store_at, readonly=True)
    q = features(shared, writer.params)
    assert reader.lookup(q, max_df=2, k=5) == []  # held by 3 documents: stop-listed
    writer.add([Document(id="d1", text="An unrelated notice about parking on Elm Street.")])
    assert writer.remove(["d2"]) == 1
    found = reader.lookup(q, max_df=2, k=5)
    assert [d for d, _ in found] == ["d0"]
    assert writer.lookup(q, max_df=2, k=5) == found
    writer.close()
    reader.close()


def test_lookup_many_reads_each_feature_once_and_ranks_like_lookup(store_at, monkeypatch):
    idx = unspun.open_index(store_at, create=True)
    idx.add([Document(id=f"d{i}", text=f"Paragraph {i} about the harbour works and the ferry timetable. "
                      + " ".join(f"word{i}x{j}" for j in range(40))) for i in range(6)])
    from unspun.fingerprint import features

    a = features(idx.get("d1").text, idx.params)
    b = features(idx.get("d4").text, idx.params)
    seen: list[int] = []
    real = type(idx)._posting_arrays

    def counting(self, hashes, max_df):
        hashes = list(hashes)
        seen.extend(hashes)
        return real(self, hashes, max_df)

    monkeypatch.setattr(type(idx), "_posting_arrays", counting)
    many = idx.lookup_many([a, b, a], max_df=100, k=3)
    monkeypatch.undo()
    assert len(seen) == len(a | b)  # each feature asked once
    assert many == [idx.lookup(a, max_df=100, k=3), idx.lookup(b, max_df=100, k=3), idx.lookup(a, max_df=100, k=3)]
    assert many[0][0][0] == "d1" and many[1][0][0] == "d4"
    idx.close()
