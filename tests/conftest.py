"""Shared fixtures: the raw corpora and one build of the embedded default, made once per run."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# A fresh datasets cache per run: pytest reuses tmp paths across runs, and a stale cache keyed by
# path would hand a test last run's data.
os.environ["HF_DATASETS_CACHE"] = tempfile.mkdtemp(prefix="gci-hf-cache-")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import pytest  # noqa: E402

from gci_bench.build import build, default_raw_dir  # noqa: E402
from gci_bench.task_groups.base import BuildOptions  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def full_corpora() -> Path | None:
    """The full raw corpora (``GCI_CORPORA`` or ../shared/corpora), None when absent."""
    env = os.environ.get("GCI_CORPORA")
    path = Path(env) if env else REPO.parent / "shared" / "corpora"
    return path if (path / "MANIFEST.json").exists() else None


@pytest.fixture(scope="session")
def full_corpora_dir() -> Path:
    """The full corpora; the test is skipped where they are not present."""
    path = full_corpora()
    if path is None:
        pytest.skip("full corpora not available (set GCI_CORPORA)")
    return path


@pytest.fixture(scope="session")
def embedded_dir() -> Path:
    return default_raw_dir()


@pytest.fixture(scope="session")
def embedded_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the embedded default corpus with default options (read-only for tests)."""
    out = tmp_path_factory.mktemp("build") / "gci-build"
    build(BuildOptions(raw_dir=default_raw_dir()), out)
    return out


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of the embedded corpus, for tests that damage their input."""
    dst = tmp_path / "raw"
    shutil.copytree(default_raw_dir(), dst)
    for p in dst.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dst
