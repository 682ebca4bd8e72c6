"""Bad raw input is reported with file, line and reason; the build goes on unless it cannot.

Each case damages a copy of the embedded corpus the way real downloads and exports go wrong,
runs ``gci-bench build`` through the CLI entry point and checks the exit code, the message and
what the manifest recorded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gci_bench.cli import main
from gci_bench.outputs import read_manifest

CAIL_TEST = "cail2018/data_test.json"


def append(rel: str, text: str) -> Callable[[Path], None]:
    def damage(raw: Path) -> None:
        with (raw / rel).open("a", encoding="utf-8") as fh:
            fh.write(text)

    return damage


def to_gb18030(rel: str) -> Callable[[Path], None]:
    def damage(raw: Path) -> None:
        path = raw / rel
        path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))

    return damage


def empty(rel: str) -> Callable[[Path], None]:
    return lambda raw: (raw / rel).write_bytes(b"")


def remove(rel: str) -> Callable[[Path], None]:
    return lambda raw: (raw / rel).unlink()


def n_lines(raw: Path, rel: str) -> int:
    return len((raw / rel).read_bytes().rstrip(b"\n").split(b"\n"))


# (case id, group, damage, where the problem is reported, reason fragment, kind)
RECOVERABLE = [
    (
        "truncated-json-line",
        "summarization",
        append(
            CAIL_TEST,
            '{"fact": "被告人张某于2016年',
        ),
        (CAIL_TEST, "last"),
        "invalid JSON",
        "dropped",
    ),
    (
        "record-missing-fact",
        "summarization",
        append(
            CAIL_TEST,
            json.dumps({"meta": {"accusation": ["盗窃"], "relevant_articles": [264]}}) + "\n",
        ),
        (CAIL_TEST, "last"),
        "missing required field 'fact'",
        "dropped",
    ),
    (
        "gb18030-in-utf8-folder",
        "safety",
        to_gb18030("lexeval/6_1.json"),
        ("lexeval/6_1.json", None),
        "not UTF-8: detected GB18030",
        "warnings",
    ),
    (
        "empty-optional-file",
        "summarization",
        empty("lawyer_llama/zixun_gpt4.json"),
        ("lawyer_llama/zixun_gpt4.json", None),
        "empty file",
        "dropped",
    ),
    (
        "unknown-file",
        "computation",
        append("lexeval/notes.txt", "临时笔记\n"),
        ("lexeval/notes.txt", None),
        "unknown file",
        "warnings",
    ),
]


@pytest.mark.parametrize(
    ("group", "damage", "where", "reason", "kind"),
    [c[1:] for c in RECOVERABLE],
    ids=[c[0] for c in RECOVERABLE],
)
def test_recoverable_input_is_reported_and_build_goes_on(
    raw_copy: Path,
    tmp_path: Path,
    group: str,
    damage: Callable[[Path], None],
    where: tuple[str, str | None],
    reason: str,
    kind: str,
) -> None:
    damage(raw_copy)
    out = tmp_path / "out"
    assert main(["build", "--raw-dir", str(raw_copy), "--out", str(out), "--groups", group]) == 0
    problems = read_manifest(out)[kind]
    rel, line = where
    expected_line = n_lines(raw_copy, rel) if line == "last" else None
    assert any(
        p["file"] == rel and p["line"] == expected_line and reason in p["reason"] for p in problems
    ), problems


def test_gb18030_file_still_yields_its_records(raw_copy: Path, tmp_path: Path) -> None:
    args = ["build", "--raw-dir", str(raw_copy), "--groups", "safety"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    to_gb18030("lexeval/6_1.json")(raw_copy)
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert read_manifest(tmp_path / "a")["counts"] == read_manifest(tmp_path / "b")["counts"]


FATAL = [
    (
        "missing-required-source",
        "summarization",
        remove(CAIL_TEST),
        [],
        "required source cail2018/data_test.json is missing",
    ),
    (
        "empty-required-source",
        "summarization",
        empty("lawbench/2-7.json"),
        [],
        "lawbench/2-7.json: empty file",
    ),
    (
        "strict-stops-at-bad-line",
        "summarization",
        append(CAIL_TEST, "{broken\n"),
        ["--strict"],
        f"{CAIL_TEST}:",
    ),
    ("unknown-group", "nonsense", lambda raw: None, [], "invalid choice"),
]


@pytest.mark.parametrize(
    ("group", "damage", "extra", "message"), [c[1:] for c in FATAL], ids=[c[0] for c in FATAL]
)
def test_unusable_input_exits_nonzero_with_message(
    raw_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    group: str,
    damage: Callable[[Path], None],
    extra: list[str],
    message: str,
) -> None:
    damage(raw_copy)
    argv = [
        "build",
        "--raw-dir",
        str(raw_copy),
        "--out",
        str(tmp_path / "o"),
        "--groups",
        group,
        *extra,
    ]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects bad choices itself
        code = int(exc.code or 0)
    assert code != 0
    err = capsys.readouterr().err
    assert message in " ".join(err.split()), err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists(), "a failed build leaves no output directory"


def test_console_script_reports_missing_raw_dir_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gci_bench.cli",
            "build",
            "--raw-dir",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "is not a directory" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_build_prints_summary_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["build", "--out", str(tmp_path / "o"), "--groups", "safety", "--max-per-task", "30"])
        == 0
    )
    err = capsys.readouterr().err
    assert "harmful_request" in err and "fingerprint" in err
