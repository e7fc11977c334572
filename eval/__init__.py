"""Evaluation: datasets, generators of test snapshots, scorers and reports.

Naming note: this package is called ``eval``, which shadows the builtin
``eval`` only for code that writes ``import eval`` and then calls ``eval(...)``.
Always import from its submodules explicitly, e.g.
``from eval.snapshots import write_snapshot``, never ``import eval``.
"""
