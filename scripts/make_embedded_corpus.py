"""Cut the embedded default corpus (gci_bench/data/corpora) from a full corpus directory.

The sample keeps every file's original format and encoding (CAIL2018's train file stays
GB18030, byte for byte: whole lines are copied), so the embedded corpus exercises the same
builders as a full one. Each file keeps a prefix of its records (SafetyBench: a prefix of each
category, so every category is present), and the statutes are copied whole because the
generators quote them. A new MANIFEST.json records, per file, the original's hash and how the
sample was taken.

    python scripts/make_embedded_corpus.py ../shared/corpora gci_bench/data/corpora
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import shutil
from collections import defaultdict
from pathlib import Path

#: records kept per file (prefix); files not listed are copied whole.
KEEP: dict[str, int] = {
    "alpaca_zh/zh-data-part-00.json": 300,
    "ape210k/test.ape.json": 90,
    "ape210k/valid.ape.json": 90,
    "cail2018/data_train.json": 260,
    "cail2018/data_test.json": 220,
    "cmath/cmath_dev.jsonl": 80,
    "cmath/distractor.jsonl": 10,
    "csl/ts_dev.tsv": 80,
    "csl/ts_test.tsv": 80,
    "jade/jade_benchmark_easy_zh_v2.csv": 160,
    "jade/jade_benchmark_medium_zh_v2.csv": 160,
    "jade/jade_benchmark_zh_v1.csv": 40,
    "lawyer_llama/legal_counsel_with_article_v2.json": 90,
    "lawyer_llama/zixun_gpt4.json": 40,
    "safetybench/test_zh_subset.json": 40,  # per category
    "disc_law_eval/subjective/qa_short_answer.json": 20,
}
DEFAULT_KEEP = {"lawbench": 130, "lexeval": 130, "disc_law_eval/objective": 12}


def keep_for(rel: str) -> int | None:
    if rel in KEEP:
        return KEEP[rel]
    for prefix, n in DEFAULT_KEEP.items():
        if rel.startswith(prefix):
            return n
    return None


def sample_file(src: Path, dst: Path, rel: str, n: int) -> int:
    """Write the first ``n`` records of ``src`` to ``dst`` in the same format; return the count."""
    data = src.read_bytes()
    if rel.endswith((".jsonl", ".tsv")) or rel.startswith(("cail2018/", "lexeval/", "ape210k/")):
        lines = [ln for ln in data.split(b"\n") if ln.strip()][:n]
        dst.write_bytes(b"\n".join(lines) + b"\n")
        return len(lines)
    if rel.endswith(".csv"):
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerows(rows[: n + 1])
        bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
        dst.write_text(bom + buf.getvalue(), encoding="utf-8", newline="")
        return min(n, len(rows) - 1)
    items = json.loads(data.decode("utf-8"))
    indent = 1 if rel.startswith("safetybench/") else 2
    if rel == "safetybench/test_zh_subset.json":
        per: dict[str, int] = defaultdict(int)
        kept = []
        for it in items:
            if per[it["category"]] < n:
                per[it["category"]] += 1
                kept.append(it)
        items = kept
    else:
        items = items[:n]
    dst.write_text(json.dumps(items, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
    return len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("raw_dir", type=Path)
    ap.add_argument("out_dir", type=Path)
    args = ap.parse_args()
    manifest = json.loads((args.raw_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    if args.out_dir.exists():
        shutil.rmtree(args.out_dir)
    entries = []
    kept_ids: set[str] = set()
    for entry in manifest["files"]:
        rel = entry["path"]
        src, dst = args.raw_dir / rel, args.out_dir / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        n = keep_for(rel)
        if rel == "safetybench/test_answers_zh_subset.json":
            continue  # written after the questions, for the kept ids only
        if n is None:
            shutil.copyfile(src, dst)
            how = "copied whole"
            records = entry.get("records")
        else:
            records = sample_file(src, dst, rel, n)
            how = f"first {n} records" + (
                " of each category" if rel.startswith("safetybench/") else ""
            )
        if rel == "safetybench/test_zh_subset.json":
            kept_ids = {str(it["id"]) for it in json.loads(dst.read_text(encoding="utf-8"))}
        entries.append((entry, dst, how, records))
    ans_rel = "safetybench/test_answers_zh_subset.json"
    answers = json.loads((args.raw_dir / ans_rel).read_text(encoding="utf-8"))
    dst = args.out_dir / ans_rel
    dst.write_text(
        json.dumps(
            {k: v for k, v in answers.items() if k in kept_ids}, ensure_ascii=False, indent=1
        )
        + "\n",
        encoding="utf-8",
    )
    src_entry = next(e for e in manifest["files"] if e["path"] == ans_rel)
    entries.append((src_entry, dst, "answers of the kept questions", len(kept_ids)))
    files = []
    for entry, path, how, records in sorted(entries, key=lambda e: e[0]["path"]):
        out = {k: v for k, v in entry.items() if k not in ("sha256", "bytes", "records")}
        out.update(
            bytes=path.stat().st_size,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            records=records,
            sample=how,
            original_sha256=entry.get("sha256"),
            original_bytes=entry.get("bytes"),
        )
        files.append(out)
    note = (
        "Embedded default corpus of gci-bench: a sample of the full corpus, each file in its "
        "original format and encoding. Licences are those of the original sources."
    )
    (args.out_dir / "MANIFEST.json").write_text(
        json.dumps({"description": note, "files": files}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    total = sum(p.stat().st_size for p in args.out_dir.rglob("*") if p.is_file())
    print(f"{len(files)} files, {total / 1e6:.2f} MB in {args.out_dir}")


if __name__ == "__main__":
    main()
