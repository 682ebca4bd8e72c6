"""Leaderboard: submissions are checked and re-scored, entries hashed, the site renders and sorts.

Real run directories come from :func:`gci_bench.evaluation.evaluate` on the embedded build
(``oracle``, ``retrieval``, and a "tuned" run mixed from their outputs, scored through the
predictions backend), three items per task. Rejections are a case table of tampered copies. The
page is opened in headless Chromium (installed by apt when missing) and sorted by clicks.
"""

from __future__ import annotations

import functools
import io
import json
import os
import pickle
import shutil
import subprocess
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gci_bench.errors import GciError
from gci_bench.evaluation import EvalConfig, evaluate
from gci_bench.leaderboard import (
    RegistryConfig,
    SubmissionRejected,
    init_registry,
    load_registry,
    read_entries,
    render,
    submit,
)
from gci_bench.leaderboard.card import parse_card, parse_count
from gci_bench.leaderboard.page import JS, csp_hash
from gci_bench.models import ModelSpec

LIMIT, BOOT = 3, 100
GROUPS = ("computation", "safety", "summarization")
ORACLE = "Oracle reference"
BASE = 'Baseline "Q&A" <7B> 检索'  # quotes, ampersand, angle brackets: shown literally, escaped
TUNED = "Tuned-LoRA 法律"


def card(name: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "base_model": None,
        "method": "none",
        "parameters": "7B",
        "licence": "apache-2.0",
        "link": "https://example.org/model",
        **kw,
    }


def run_eval(build: Path, out: Path, spec: ModelSpec) -> dict[str, Any]:
    config = EvalConfig(data=build, out=out, limit=LIMIT, bootstrap=BOOT)
    return evaluate(config, spec).results


def jsonl(path: Path) -> list[Any]:
    """JSON lines split at "\n" only (outputs may hold U+2028, which splitlines breaks at)."""
    return [json.loads(x) for x in path.read_text(encoding="utf-8").split("\n") if x.strip()]


