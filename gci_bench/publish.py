"""Publishing a build to the Hugging Face Hub as one dataset with a config per group.

The repository content is assembled in a folder first (:func:`stage`): the Parquet shards, the
dataset card (README.md with YAML ``configs``), the build manifest and a licence/provenance file.
``--dry-run OUT`` stops there; a real push uploads exactly that folder with
``huggingface_hub``, so what the tests load with ``datasets`` is what gets uploaded.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gci_bench.errors import GciError
from gci_bench.outputs import MANIFEST, read_manifest

#: Files of a build that belong in the Hub repository (``disk/`` is a local cache format).
REPO_FILES = ("README.md", MANIFEST)


class HubApi(Protocol):
    """The two ``huggingface_hub.HfApi`` calls publishing needs."""

    def create_repo(self, repo_id: str, **kwargs: Any) -> Any: ...

    def upload_folder(self, *, folder_path: str, repo_id: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class PublishResult:
    """What was (or would be) pushed: the staged folder, its files, the target."""

    folder: Path
    files: list[str]
    repo_id: str
    revision: str | None
    pushed: bool


def _check_repo_id(repo_id: str) -> None:
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts) or any(" " in p for p in parts):
        raise GciError(f"--repo-id {repo_id!r}: expected ORG/NAME, e.g. my-lab/gci-bench")


def stage(build_dir: Path, out: Path, repo_id: str) -> list[str]:
    """Write the exact repository content for ``build_dir`` into ``out``; return its files."""
    _check_repo_id(repo_id)
    manifest = read_manifest(build_dir)
    groups = manifest["options"]["groups"]
    if out.exists() and any(out.iterdir()):
        raise GciError(f"--dry-run {out} exists and is not empty; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    for rel in manifest["files"]:
        src = Path(build_dir) / rel
        if not src.exists():
            raise GciError(f"{build_dir}: {rel} is listed in {MANIFEST} but missing; rebuild")
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out / rel)
    card = (Path(build_dir) / "README.md").read_text(encoding="utf-8")
    card = card.replace("# gci-bench datasets", f"# {repo_id}", 1)
    card += (
        "\n## Loading\n\n```python\nimport datasets\n"
        + "".join(f'ds = datasets.load_dataset("{repo_id}", "{g}")\n' for g in groups)
        + "```\n"
    )
    (out / "README.md").write_text(card, encoding="utf-8")
    shutil.copyfile(Path(build_dir) / MANIFEST, out / MANIFEST)
    (out / "LICENSES.json").write_text(
        json.dumps(_licences(manifest, build_dir), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def _licences(manifest: dict[str, Any], build_dir: Path) -> list[dict[str, Any]]:
    """Per input file: path, hash and licence (from the raw dir's MANIFEST.json when readable)."""
    raw_manifest = Path(manifest["options"]["raw_dir"]) / "MANIFEST.json"
    known: dict[str, dict[str, Any]] = {}
    if raw_manifest.exists():
        for entry in json.loads(raw_manifest.read_text(encoding="utf-8")).get("files", []):
            known[entry["path"]] = entry
    out = []
    for entry in manifest["inputs"]:
        src = known.get(entry["path"], {})
        out.append(
            {
                "path": entry["path"],
                "sha256": entry["sha256"],
                "licence": src.get("licence", "unknown"),
                "source_repo": src.get("source_repo"),
                "source_commit": src.get("source_commit"),
            }
        )
    return out


def _is_network_error(exc: Exception) -> bool:
    """HTTP and connection errors from the Hub client: user-facing, not bugs."""
    module = type(exc).__module__.split(".")[0]
    return isinstance(exc, OSError) or module in ("httpx", "httpx2", "huggingface_hub", "requests")


def hub_token() -> str:
    """The token from the usual Hugging Face environment or config, or a clear error."""
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise GciError(
            "no Hugging Face token: set HF_TOKEN or run `huggingface-cli login` (or use --dry-run OUT)"
        )
    return token


def publish(
    build_dir: Path,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    dry_run: Path | None = None,
    api: HubApi | None = None,
) -> PublishResult:
    """Stage the repository content and, unless ``dry_run``, upload that folder to the Hub."""
    if dry_run is not None:
        files = stage(build_dir, dry_run, repo_id)
        return PublishResult(dry_run, files, repo_id, revision, pushed=False)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=hub_token())
    manifest = read_manifest(build_dir)
    with tempfile.TemporaryDirectory(prefix="gci-publish-") as tmp:
        folder = Path(tmp) / "repo"
        files = stage(build_dir, folder, repo_id)
        try:
            api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
            if revision:
                create_branch = getattr(api, "create_branch", None)
                if create_branch is not None:
                    create_branch(repo_id, branch=revision, repo_type="dataset", exist_ok=True)
            api.upload_folder(
                folder_path=str(folder),
                repo_id=repo_id,
                repo_type="dataset",
                revision=revision,
                commit_message=f"gci-bench {manifest['gci_bench_version']} build "
                f"{manifest['dataset_fingerprint'][:12]}",
            )
        except Exception as exc:
            if not _is_network_error(exc):
                raise
            raise GciError(f"publishing to {repo_id} failed: {exc}") from None
    return PublishResult(folder, files, repo_id, revision, pushed=True)
