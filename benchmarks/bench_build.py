"""Time ``gci-bench build`` on the full corpus, and on a copy whose CAIL2018 files are 10× larger.

The enlarged copy repeats every CAIL2018 record ten times with a distinct marker in the fact
(so the copies are distinct records, not exact duplicates that the build would discard), keeping
the train file in GB18030. Both builds run in this process, one after the other, so their ratio
is comparable; the absolute seconds are noisy on shared machines.

    python benchmarks/bench_build.py [--raw-dir ../shared/corpora] [--num-proc 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from gci_bench.build import build
from gci_bench.task_groups.base import BuildOptions

CAIL_FILES = {"cail2018/data_train.json": "gb18030", "cail2018/data_test.json": "utf-8"}


def enlarge_cail(raw: Path, dst: Path, factor: int) -> int:
    """Copy ``raw`` to ``dst`` with each CAIL record repeated ``factor`` times; return line count."""
    shutil.copytree(raw, dst)
    total = 0
    for rel, codec in CAIL_FILES.items():
        path = dst / rel
        path.chmod(0o644)
        lines = [ln for ln in path.read_bytes().decode(codec).splitlines() if ln.strip()]
        out = []
        for k in range(factor):
            for ln in lines:
                rec = json.loads(ln)
                if k:
                    rec["fact"] = f"（第{k}批卷宗）" + rec["fact"]
                out.append(json.dumps(rec, ensure_ascii=False))
        path.write_bytes(("\n".join(out) + "\n").encode(codec))
        total += len(out)
    return total


def timed(raw: Path, out: Path, num_proc: int) -> tuple[float, int]:
    start = time.perf_counter()
    result = build(BuildOptions(raw_dir=raw, num_proc=num_proc), out)
    items = sum(
        n
        for g in result.counts.values()
        for s in g.values()
        for t in s.values()
        for n in t.values()
    )
    return time.perf_counter() - start, items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--raw-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpora"
    )
    ap.add_argument("--num-proc", type=int, default=2)
    ap.add_argument("--factor", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        big = tmp_path / "raw-big"
        cail_lines = enlarge_cail(args.raw_dir, big, args.factor)
        base_cail = sum(
            1
            for rel, codec in CAIL_FILES.items()
            for ln in (args.raw_dir / rel).read_bytes().decode(codec).splitlines()
            if ln.strip()
        )
        rows = []
        for label, raw in (("full corpus", args.raw_dir), (f"CAIL ×{args.factor}", big)):
            for num_proc in sorted({1, args.num_proc}):
                secs, items = timed(
                    raw, tmp_path / f"out-{label}-{num_proc}".replace(" ", ""), num_proc
                )
                rows.append((label, num_proc, secs, items))
    cpu = platform.processor() or platform.machine()
    print(
        f"machine: {platform.node()} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()}"
    )
    print(
        f"command: python benchmarks/bench_build.py --raw-dir {args.raw_dir} --num-proc {args.num_proc}"
    )
    print(f"CAIL2018 records: {base_cail} → {cail_lines} (×{args.factor})")
    print()
    print("| input | --num-proc | seconds | items written |")
    print("|---|---|---|---|")
    for label, num_proc, secs, items in rows:
        print(f"| {label} | {num_proc} | {secs:.1f} | {items} |")
    base = {n: s for label, n, s, _ in rows if label == "full corpus"}
    big_t = {n: s for label, n, s, _ in rows if label != "full corpus"}
    for n in sorted(base):
        print(
            f"\nCAIL ×{args.factor} / full corpus time ratio at --num-proc {n}: {big_t[n] / base[n]:.2f}"
        )


if __name__ == "__main__":
    main()