def samples(run: Path) -> dict[str, dict[str, Any]]:
    return {
        s["id"]: {**s, "group": g} for g in GROUPS for s in jsonl(run / "samples" / f"{g}.jsonl")
    }


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def runs(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three finished eval runs with model cards: oracle, retrieval, and one tuned from it."""
    root = tmp_path_factory.mktemp("lb-runs")
    run_eval(embedded_build, root / "oracle", ModelSpec(model="oracle"))
    run_eval(embedded_build, root / "retrieval", ModelSpec(model="retrieval"))
    oracle, retrieval = samples(root / "oracle"), samples(root / "retrieval")
    # Better on law than its base, worse on general skills: domain answers and computation's
    # integrated answers right, general ones a shrug.
    mixed = {}
    for pid, s in oracle.items():
        if s["subset"] == "general":
            mixed[pid] = "不知道。\u2028"  # a JSON-lines reader must not split here
        elif s["subset"] == "domain" or s["group"] == "computation":
            mixed[pid] = s["output"]
        else:
            mixed[pid] = retrieval[pid]["output"]
    preds = root / "tuned.jsonl"
    preds.write_text(
        "".join(
            json.dumps({"id": i, "output": o}, ensure_ascii=False) + "\n" for i, o in mixed.items()
        ),
        encoding="utf-8",
    )
    run_eval(embedded_build, root / "tuned", ModelSpec(predictions=preds))
    write_json(root / "oracle" / "model_card.json", card(ORACLE))
    write_json(root / "retrieval" / "model_card.json", card(BASE, parameters=1_000_000))
    write_json(
        root / "tuned" / "model_card.json",
        card(
            TUNED,
            base_model=BASE,
            method="lora",
            trainable_parameters="4M",
            description="LoRA on legal QA; forgets some general skills.",
        ),
    )
    return {"oracle": root / "oracle", "retrieval": root / "retrieval", "tuned": root / "tuned"}


def new_registry(path: Path, build: Path, **kw: Any) -> Path:
    init_registry(path, RegistryConfig(data=build, limit=LIMIT, bootstrap=BOOT, **kw))
    return path


@pytest.fixture(scope="module")
def populated(
    runs: dict[str, Path], embedded_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A registry holding the three runs, and its rendered site."""
    root = tmp_path_factory.mktemp("lb-registry")
    reg = new_registry(root / "registry", embedded_build)
    accepted = {k: submit(runs[k], reg) for k in ("retrieval", "oracle", "tuned")}
    site = render(reg, root / "site")
    return {"registry": reg, "site": root / "site", "accepted": accepted, "render": site}


@pytest.fixture(scope="module")
def empty_registry(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry that every rejection case must leave empty (1 MiB limit per file)."""
    return new_registry(
        tmp_path_factory.mktemp("lb-empty") / "registry", embedded_build, max_file_mb=1.0
    )


# ------------------------------------------------------------------------------ accepting


def test_accepted_entry_stores_the_rescored_run_with_hashes(
    populated: dict[str, Any], runs: dict[str, Path]
) -> None:
    result = populated["accepted"]["tuned"]
    entry = result.entry_dir
    assert sorted(p.relative_to(entry).as_posix() for p in entry.rglob("*") if p.is_file()) == [
        "entry.json",
        "model_card.json",
        "predictions.jsonl",
        "results.json",
        "samples/computation.jsonl",
        "samples/safety.jsonl",
        "samples/summarization.jsonl",
    ]
    stored = json.loads((entry / "results.json").read_text())
    claimed = json.loads((runs["tuned"] / "results.json").read_text())
    assert stored["model"]["backend"] == "predictions"  # our re-score, not the submitted file
    assert stored["scores"] == claimed["scores"]
    meta = json.loads((entry / "entry.json").read_text())
    assert meta["dataset_fingerprint"] == claimed["dataset"]["fingerprint"]
    assert meta["gci_bench_version"] and meta["submitted_at"].endswith("Z")
    assert set(meta["files"]) == {
        "model_card.json",
        "predictions.jsonl",
        "results.json",
        "samples/computation.jsonl",
        "samples/safety.jsonl",
        "samples/summarization.jsonl",
    }
    preds = jsonl(entry / "predictions.jsonl")
    assert len(preds) == stored["dataset"]["items"] == len(samples(runs["tuned"]))
    assert set(preds[0]) == {"id", "output"}
    assert sum("\u2028" in p["output"] for p in preds) > 0
    stored_card = json.loads((entry / "model_card.json").read_text())
    assert stored_card["parameters"] == 7_000_000_000
    assert stored_card["trainable_parameters"] == 4_000_000
    assert [c for c, _ in result.checks] == [
        "files",
        "results.json",
        "model card",
        "dataset and scoring",
        "predictions",
        "re-score",
        "stored",
    ]
    assert len(read_entries(load_registry(populated["registry"]))) == 3


def test_same_name_or_same_predictions_twice_is_rejected(
    populated: dict[str, Any], runs: dict[str, Path]
) -> None:
    with pytest.raises(SubmissionRejected, match="already in the registry") as exc:
        submit(runs["retrieval"], populated["registry"])
    assert any("same predictions were already accepted" in r for r in exc.value.reasons)


def test_registry_init_refuses_an_existing_registry(
    populated: dict[str, Any], embedded_build: Path, tmp_path: Path
) -> None:
    with pytest.raises(GciError, match="already a leaderboard registry"):
        new_registry(populated["registry"], embedded_build)
    with pytest.raises(GciError, match="build_manifest.json is missing"):
        new_registry(tmp_path / "r", tmp_path)


# ------------------------------------------------------------------------------ rejecting


def edit(path: Path, change: Callable[[Any], None]) -> None:
    obj = json.loads(path.read_text(encoding="utf-8"))
    change(obj)
    write_json(path, obj)


def edit_lines(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def inflate_claim(run: Path, tmp: Path) -> Path:
    """A consistent fake: computation's I raised and the GCI score recomputed to match."""

    def change(r: dict) -> None:
        groups = r["scores"]["groups"]
        groups["computation"]["I"]["score"] = 100.0
        r["scores"]["gci"] = round(sum(g["I"]["score"] for g in groups.values()) / 3, 6)

    edit(run / "results.json", change)
    return run


def other_fingerprint(run: Path, tmp: Path) -> Path:
    edit(run / "results.json", lambda r: r["dataset"].update(fingerprint="0" * 64))
    return run


def other_limit(run: Path, tmp: Path) -> Path:
    edit(run / "results.json", lambda r: r["config"].update(limit=5))
    return run


def drop_prediction(run: Path, tmp: Path) -> Path:
    edit_lines(run / "samples" / "safety.jsonl", lambda lines: lines[1:])
    return run


def unknown_id(run: Path, tmp: Path) -> Path:
    extra = json.dumps({"id": "f" * 16, "output": "x"})
    edit_lines(run / "samples" / "safety.jsonl", lambda lines: [*lines, extra])
    return run


def symlink_passwd(run: Path, tmp: Path) -> Path:
    (run / "samples" / "computation.jsonl").unlink()
    (run / "samples" / "computation.jsonl").symlink_to("/etc/passwd")
    return run


def symlink_dir_up(run: Path, tmp: Path) -> Path:
    (run / "more").symlink_to("..", target_is_directory=True)
    return run


def dotdot_archive(run: Path, tmp: Path) -> Path:
    archive = tmp / "run.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(run, arcname="run")
        data = b'{"x": 1}'
        info = tarfile.TarInfo("run/../../escape.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return archive


def absolute_zip(run: Path, tmp: Path) -> Path:
    archive = tmp / "run.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(run / "results.json", "results.json")
        zf.writestr("/tmp/evil.json", "{}")
    return archive


def oversized(run: Path, tmp: Path) -> Path:
    (run / "samples" / "notes.txt").write_bytes(b"x" * (1024 * 1024 + 1))
    return run


def script_name(run: Path, tmp: Path) -> Path:
    write_json(run / "model_card.json", card("<script>alert(1)</script>"))
    return run


def handler_description(run: Path, tmp: Path) -> Path:
    write_json(run / "model_card.json", card("ok", description='x" onmouseover=alert(1) "'))
    return run


def script_link(run: Path, tmp: Path) -> Path:
    write_json(run / "model_card.json", card("ok", link="javascript:alert(1)"))
    return run


def card_without_licence(run: Path, tmp: Path) -> Path:
    c = card("ok")
    del c["licence"]
    write_json(run / "model_card.json", c)
    return run


class _Boom:
    """Unpickling this would run a shell command that creates the marker file."""

    marker = ""

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


def pickle_file(run: Path, tmp: Path) -> Path:
    boom = _Boom()
    boom.marker = str(tmp / "PWNED")
    (run / "model.pkl").write_bytes(pickle.dumps(boom))
    return run


def nan_in_results(run: Path, tmp: Path) -> Path:
    text = (run / "results.json").read_text()
    (run / "results.json").write_text(text.replace('"gci": ', '"gci": NaN, "was": ', 1))
    return run


def no_results(run: Path, tmp: Path) -> Path:
    (run / "results.json").unlink()
    return run


REJECTIONS = [
    ("claimed-score", inflate_claim, "claimed scores differ from the re-scored ones"),
    ("fingerprint", other_fingerprint, "dataset fingerprint 0000000000000000… differs"),
    ("other-limit", other_limit, "config.limit is 5; this registry scores with limit 3"),
    ("missing-prediction", drop_prediction, "1 of the 54 test items have no prediction"),
    ("unknown-id", unknown_id, "1 prediction id(s) are not among the registry's test items"),
    ("symlink-passwd", symlink_passwd, "symbolic link to /etc/passwd (outside the submission)"),
    ("symlink-dir", symlink_dir_up, "more: symbolic link to .. (outside the submission)"),
    ("dotdot-archive", dotdot_archive, "run/../../escape.json: '..' path refused"),
    ("absolute-archive", absolute_zip, "/tmp/evil.json: absolute path refused"),
    ("oversized-file", oversized, "samples/notes.txt: 1.0 MB is over the 1.0 MB limit"),
    ("script-in-name", script_name, "markup '<s' is not allowed"),
    ("event-handler", handler_description, "markup 'onmouseover=' is not allowed"),
    ("javascript-link", script_link, "link: must be an http:// or https:// URL"),
    ("card-field-missing", card_without_licence, "missing field(s) licence"),
    ("pickle-file", pickle_file, "model.pkl: pickle-capable file type .pkl refused"),
    ("nan", nan_in_results, "NaN is not valid JSON"),
    ("not-a-run", no_results, "results.json is missing"),
]


@pytest.mark.parametrize(
    ("tamper", "reason"), [c[1:] for c in REJECTIONS], ids=[c[0] for c in REJECTIONS]
)
def test_tampered_submission_is_rejected_with_its_reason(
    runs: dict[str, Path],
    empty_registry: Path,
    tmp_path: Path,
    tamper: Callable[[Path, Path], Path],
    reason: str,
) -> None:
    copy = Path(shutil.copytree(runs["retrieval"], tmp_path / "run", symlinks=True))
    source = tamper(copy, tmp_path)
    with pytest.raises(SubmissionRejected) as exc:
        submit(source, empty_registry)
    message = " ".join(str(exc.value).split())
    assert reason in message, message
    assert not any((empty_registry / "entries").iterdir())  # nothing stored, nothing left over
    assert not (tmp_path / "PWNED").exists()  # the pickle was never loaded


def test_claimed_score_rejection_names_the_places(
    runs: dict[str, Path], empty_registry: Path, tmp_path: Path
) -> None:
    copy = inflate_claim(Path(shutil.copytree(runs["retrieval"], tmp_path / "run")), tmp_path)
    with pytest.raises(SubmissionRejected) as exc:
        submit(copy, empty_registry)
    assert "scores.groups.computation.I.score: claimed 100.0, re-scored" in str(exc.value)
    assert "scores.gci: claimed" in str(exc.value)


CARDS = [
    ("shorthand", {"parameters": "1.5B"}, None),
    ("integer", {"parameters": 270_000_000}, None),
    ("words", {"parameters": "lots"}, "parameters must be a positive integer"),
    ("zero", {"parameters": 0}, "parameters must be a positive integer"),
    ("ftp-link", {"link": "ftp://example.org/x"}, "must be an http:// or https:// URL"),
    ("quote-in-link", {"link": 'https://x.org/"onload="'}, "quotes"),
    ("html-comment", {"method": "lora <!-- x -->"}, "markup '<!' is not allowed"),
    ("unknown-field", {"notes": "hi"}, "unknown field(s) notes"),
    ("empty-name", {"name": "  "}, "name must be a non-empty string"),
    ("newline-in-name", {"name": "a\nb"}, "control character"),
    ("long-name", {"name": "x" * 101}, "at most 100 allowed"),
]


@pytest.mark.parametrize(("change", "problem"), [c[1:] for c in CARDS], ids=[c[0] for c in CARDS])
def test_model_card_fields(change: dict[str, Any], problem: str | None) -> None:
    obj = {**card("m"), **change}
    if problem is None:
        parsed = parse_card(obj, "model_card.json")
        assert parsed.parameters == parse_count(change["parameters"])
    else:
        with pytest.raises(SubmissionRejected, match="model_card.json") as exc:
            parse_card(obj, "model_card.json")
        assert problem in str(exc.value)


# ----------------------------------------------------------------------------------- CLI


def test_cli_rejects_in_one_line_and_accepts_an_archive(
    runs: dict[str, Path],
    embedded_build: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gci_bench.cli import main

    reg = str(tmp_path / "registry")
    assert (
        main(
            [
                "leaderboard",
                "init",
                "--registry",
                reg,
                "--data",
                str(embedded_build),
                "--limit",
                str(LIMIT),
                "--bootstrap",
                str(BOOT),
            ]
        )
        == 0
    )
    bad = symlink_passwd(Path(shutil.copytree(runs["oracle"], tmp_path / "bad")), tmp_path)
    (bad / "[red]notes.exe").write_text("not markup, not a program")
    capsys.readouterr()
    assert main(["leaderboard", "submit", str(bad), "--registry", reg]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "error: submission rejected:" in err and "/etc/passwd" in err
    assert "[red]notes.exe: file type .exe not allowed" in err
    assert "Traceback" not in err

    archive = tmp_path / "oracle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(runs["oracle"].rglob("*")):
            if p.is_file() and p.name != "model_card.json":
                zf.write(p, f"oracle/{p.relative_to(runs['oracle']).as_posix()}")
    cardfile = tmp_path / "card.json"
    write_json(cardfile, card("Oracle from a zip"))
    code = main(["leaderboard", "submit", str(archive), "--registry", reg, "--card", str(cardfile)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0, err
    assert "accepted: Oracle from a zip" in err and "re-score" in err and "GCI score 100.0" in err

    assert main(["leaderboard", "render", "--registry", reg, "--out", str(tmp_path / "site")]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "1 entries" in err and "index.html" in err
    assert (tmp_path / "site" / "leaderboard.md").is_file()


# -------------------------------------------------------------------------------- render


def test_render_writes_csv_markdown_and_escaped_html(populated: dict[str, Any]) -> None:
    import csv

    site: Path = populated["site"]
    rows = list(csv.DictReader((site / "leaderboard.csv").open(encoding="utf-8")))
    assert [r["name"] for r in rows][0] == ORACLE and {r["name"] for r in rows} == {
        ORACLE,
        BASE,
        TUNED,
    }
    by_name = {r["name"]: r for r in rows}
    tuned, base = by_name[TUNED], by_name[BASE]
    assert tuned["base_entry"] == BASE and base["base_entry"] == ""
    deltas = [float(tuned[f"{g}_G"]) - float(base[f"{g}_G"]) for g in GROUPS]
    for g, d in zip(GROUPS, deltas, strict=True):
        assert float(tuned[f"{g}_delta_G"]) == pytest.approx(d, abs=1e-6)
    assert float(tuned["delta_G_mean"]) == pytest.approx(sum(deltas) / 3, abs=1e-6)
    assert float(by_name[ORACLE]["gci"]) == 100.0

    md = (site / "leaderboard.md").read_text(encoding="utf-8")
    assert 'Baseline "Q\\&A" \\<7B\\> 检索' in md and "<7B>" not in md
    assert md.count("\n| ") == 1 + 3  # header + one line per entry

    page = (site / "index.html").read_text(encoding="utf-8")
    assert "Baseline &quot;Q&amp;A&quot; &lt;7B&gt; 检索" in page and "<7B>" not in page
    assert f"script-src {csp_hash(JS)}" in page and "default-src 'none'" in page
    assert page.count("<tr data-rank=") == 3
    assert "Forgetting: ΔG against the base model" in page


def test_render_refuses_an_entry_changed_after_acceptance(
    populated: dict[str, Any], tmp_path: Path
) -> None:
    copy = Path(shutil.copytree(populated["registry"], tmp_path / "registry"))
    entry = next(p for p in (copy / "entries").iterdir() if p.name.startswith("baseline"))
    edit(entry / "results.json", lambda r: r["scores"].update(gci=99.0))
    with pytest.raises(GciError, match=r"modified after it was accepted: results.json changed"):
        render(copy, tmp_path / "site")


def test_render_of_an_empty_registry(empty_registry: Path, tmp_path: Path) -> None:
    result = render(empty_registry, tmp_path / "site")
    assert result.rows == []
    assert "No entries yet." in (tmp_path / "site" / "index.html").read_text()


# ------------------------------------------------------------------------------- browser

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def ensure_chromium() -> None:
    """Install Debian's chromium and chromium-driver when missing (the CI machine has apt)."""
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    if shutil.which("apt-get") is None:
        pytest.skip(
            "!!! apt-get is not available, so chromium/chromium-driver cannot be installed: "
            "the headless-browser check of the leaderboard page did NOT run !!!"
        )
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [
        *sudo,
        "apt-get",
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
    ]
    proc = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:  # package lists missing or stale: update, then try once more
        subprocess.run([*sudo, "apt-get", "update"], env=env, capture_output=True, timeout=600)
        proc = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0 or not Path(CHROMEDRIVER).exists():
        pytest.fail(
            f"could not install chromium: `{' '.join(install)}` exited {proc.returncode}:\n"
            f"{proc.stderr[-3000:]}"
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    ensure_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="gci-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return None


@pytest.fixture(scope="module")
def served_site(populated: dict[str, Any]) -> Iterator[str]:
    """The rendered site on a local static server (as a static host would serve it)."""
    handler = functools.partial(_QuietHandler, directory=str(populated["site"]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def test_page_in_headless_chromium_shows_every_entry_and_sorts(
    browser: Any, served_site: str
) -> None:
    from selenium.webdriver.common.by import By

    def severe() -> list[dict]:
        return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]

    def names() -> list[str]:
        return [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#leaderboard td.model")]

    def click(label: str) -> None:
        head = browser.find_element(By.XPATH, f'//th[@data-col][button[text()="{label}"]]')
        head.find_element(By.TAG_NAME, "button").click()

    browser.get(served_site)
    assert browser.title == "gci-bench leaderboard"
    assert severe() == []
    ranked = names()
    assert ranked == [ORACLE, TUNED, BASE]  # every entry, by GCI, names shown literally
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure svg")) == 5  # GCI, 3 groups, ΔG

    click("model")
    assert names() == [BASE, ORACLE, TUNED] != ranked
    click("model")
    assert names() == [TUNED, ORACLE, BASE]
    click("GCI")  # numbers: best first
    assert names() == ranked
    click("GCI")
    assert names() == ranked[::-1]
    head = browser.find_element(By.XPATH, '//th[button[text()="GCI"]]')
    assert head.get_attribute("aria-sort") == "ascending"
    click("ΔG vs base")  # only the tuned entry has a base on the board; the others sort last
    assert names()[0] == TUNED
    assert severe() == []
