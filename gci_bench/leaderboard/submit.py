"""``leaderboard submit``: check a run, re-score its predictions, store it as an entry.

The claimed scores in a run's ``results.json`` are never trusted: the predictions (the ``output``
of every item in ``samples/<group>.jsonl``) are scored again by this gci-bench through the
``predictions`` backend of :func:`gci_bench.evaluation.evaluate`, with the registry's scoring
settings, and the claim must equal the re-score everywhere (tolerance 1e-9). What is stored is the
re-scored ``results.json``. Checks run cheapest first, and each stage reports every problem it
found, so a rejected submitter learns all that is wrong at once:

1. files — no links, allowed types only, size limits (:mod:`~gci_bench.leaderboard.intake`);
2. ``results.json`` schema, ``model_card.json`` fields (no markup);
3. the run's dataset fingerprint and scoring settings equal the registry's;
4. predictions cover exactly the registry's test items (none missing, none unknown);
5. re-score and compare; store with hashes.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gci_bench import __version__
from gci_bench.errors import GciError
from gci_bench.leaderboard.card import CARD_FILE, ModelCard, parse_card
from gci_bench.leaderboard.intake import (
    SubmissionRejected,
    open_submission,
    read_json,
    read_jsonl,
    remove_tree,
)
from gci_bench.leaderboard.store import (
    ENTRY_FILE,
    PREDICTIONS_FILE,
    Registry,
    entry_dirs,
    hash_files,
    ids_digest,
    load_registry,
    locked,
    now_utc,
    remove_unfinished,
    sha256_bytes,
    sha256_file,
    write_json,
)

logger = logging.getLogger(__name__)

RESULTS_FILE = "results.json"
SAMPLES_DIR = "samples"

#: Largest difference between a claimed and a re-scored number that still counts as equal.
TOLERANCE = 1e-9

_HEX = re.compile(r"^[0-9a-f]{8,128}$")
_VERSION = re.compile(r"^[0-9A-Za-z.+_-]{1,40}$")

Progress = Callable[[str], None]


@dataclass
class SubmitResult:
    """An accepted entry and the checks it passed (``checks``: (check, what was found))."""

    entry_id: str
    entry_dir: Path
    card: ModelCard
    results: dict[str, Any]
    checks: list[tuple[str, str]] = field(default_factory=list)


# ---------------------------------------------------------------------------------- schema


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _opt_int(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool))


def _hex_or_null(v: Any) -> bool:
    return v is None or (isinstance(v, str) and bool(_HEX.match(v)))


#: (dotted path in results.json, check, what is expected): the fields submit reads.
RESULTS_SCHEMA: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("gci_bench_version", lambda v: isinstance(v, str) and bool(_VERSION.match(v)), "a version"),
    ("scores", lambda v: isinstance(v, dict), "an object"),
    ("scores.gci", lambda v: v is None or _is_num(v), "a number or null"),
    ("scores.groups", lambda v: isinstance(v, dict), "an object"),
    ("config", lambda v: isinstance(v, dict), "an object"),
    ("config.split", lambda v: isinstance(v, str), "a string"),
    ("config.groups", _str_list, "a list of strings"),
    ("config.subsets", _str_list, "a list of strings"),
    ("config.limit", _opt_int, "an integer or null"),
    ("config.bootstrap", lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    ("config.seed", lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    ("dataset", lambda v: isinstance(v, dict), "an object"),
    ("dataset.fingerprint", lambda v: isinstance(v, str), "a string"),
    ("model", lambda v: isinstance(v, dict), "an object"),
    ("model.fingerprint", _hex_or_null, "a hex digest or null"),
    ("settings", lambda v: isinstance(v, dict), "an object"),
)

_MISSING = object()


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def schema_problems(results: Any) -> list[str]:
    """What a claimed results.json lacks or holds in the wrong type."""
    if not isinstance(results, dict):
        return [f"{RESULTS_FILE}: expected a JSON object"]
    problems = []
    for path, ok, expected in RESULTS_SCHEMA:
        value = _get(results, path)
        if value is _MISSING:
            parent = path.rsplit(".", 1)[0] if "." in path else None
            if parent is None or _get(results, parent) is not _MISSING:
                problems.append(f"{RESULTS_FILE}: {path} is missing")
        elif not ok(value):
            problems.append(f"{RESULTS_FILE}: {path} must be {expected}")
    adapter = _get(results, "model.adapter")
    if adapter not in (_MISSING, None) and (
        not isinstance(adapter, dict) or not _hex_or_null(adapter.get("fingerprint"))
    ):
        problems.append(f"{RESULTS_FILE}: model.adapter.fingerprint must be a hex digest")
    settings = _get(results, "settings")
    if isinstance(settings, dict):
        for key, value in settings.items():
            if not (isinstance(value, bool | int | str) or value is None) or (
                isinstance(value, str) and len(value) > 100
            ):
                problems.append(f"{RESULTS_FILE}: settings.{key} must be a short scalar")
    return problems


# ----------------------------------------------------------------------------- comparisons


def scoring_problems(results: dict[str, Any], reg: Registry) -> list[str]:
    """Where the run was evaluated differently from how the registry scores."""
    problems = []
    claimed = results["dataset"]["fingerprint"]
    if claimed != reg.fingerprint:
        problems.append(
            f"dataset fingerprint {claimed[:16]}… differs from the registry's "
            f"{reg.fingerprint[:16]}… (the run used another build; evaluate on the registry's)"
        )
    config, scoring = results["config"], reg.scoring
    wanted = {
        "split": (config["split"], scoring.split),
        "groups": (sorted(config["groups"]), sorted(scoring.groups)),
        "subsets": (sorted(config["subsets"]), sorted(scoring.subsets)),
        "limit": (config["limit"], scoring.limit),
        "bootstrap": (config["bootstrap"], scoring.bootstrap),
        "seed": (config["seed"], scoring.seed),
    }
    for key, (got, want) in wanted.items():
        if got != want:
            shown = " ".join(want) if isinstance(want, list) else want
            problems.append(
                f"config.{key} is {got}; this registry scores with {key} {want} "
                f"(run `gci-bench eval` with --{key} {shown})"
                if want is not None
                else f"config.{key} is {got}; this registry scores every test item (no --{key})"
            )
    return problems


def score_differences(claimed: Any, rescored: Any, path: str = "scores") -> list[str]:
    """Every place where claimed and re-scored values differ (numbers: by more than 1e-9)."""
    if isinstance(rescored, dict):
        if not isinstance(claimed, dict):
            return [f"{path}: claimed {_short(claimed)}, re-scored an object"]
        out = []
        for key in sorted(set(claimed) | set(rescored), key=str):
            sub = f"{path}.{key}"
            if key not in claimed:
                out.append(f"{sub}: missing from the claim (re-scored {_short(rescored[key])})")
            elif key not in rescored:
                out.append(f"{sub}: claimed {_short(claimed[key])}, not produced by re-scoring")
            else:
                out.extend(score_differences(claimed[key], rescored[key], sub))
        return out
    if isinstance(rescored, list):
        if not isinstance(claimed, list) or len(claimed) != len(rescored):
            return [f"{path}: claimed {_short(claimed)}, re-scored {_short(rescored)}"]
        out = []
        for i, (c, r) in enumerate(zip(claimed, rescored, strict=True)):
            out.extend(score_differences(c, r, f"{path}[{i}]"))
        return out
    if _is_num(rescored) and _is_num(claimed):
        if abs(float(claimed) - float(rescored)) > TOLERANCE:
            return [f"{path}: claimed {claimed}, re-scored {rescored}"]
        return []
    if claimed != rescored or type(claimed) is not type(rescored):
        return [f"{path}: claimed {_short(claimed)}, re-scored {_short(rescored)}"]
    return []


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


# ----------------------------------------------------------------------------- predictions


def read_predictions(
    root: Path, reg: Registry, expected: dict[str, str], limit: int
) -> tuple[dict[str, str], list[str]]:
    """``{id: output}`` from the run's samples and every problem with them.

    ``expected`` maps each id the registry scores to its group. Every one needs an output, in its
    own group's file; any other id is unknown (another build, the train split, or a wider
    ``--limit``).
    """
    problems: list[str] = []
    outputs: dict[str, str] = {}
    unknown: list[str] = []
    absent: set[str] = set()
    for group in reg.scoring.groups:
        rel = f"{SAMPLES_DIR}/{group}.jsonl"
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel} is missing (the predictions of group {group})")
            absent.add(group)
            continue
        for lineno, obj in read_jsonl(path, rel, limit):
            where = f"{rel}:{lineno}"
            if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
                problems.append(f'{where}: expected an object with a string "id"')
                continue
            output = obj.get("output", _MISSING)
            if output is None:
                output = ""
            if not isinstance(output, str):
                problems.append(f'{where}: "output" must be a string')
                continue
            pid = obj["id"]
            if pid not in expected:
                unknown.append(pid)
            elif expected[pid] != group:
                problems.append(f"{where}: item {pid} belongs to group {expected[pid]}")
            elif pid in outputs and outputs[pid] != output:
                problems.append(f"{where}: item {pid} appears twice with different outputs")
            else:
                outputs[pid] = output
    if unknown:
        problems.append(
            f"{len(unknown)} prediction id(s) are not among the registry's test items "
            f"(first: {', '.join(sorted(unknown)[:3])})"
        )
    missing = sorted(i for i, g in expected.items() if i not in outputs and g not in absent)
    if missing:
        problems.append(
            f"{len(missing)} of the {len(expected)} test items have no prediction "
            f"(first: {', '.join(missing[:3])})"
        )
    return outputs, problems


def expected_items(reg: Registry, build: Path) -> dict[str, str]:
    """id → group of every item the registry scores, checked against registry.json."""
    from gci_bench.evaluation.items import select
    from gci_bench.outputs import read_manifest

    manifest = read_manifest(build)
    if manifest.get("dataset_fingerprint") != reg.fingerprint:
        raise GciError(
            f"build {build} has dataset fingerprint "
            f"{str(manifest.get('dataset_fingerprint'))[:16]}…, the registry expects "
            f"{reg.fingerprint[:16]}…; pass the registry's build with --data"
        )
    s = reg.scoring
    selection = select(build, s.groups, s.subsets, s.split, s.limit)
    ids = {str(r["id"]): str(r["group"]) for r in selection.rows}
    if ids_digest(list(ids)) != reg.meta["scoring"]["ids_sha256"]:
        raise GciError(
            f"the items this gci-bench selects from {build} differ from those recorded in "
            "registry.json (another item selection); use the gci-bench version that created "
            "the registry"
        )
    return ids


# ----------------------------------------------------------------------------------- submit


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "entry"


def _duplicate_problems(reg: Registry, card: ModelCard, pred_hash: str) -> list[str]:
    problems = []
    for d in entry_dirs(reg):
        meta = json.loads((d / ENTRY_FILE).read_text(encoding="utf-8"))
        other = json.loads((d / "model_card.json").read_text(encoding="utf-8"))
        if str(other.get("name", "")).casefold() == card.name.casefold():
            problems.append(
                f"a model named {card.name!r} is already in the registry (entry {d.name}); "
                "give this one a distinct name"
            )
        if meta.get("files", {}).get(PREDICTIONS_FILE, {}).get("sha256") == pred_hash:
            problems.append(f"the same predictions were already accepted as entry {d.name}")
    return problems


def submit(
    source: Path,
    registry: Path,
    *,
    card: Path | None = None,
    data: Path | None = None,
    progress: Progress | None = None,
) -> SubmitResult:
    """Validate, re-score and store one run; SubmissionRejected naming every failed check.

    ``source`` is a run directory written by ``gci-bench eval`` (or a .zip/.tar.gz of one).
    ``card`` replaces the run's model_card.json; ``data`` is the registry's build when it has
    moved since ``init``. Nothing from the submission is executed or unpickled: JSON is the only
    format read.
    """
    note = progress or (lambda _m: None)
    reg = load_registry(registry)
    if card is not None and not Path(card).is_file():
        raise GciError(f"--card {card}: no such file")
    limits = reg.limits
    checks: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="gci-submit-") as tmp:
        note("checking files")
        root, scan, kind = open_submission(Path(source), Path(tmp), limits)
        checks.append(
            (
                "files",
                f"{len(scan.files)} plain files, {scan.total / 1024:.0f} KiB ({kind}); no links, "
                "allowed types, within limits",
            )
        )

        note("reading results.json and the model card")
        problems: list[str] = []
        results: Any = None
        if RESULTS_FILE not in scan.files:
            problems.append(f"{RESULTS_FILE} is missing (not a `gci-bench eval` run directory)")
        else:
            results = read_json(root / RESULTS_FILE, RESULTS_FILE, limits.max_file_bytes)
            problems += schema_problems(results)
        model_card: ModelCard | None = None
        try:
            if card is not None:
                card_obj = read_json(Path(card), f"--card {Path(card).name}", limits.max_file_bytes)
                model_card = parse_card(card_obj, f"--card {Path(card).name}")
            elif CARD_FILE in scan.files:
                card_obj = read_json(root / CARD_FILE, CARD_FILE, limits.max_file_bytes)
                model_card = parse_card(card_obj, CARD_FILE)
            else:
                problems.append(
                    f"{CARD_FILE} is missing; add one to the run directory or pass --card FILE"
                )
        except SubmissionRejected as exc:
            problems += exc.reasons
        if problems:
            raise SubmissionRejected(problems)
        assert model_card is not None and isinstance(results, dict)
        checks.append(
            ("results.json", f"schema ok, made by gci-bench {results['gci_bench_version']}")
        )
        checks.append(("model card", f"{model_card.name} ({model_card.method})"))

        problems = scoring_problems(results, reg)
        if problems:
            raise SubmissionRejected(problems)
        s = reg.scoring
        checks.append(
            (
                "dataset and scoring",
                f"fingerprint {reg.fingerprint[:12]}…, {s.split} split, limit {s.limit}, "
                f"bootstrap {s.bootstrap}, seed {s.seed}",
            )
        )

        note("checking predictions")
        build = Path(data) if data is not None else reg.build_dir
        expected = expected_items(reg, build)
        outputs, problems = read_predictions(root, reg, expected, limits.max_file_bytes)
        if problems:
            raise SubmissionRejected(problems)
        checks.append(
            ("predictions", f"{len(outputs)} of {len(expected)} test items, no unknown ids")
        )

        pred_text = "".join(
            json.dumps({"id": i, "output": outputs[i]}, ensure_ascii=False) + "\n"
            for i in sorted(outputs)
        )
        pred_hash = sha256_bytes(pred_text.encode("utf-8"))
        results_hash = sha256_file(root / RESULTS_FILE)

        with locked(reg):
            remove_unfinished(reg)
            problems = _duplicate_problems(reg, model_card, pred_hash)
            if problems:
                raise SubmissionRejected(problems)
            entry_id = f"{_slug(model_card.name)}-{pred_hash[:8]}"
            entry_dir = reg.entries_dir / entry_id
            entry_dir.mkdir(parents=True)
            try:
                note("re-scoring the predictions")
                rescored = _rescore(reg, build, entry_dir, model_card, pred_text)
                diffs = score_differences(results["scores"], rescored["scores"])
                if diffs:
                    hint = ""
                    if results["gci_bench_version"] != __version__:
                        hint = (
                            f" (the run was scored by gci-bench {results['gci_bench_version']}, "
                            f"the registry runs {__version__})"
                        )
                    raise SubmissionRejected(
                        [
                            f"claimed scores differ from the re-scored ones in {len(diffs)} "
                            f"place(s){hint}: " + "; ".join(diffs[:5])
                        ]
                    )
                checks.append(
                    (
                        "re-score",
                        f"{rescored['dataset']['items']} items re-scored; claimed scores equal "
                        f"within {TOLERANCE:g}",
                    )
                )
                write_json(entry_dir / CARD_FILE, model_card.to_json())
                files = hash_files(entry_dir)
                meta = {
                    "format_version": 1,
                    "entry_id": entry_id,
                    "submitted_at": now_utc(),
                    "gci_bench_version": __version__,
                    "dataset_fingerprint": reg.fingerprint,
                    "submission": {
                        "kind": kind,
                        "results_sha256": results_hash,
                        "claimed_gci_bench_version": results["gci_bench_version"],
                        "model_fingerprint": results["model"].get("fingerprint"),
                        "adapter_fingerprint": (results["model"].get("adapter") or {}).get(
                            "fingerprint"
                        ),
                        "settings": results["settings"],
                    },
                    "files": files,
                }
                write_json(entry_dir / ENTRY_FILE, meta)
            except BaseException:
                remove_tree(entry_dir)
                raise
        checks.append(("stored", f"entries/{entry_id}: {len(files)} files with SHA-256"))
    return SubmitResult(entry_id, entry_dir, model_card, rescored, checks)


def _rescore(
    reg: Registry, build: Path, entry_dir: Path, card: ModelCard, pred_text: str
) -> dict[str, Any]:
    """Score the predictions with this gci-bench (``eval --predictions``) into the entry."""
    from gci_bench.evaluation import EvalConfig, evaluate
    from gci_bench.models import ModelSpec

    preds = entry_dir / PREDICTIONS_FILE
    preds.write_text(pred_text, encoding="utf-8")
    s = reg.scoring
    config = EvalConfig(
        data=build,
        groups=s.groups,
        subsets=s.subsets,
        split=s.split,
        limit=s.limit,
        bootstrap=s.bootstrap,
        seed=s.seed,
        out=entry_dir,
        cache=False,
    )
    return evaluate(config, ModelSpec(model=card.name, predictions=preds)).results
