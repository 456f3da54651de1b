from __future__ import annotations

from unspun.fingerprint import DEFAULT_PARAMS, FingerprintParams, fast_words, features, streams

SOURCE = (
    "Russia and China have hailed their strategic partnership, but so far rejected any talk "
    "about the possibility of their forming a military alliance. The pact limits each country "
    "to no more than 1,550 deployed nuclear warheads and 700 deployed missiles and bombers."
)
SPUN = (
    "Russian Federation and China have hailed their strategic partnership, but so far rejected any "
    "discussion about the possibility of their forming a military alliance. The pact limits each "
    "country to no more than 1550 deployed atomic warheads and 700 deployed missiles and bombers."
)
OTHER = (
    "The county fair opened on Saturday with a record number of livestock entries, and the "
    "pie contest was won by a retired teacher who has entered every year since 1987."
)


def test_features_deterministic_and_nonempty():
    f = features(SOURCE)
    assert f and f == features(SOURCE)
    assert all(-(2**31) <= h < 2**31 for h in f)


def test_spun_copy_shares_features_unrelated_text_does_not():
    src, spun, other = features(SOURCE), features(SPUN), features(OTHER)
    assert len(src & spun) >= 5
    assert len(src & other) == 0


def test_skeleton_drops_replaceable_words():
    skel, cls = streams(fast_words("Russia rejected the talk about 1,550 warheads"))
    assert "1550" in skel and "the" in skel and "about" in skel
    assert "talk" not in skel  # a spinner may replace it
    assert "the" not in cls


def test_params_round_trip():
    p = FingerprintParams(window=4)
    assert FingerprintParams.from_dict(p.to_dict()) == p
    assert p != DEFAULT_PARAMS
