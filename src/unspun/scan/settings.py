"""Settings of a scan run, saved as ``settings.json`` in the output folder and re-used on resume."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..align import AlignSettings
from ..analyze.sources import SourceSettings
from ..errors import SettingsError
from ..fingerprint import FingerprintParams

SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class ScanSettings:
    """Everything that decides a scan's result.

    ``min_shared``: winnowed features a candidate pair must share; ``max_df``: features held
    by more documents are dropped before pairing (boilerplate, bylines; 0 = the core's
    :func:`unspun.retrieve.default_max_df` of the crawl size); ``filter``: a condition
    (:mod:`unspun.scan.filters`, not SQL) over the two documents' metadata, ``a`` the
    earlier one (the presumed source), ``b`` the later;
    ``max_sources``: candidate sources aligned per document, most shared features first;
    ``spin_threshold``: a copy is *spun* when at least this share of its copied words were
    swapped (the core's spin density).
    """

    inputs: tuple[str, ...] = ()
    min_shared: int = 3
    max_df: int = 0
    filter: str | None = None
    max_sources: int = 30
    spin_threshold: float = 0.05
    fingerprint: FingerprintParams = field(default_factory=FingerprintParams)
    align: AlignSettings = field(default_factory=AlignSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["inputs"] = list(self.inputs)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScanSettings:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise SettingsError(f"unknown scan settings: {', '.join(sorted(unknown))}")
        d = dict(d)
        _check_types(d)
        d["inputs"] = tuple(d.get("inputs", ()))
        d["fingerprint"] = FingerprintParams.from_dict(d.get("fingerprint", {}))
        d["align"] = AlignSettings(**d.get("align", {}))
        d["sources"] = SourceSettings(**d.get("sources", {}))
        return cls(**d)

    def with_changes(self, **changes: Any) -> ScanSettings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_KINDS: dict[str, tuple[type, ...]] = {"min_shared": (int,), "max_df": (int,), "max_sources": (int,),
                                       "spin_threshold": (int, float)}


def _check_types(d: dict[str, Any]) -> None:
    """Settings read from a file are untrusted: each has its type, and the filter is parsed
    (:mod:`unspun.scan.filters`) before anything runs."""
    from .filters import validate_filter

    for k, kinds in _KINDS.items():
        if k in d and (isinstance(d[k], bool) or not isinstance(d[k], kinds)):
            raise SettingsError(f"{k} must be a number, not {d[k]!r}")
    inputs = d.get("inputs", [])
    if not isinstance(inputs, list | tuple) or not all(isinstance(i, str) for i in inputs):
        raise SettingsError(f"inputs must be a list of paths, not {inputs!r}")
    f = d.get("filter")
    if f is not None and not isinstance(f, str):
        raise SettingsError(f"filter must be text, not {f!r}")
    validate_filter(f, "filter")
    for k, cls in (("fingerprint", FingerprintParams), ("align", AlignSettings), ("sources", SourceSettings)):
        sub = d.get(k, {})
        if not isinstance(sub, dict):
            raise SettingsError(f"{k} must be an object, not {sub!r}")
        default = cls()
        for name, v in sub.items():
            dv = getattr(default, name, None)
            if isinstance(dv, bool):
                ok = isinstance(v, bool)
            elif isinstance(dv, int | float):
                ok = isinstance(v, int | float) and not isinstance(v, bool) and (isinstance(v, int) or isinstance(dv, float))
            elif isinstance(dv, str):
                ok = isinstance(v, str)
            else:
                ok = True  # unknown names: the settings' own constructor refuses them
            if not ok:
                raise SettingsError(f"{k}.{name} must be like {dv!r}, not {v!r}")


def save_settings(out: Path, st: ScanSettings) -> None:
    path = out / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(st.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def load_settings(out: Path) -> ScanSettings | None:
    path = out / SETTINGS_FILE
    if not path.exists():
        return None
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(d, dict):
            raise ValueError("not a JSON object")
        return ScanSettings.from_dict(d)
    except SettingsError as e:
        raise SettingsError(f"{path}: refused: {e}") from None
    except (ValueError, TypeError, OSError) as e:
        raise SettingsError(f"{path}: unreadable scan settings ({e})") from e


def resolve_settings(out: Path, given: ScanSettings, explicit: dict[str, Any]) -> ScanSettings:
    """The settings of the run in ``out``: the saved ones on resume, else ``given``.

    ``explicit`` holds the options the user set on this call; one that differs from the
    saved settings is an error (the stages already written were made with the saved ones),
    unless no stage is complete yet and inputs are given: nothing was made with the saved
    settings, so the new command replaces them.
    """
    from . import stages

    if given.inputs and not any(stages.is_complete(out, s) for s in stages.STAGES):
        return given
    saved = load_settings(out)
    if saved is None:
        if not given.inputs:
            raise SettingsError(f"{out}: no scan there yet; give the inputs to scan")
        return given
    saved_d = saved.to_dict()
    for k, v in explicit.items():
        if v is None:
            continue
        sv = saved_d.get(k)
        if k == "inputs":
            v, sv = list(v), list(sv or [])
            if not v:
                continue
        if v != sv:
            raise SettingsError(
                f"{out} holds a scan made with {k}={sv!r}, not {v!r}: "
                "resume without changing it, or scan into a new --out folder"
            )
    return saved


_UNITS = {"": 1, "B": 1, "K": 2**10, "KB": 2**10, "M": 2**20, "MB": 2**20, "G": 2**30, "GB": 2**30,
          "T": 2**40, "TB": 2**40}


def parse_memory(text: str | int) -> int:
    """``"4GB"``, ``"512m"``, ``"1.5G"`` (or a number of bytes) → bytes; SettingsError for
    anything else or under 64MB.

    A run-time resource, not a setting of the result: it is not saved with the scan, and
    a resumed scan may use another value.
    """
    import re

    if isinstance(text, int):
        text = str(text)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text or "")
    unit = m.group(2).upper() if m else ""
    if not m or unit not in _UNITS:
        raise SettingsError(f"--memory {text!r}: give a size such as 4GB or 512MB")
    n = int(float(m.group(1)) * _UNITS[unit])
    if n < 64 * 2**20:
        raise SettingsError(f"--memory {text!r}: at least 64MB")
    return n
