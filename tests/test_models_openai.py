"""The openai backend: retries and concurrency against a scripted local server, then a real
``transformers serve`` on 127.0.0.1 serving a tiny model, checked against the hf backend."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gci_bench.cli import main
from gci_bench.errors import GciError
from gci_bench.evaluation import EvalConfig, evaluate
from gci_bench.models import GenerationSettings, ModelSpec, Prompt, load_backend
from gci_bench.models.openai_compat import normalise_base_url
from gci_bench.models.tiny import make_tiny_model
from gci_bench.outputs import load_build
from gci_bench.prompts import build_prompt


class Script:
    """What the fake server answers: a list of (status, delay_s) consumed in order, then 200."""

    def __init__(self, steps: list[tuple[int, float]] | None = None, delay: float = 0.0) -> None:
        self.steps = list(steps or [])
        self.delay = delay
        self.posts = 0
        self.active = 0
        self.max_active = 0
        self.bodies: list[dict] = []
        self.lock = threading.Lock()

    def next(self) -> tuple[int, float]:
        with self.lock:
            self.posts += 1
            return self.steps.pop(0) if self.steps else (200, self.delay)


def make_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def reply(self, status: int, obj: dict, headers: dict | None = None) -> None:
            blob = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(blob)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(blob)

        def do_GET(self) -> None:  # noqa: N802
            self.reply(200, {"data": [{"id": "tiny"}]})

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status, delay = script.next()
            with script.lock:
                script.active += 1
                script.max_active = max(script.max_active, script.active)
                script.bodies.append(body)
            try:
                time.sleep(delay)
                if status != 200:
                    self.reply(status, {"error": {"message": f"scripted {status}"}},
                               {"Retry-After": "0"} if status == 429 else None)  # fmt: skip
                    return
                text = "答：" + (body.get("prompt") or body["messages"][0]["content"])[-3:]
                if "messages" in body:
                    self.reply(200, {"choices": [{"message": {"content": text}}]})
                else:
                    self.reply(200, {"choices": [{"text": text}]})
            finally:
                with script.lock:
                    script.active -= 1

    return Handler


@pytest.fixture
def fake_server() -> Iterator[tuple[str, Script]]:
    script = Script()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", script
    finally:
        server.shutdown()
        server.server_close()


def backend(url: str, **kw: object) -> object:
    fields = {"model": "tiny", "base_url": url, "retry_backoff": 0.01, "request_timeout": 5.0}
    return load_backend(ModelSpec(**{**fields, **kw}))


SETTINGS = GenerationSettings(max_new_tokens=4, chat_template=True)


@pytest.mark.parametrize(
    ("steps", "posts", "retries"),
    [
        ([(429, 0)], 2, 1),
        ([(429, 0), (503, 0), (502, 0)], 4, 3),
        ([(500, 0)], 2, 1),
    ],
    ids=["429-then-200", "429-503-502-then-200", "500-then-200"],
)
def test_retries_then_succeeds(fake_server: tuple, steps: list, posts: int, retries: int) -> None:
    url, script = fake_server
    script.steps = steps
    be = backend(url)
    assert be.generate([Prompt("a", "第一题")], SETTINGS) == ["答：第一题"]
    assert script.posts == posts
    assert be.client.retries == retries
    assert script.bodies[-1]["temperature"] == 0 and script.bodies[-1]["max_tokens"] == 4


def test_timeout_is_retried(fake_server: tuple) -> None:
    url, script = fake_server
    script.steps = [(200, 1.5)]
    be = backend(url, request_timeout=0.5)
    assert be.generate([Prompt("a", "慢")], SETTINGS) == ["答：慢"]
    assert be.client.retries == 1


def test_gives_up_after_max_retries(fake_server: tuple) -> None:
    url, script = fake_server
    script.steps = [(503, 0)] * 10
    with pytest.raises(GciError, match=r"giving up after 3 attempts \(last: HTTP 503"):
        backend(url, max_retries=2).generate([Prompt("a", "x")], SETTINGS)


def test_client_error_is_not_retried(fake_server: tuple) -> None:
    url, script = fake_server
    script.steps = [(400, 0)]
    with pytest.raises(GciError, match="HTTP 400: scripted 400"):
        backend(url).generate([Prompt("a", "x")], SETTINGS)
    assert script.posts == 1


def test_concurrency_is_bounded_and_order_kept(fake_server: tuple) -> None:
    url, script = fake_server
    script.delay = 0.05
    prompts = [Prompt(str(i), f"题{i:02d}") for i in range(10)]
    seen: list[int] = []
    be = backend(url, concurrency=3)
    outs = be.generate(prompts, SETTINGS, on_batch=lambda idx, _outs: seen.extend(idx))
    assert outs == [f"答：题{i:02d}" for i in range(10)]
    assert 2 <= script.max_active <= 3
    assert sorted(seen) == list(range(10))


def test_plain_prompt_goes_to_completions(fake_server: tuple) -> None:
    url, script = fake_server
    be = backend(url)
    assert be.resolve_chat_template(None) is True
    plain = GenerationSettings(max_new_tokens=4, chat_template=False)
    assert be.generate([Prompt("a", "问题")], plain) == ["答：答案："]
    assert script.bodies[-1]["prompt"] == "问题\n答案："


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("https://api.example/v2", "https://api.example/v2"),
    ],
)
def test_base_url_normalisation(url: str, expected: str) -> None:
    assert normalise_base_url(url) == expected


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_a_clean_cli_error(
    embedded_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    code = main(["eval", "--model", "m", "--base-url", url, "--data", str(embedded_build),
                 "--out", str(tmp_path / "o"), "--limit", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "server unreachable" in err and url in err and "Traceback" not in err


# ---- a real transformers serve -------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_chat(embedded_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "eval-tiny-llama-chat"
    if not (path / "config.json").exists():
        texts = [build_prompt(r) for dd in load_build(embedded_build).values() for r in dd["test"]]
        # a long context: the hf backend left-truncates prompts that do not fit, the server
        # does not, and this test compares their outputs
        make_tiny_model(path, texts, max_positions=4096, chat_template=True)
    return path


@pytest.fixture(scope="module")
def served(tiny_chat: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``transformers serve`` on a free 127.0.0.1 port, preloading the tiny chat model."""
    exe = shutil.which("transformers", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the transformers CLI is not installed")
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        pytest.skip("transformers serve needs fastapi and uvicorn (pip install 'gci-bench[serve]')")
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [
                exe,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--device",
                "cpu",
                str(tiny_chat),
            ],  # fmt: skip
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    import httpx

    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"transformers serve exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"transformers serve did not start: {log.read_text()[-2000:]}")
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_transformers_serve_matches_the_hf_backend(
    served: str, tiny_chat: Path, embedded_build: Path, tmp_path: Path
) -> None:
    common = {"data": embedded_build, "limit": 1, "max_new_tokens": 5, "bootstrap": 50,
              "groups": ("safety",)}  # fmt: skip
    for chat in (False, True):
        api = evaluate(
            EvalConfig(**common, out=tmp_path / f"api-{chat}", chat_template=chat),
            ModelSpec(model=str(tiny_chat), base_url=served, concurrency=4),
        ).results
        hf = evaluate(
            EvalConfig(**common, out=tmp_path / f"hf-{chat}", chat_template=chat),
            ModelSpec(model=str(tiny_chat)),
        ).results
        assert api["model"]["backend"] == "openai" and api["generation"]["generated"] > 0
        assert api["settings"] == hf["settings"]
        for group in ("safety",):
            a = (tmp_path / f"api-{chat}" / "samples" / f"{group}.jsonl").read_text()
            h = (tmp_path / f"hf-{chat}" / "samples" / f"{group}.jsonl").read_text()
            outs_a = [json.loads(x)["output"] for x in a.splitlines()]
            outs_h = [json.loads(x)["output"] for x in h.splitlines()]
            assert outs_a == outs_h, f"chat={chat}: served and local greedy outputs differ"
        assert api["scores"] == hf["scores"]
