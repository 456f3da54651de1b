"""The language of a text: ``py3langid`` (a modernised langid.py, BSD licence, 97
languages, its model inside the package). Returns an ISO 639-1 code, or ``None`` for a
text too short to tell (under ``min_letters`` letters)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .encoder import SemanticUnavailable, unavailable_reason


@lru_cache(maxsize=1)
def _identifier() -> Any:
    why = unavailable_reason()
    if why:
        raise SemanticUnavailable(why)
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str, *, min_letters: int = 20, max_chars: int = 4000) -> str | None:
    """ISO code of ``text``'s language (its first ``max_chars`` characters), or ``None``."""
    sample = text[:max_chars]
    if sum(ch.isalpha() for ch in sample) < min_letters:
        return None
    lang, prob = _identifier().classify(sample)
    return str(lang) if prob >= 0.5 else None
