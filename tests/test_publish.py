"""Publishing: the dry-run folder loads with datasets, and a push uploads exactly that content."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import datasets
import pytest

from gci_bench.cli import main
from gci_bench.errors import GciError
from gci_bench.outputs import read_manifest
from gci_bench.publish import publish


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_dry_run_loads_with_datasets(embedded_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    assert (
        main(
            [
                "publish",
                "--data",
                str(embedded_build),
                "--repo-id",
                "lab/gci",
                "--dry-run",
                str(out),
            ]
        )
        == 0
    )
    manifest = read_manifest(embedded_build)
    for group in ("computation", "safety", "summarization"):
        ds = datasets.load_dataset(str(out), group)
        assert ds["test"].num_rows == sum(
            sum(t.values()) for t in manifest["counts"][group]["test"].values()
        )
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and 'load_dataset("lab/gci", "safety")' in card
    assert manifest["dataset_fingerprint"] in card and "licence" in card.lower()
    assert (out / "build_manifest.json").exists() and (out / "LICENSES.json").exists()
    assert not (out / "disk").exists()


class RecordingHub:
    """Stands in for the Hub (unreachable here): records what upload_folder was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.uploaded: dict[str, str] = {}

    def create_repo(self, repo_id: str, **kwargs: Any) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, *, folder_path: str, repo_id: str, **kwargs: Any) -> None:
        self.calls.append(("upload_folder", {"repo_id": repo_id, **kwargs}))
        self.uploaded = _tree(Path(folder_path))


def test_push_uploads_exactly_the_dry_run_content(embedded_build: Path, tmp_path: Path) -> None:
    publish(embedded_build, "lab/gci", dry_run=tmp_path / "dry")
    hub = RecordingHub()
    result = publish(embedded_build, "lab/gci", private=True, api=hub)
    assert result.pushed
    assert hub.uploaded == _tree(tmp_path / "dry")
    assert hub.calls[0] == (
        "create_repo",
        {"repo_id": "lab/gci", "repo_type": "dataset", "private": True, "exist_ok": True},
    )
    assert hub.calls[-1][1]["repo_type"] == "dataset"


def test_no_token_is_a_clear_error(
    embedded_build: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "hf-home" / "token"))
    assert main(["publish", "--data", str(embedded_build), "--repo-id", "lab/gci"]) == 2
    err = capsys.readouterr().err
    assert "no Hugging Face token" in err and "Traceback" not in err


@pytest.mark.parametrize("repo_id", ["gci", "a/b/c", "/name", "lab/ bad"])
def test_bad_repo_id(embedded_build: Path, tmp_path: Path, repo_id: str) -> None:
    with pytest.raises(GciError, match="expected ORG/NAME"):
        publish(embedded_build, repo_id, dry_run=tmp_path / "x")
