from bench.floors_guard import loosened


def test_lowered_floor_and_raised_ceiling_are_found():
    old = {"floors": {"a": 0.9, "b": 0.5}, "ceilings": {"fs": 0.05}}
    new = {"floors": {"a": 0.95, "b": 0.4}, "ceilings": {"fs": 0.1}}
    assert loosened(old, new) == ["floor b: 0.5 -> 0.4", "ceiling fs: 0.05 -> 0.1"]


def test_raised_floor_passes():
    old = {"floors": {"a": 0.9}, "ceilings": {"fs": 0.05}}
    assert loosened(old, {"floors": {"a": 0.95}, "ceilings": {"fs": 0.01}}) == []


def test_dropped_floor_counts_as_lowered():
    assert loosened({"floors": {"a": 0.9}}, {"floors": {}}) == ["floor a: 0.9 -> None"]
