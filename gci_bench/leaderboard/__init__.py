"""A leaderboard for gci-bench runs: a registry folder, checked submissions, a static site.

Public API::

    from gci_bench.leaderboard import RegistryConfig, init_registry, submit, render

    init_registry(Path("registry"), RegistryConfig(data=Path("gci-build")))
    result = submit(Path("runs/my-model"), Path("registry"))      # SubmissionRejected if not ok
    render(Path("registry"), Path("site"))                        # index.html, .csv, .md

Modules: ``intake`` (reading untrusted files: links, sizes, types, archives, strict JSON, markup),
``card`` (the model card), ``store`` (the registry folder and its hashes), ``submit``
(validation and re-scoring through ``eval --predictions``), ``render`` (rows, CSV, Markdown) and
``page`` (the HTML page, its sortable table and SVG charts).
"""

from __future__ import annotations

from gci_bench.leaderboard.card import ModelCard, parse_card
from gci_bench.leaderboard.intake import Limits, SubmissionRejected
from gci_bench.leaderboard.render import RenderResult, leaderboard_rows, render
from gci_bench.leaderboard.store import (
    Registry,
    RegistryConfig,
    init_registry,
    load_registry,
    read_entries,
)
from gci_bench.leaderboard.submit import SubmitResult, submit

__all__ = [
    "Limits",
    "ModelCard",
    "Registry",
    "RegistryConfig",
    "RenderResult",
    "SubmissionRejected",
    "SubmitResult",
    "init_registry",
    "leaderboard_rows",
    "load_registry",
    "parse_card",
    "read_entries",
    "render",
    "submit",
]
