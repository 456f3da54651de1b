"""The vectorised batch fingerprints agree with one text at a time, in threads too."""

from __future__ import annotations

import threading

import numpy as np

from unspun import fingerprint as fp


def _texts(reference_docs):
    base = [d.text for d in reference_docs]
    short = ["", "a", "the the", "Bank", "one two three four five six seven", "x " * 7, "x " * 8,
             "Prices rose 1,550 points, the `index' said; 'quoted' words’ and ‘curly’ ones — ok."]
    cut = [t[i : i + 60] for t in base[:20] for i in (0, 100, 500)]
    return short + cut + base


def test_batch_features_equal_single_text_features(reference_docs):
    texts = _texts(reference_docs)
    for winnowed in (True, False):
        batch = fp.features_arrays(texts, winnowed=winnowed)
        for t, arr in zip(texts, batch, strict=True):
            assert arr.dtype == np.int32 and len(set(arr.tolist())) == len(arr)
            assert set(arr.tolist()) == fp.features_many([t], winnowed=winnowed)[0]
            assert set(arr.tolist()) == fp.features(t, winnowed=winnowed)


def test_vocabulary_is_consistent_across_threads(reference_docs):
    texts = _texts(reference_docs)
    want = [fp.features(t) for t in texts]
    got: dict[int, list[set[int]]] = {}
    fp.clear_word_caches()

    def run(k: int) -> None:
        order = texts[k::4] + texts[: k : 1]
        res = fp.features_many(order)
        got[k] = [res[order.index(t)] for t in texts[k::4]]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        assert got[k] == want[k::4]
