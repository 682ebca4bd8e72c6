"""Scoring models on a build: ``gci-bench eval`` and ``gci-bench compare`` as library calls.

Public API::

    from gci_bench.evaluation import EvalConfig, evaluate, compare_runs
    from gci_bench.models import ModelSpec

    result = evaluate(EvalConfig(data=Path("gci-build"), limit=20), ModelSpec(model="retrieval"))
    result.scores["gci"], result.scores["groups"]["safety"]["I"]["ci"]
    report = compare_runs(Path("runs/base"), Path("runs/tuned")).report

Modules: ``config`` (EvalConfig and the dataclass → CLI options helper), ``items`` (selection and
``--limit``), ``cache`` (resumable generation cache), ``scores`` (D/G/I, intervals, integration
rate, GCI), ``run`` (one run, results.json and samples), ``compare`` (paired comparison, chart).
"""

from __future__ import annotations

from gci_bench.evaluation.compare import Comparison, compare_runs, write_outputs
from gci_bench.evaluation.config import EvalConfig
from gci_bench.evaluation.run import EvalResult, ProgressEvent, evaluate, read_results

__all__ = [
    "Comparison",
    "EvalConfig",
    "EvalResult",
    "ProgressEvent",
    "compare_runs",
    "evaluate",
    "read_results",
    "write_outputs",
]
