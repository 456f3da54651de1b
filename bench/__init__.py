"""Benchmark harness for unspun (not part of the installed package).

Modules: :mod:`bench.generator` (spin-and-stitch suspects with exact ground truth),
:mod:`bench.baselines` (MinHash LSH, word 5-gram), :mod:`bench.metrics` (recall@k, PAN
plagdet, edit and unsourced-span scores), :mod:`bench.quality` (the quality run) and
:mod:`bench.gate` (CI accuracy gate). The corpora are read from the shared data folder at
run time and never copied into the repository.
"""
