"""Group 1, ``computation``: legal knowledge × arithmetic."""

from __future__ import annotations

from collections.abc import Iterator

from gci_bench.builders.statutes import load_statutes
from gci_bench.records import Record
from gci_bench.task_groups._parse import (
    answer_letters,
    lawbench_amount,
    plain_decimal,
    split_lexeval_options,
)
from gci_bench.task_groups.base import (
    TASKS,
    BuildContext,
    TaskSpec,
    producer,
    stable_fraction,
    task,
)

GROUP = "computation"
CALC_INSTRUCTION = "请根据中国法律计算，给出最终数值答案。"

task(
    TaskSpec(
        "crime_amount",
        GROUP,
        "integrated",
        "number",
        "请仔细阅读下面的裁判文书，计算其中涉及的犯罪总金额（单位：元），给出最终金额。",
        "lawbench/3-7.json (LAIC2021)",
        "Total criminal amount in a judgment: read the legal facts, decide what counts, add it up.",
    )
)
task(
    TaskSpec(
        "statute_calc",
        GROUP,
        "integrated",
        "number",
        CALC_INSTRUCTION,
        "generators over statutes/ (see gci_bench/builders/statute_calc)",
        "A generated case whose answer needs a statutory rule recalled and applied exactly.",
    )
)
task(
    TaskSpec(
        "legal_calc_mc",
        GROUP,
        "integrated",
        "choice",
        "请阅读以下选择题，给出正确选项的字母。",
        "lexeval/3_5.json",
        "LexEval legal calculation multiple choice.",
    )
)
task(
    TaskSpec(
        "statute_recall",
        GROUP,
        "domain",
        "number",
        CALC_INSTRUCTION,
        "generators over statutes/",
        "Domain twin of statute_calc: the rule as it applies to the case, trivial arithmetic.",
    )
)
task(
    TaskSpec(
        "article_prediction",
        GROUP,
        "domain",
        "articles",
        "根据下列案件事实，给出适用的《中华人民共和国刑法》条文编号（例如：刑法第264条）。",
        "cail2018/data_train.json, cail2018/data_test.json",
        "Relevant-article prediction from CAIL2018 facts (LawBench 3-1 style).",
    )
)
task(
    TaskSpec(
        "statute_given",
        GROUP,
        "general",
        "number",
        CALC_INSTRUCTION,
        "generators over statutes/",
        "General twin of statute_calc: the rule is quoted in the question, only arithmetic is left.",
    )
)
task(
    TaskSpec(
        "math_word",
        GROUP,
        "general",
        "number",
        "请解答下面的数学应用题，给出最终数值答案。",
        "cmath/cmath_dev.jsonl, ape210k/valid.ape.json (train), ape210k/test.ape.json (test)",
        "Chinese math word problems (CMATH, Ape210K) whose answer is a plain number.",
    )
)


@producer("crime_amount")
def crime_amount(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("crime_amount")
    usable = []
    for rec in ctx.read("lawbench", "lawbench/3-7.json"):
        amount = lawbench_amount(str(rec.data["answer"]))
        if amount is None:
            ctx.report.drop(
                rec.file, rec.line, f"answer {rec.data['answer']!r} has no amount in 元"
            )
            continue
        usable.append((rec, amount))
    for split, (rec, amount) in ctx.cap_per_split(
        usable, lambda it: ctx.hash_split(it[0].data["question"]), lambda it: it[0].where
    ):
        question = str(rec.data["question"]).removeprefix("文书:").strip()
        yield ctx.item(spec, rec, split, question, f"{amount}元", {"number": amount, "unit": "元"})


@producer("statute_calc", "statute_recall", "statute_given")
def statute_calc(ctx: BuildContext) -> Iterator[Record]:
    from gci_bench.builders.statute_calc import generate_splits

    statutes = load_statutes(ctx.raw_dir, ctx.report)
    ctx.used_files.update(ctx.files("statutes/**/*.md"))
    n = ctx.options.items_per_generator
    if ctx.options.max_per_task is not None:
        n = max(1, min(n, ctx.options.max_per_task))
    splits = generate_splits(statutes, n, n, ctx.options.seed)
    for split in ("train", "test"):
        yield from splits[split]


@producer("legal_calc_mc")
def legal_calc_mc(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("legal_calc_mc")
    yield from lexeval_choice(ctx, spec, ("lexeval/3_5.json",))


def lexeval_choice(
    ctx: BuildContext, spec: TaskSpec, patterns: tuple[str, ...]
) -> Iterator[Record]:
    """LexEval multiple choice → choice records (shared with the safety group)."""
    usable = []
    for pattern in patterns:
        for rec in ctx.read("lexeval", pattern):
            parsed = split_lexeval_options(str(rec.data["input"]))
            letters = answer_letters(str(rec.data["answer"]))
            if parsed is None:
                ctx.report.drop(rec.file, rec.line, "field 'input' has no 'A:' … option lines")
                continue
            if letters is None or any(ord(c) - 65 >= len(parsed[1]) for c in letters):
                ctx.report.drop(
                    rec.file, rec.line, f"answer {rec.data['answer']!r} is not option letters"
                )
                continue
            usable.append((rec, parsed, letters))
    for split, (rec, (stem, options), letters) in ctx.cap_per_split(
        usable, lambda it: ctx.hash_split(it[0].data["input"]), lambda it: it[0].where
    ):
        yield ctx.item(
            spec, rec, split, stem, "".join(letters), {"letters": letters}, choices=options
        )


@producer("article_prediction")
def article_prediction(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("article_prediction")
    for split, rec in cail_records(ctx, "article_prediction"):
        articles = rec.data["articles"]
        if not articles:
            ctx.report.drop(rec.file, rec.line, "field 'meta.relevant_articles' is empty")
            continue
        answer = "、".join(f"刑法第{a}条" for a in articles)
        yield ctx.item(spec, rec, split, rec.data["fact"], answer, {"articles": articles})


def cail_records(ctx: BuildContext, use: str, bucket: tuple[int, int] = (0, 1)):
    """CAIL2018 records with their split (data_train → train, data_test → test), capped.

    ``bucket=(k, n)`` keeps the records whose fact hashes to bucket ``k`` of ``n``, so that two
    tasks of one group never ask about the same fact.
    """
    records = [
        r
        for pattern in ("cail2018/data_train.json", "cail2018/data_test.json")
        for r in ctx.read("cail2018", pattern)
        if int(stable_fraction("bucket", r.data["fact"]) * bucket[1]) == bucket[0]
    ]
    return ctx.cap_per_split(
        records,
        lambda r: "test" if r.file.endswith("data_test.json") else "train",
        lambda r: f"{use}:{r.where}",
    )


@producer("math_word")
def math_word(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("math_word")
    usable = []
    sources = (
        ("cmath", "cmath/cmath_dev.jsonl", None),
        ("ape210k", "ape210k/valid.ape.json", "train"),
        ("ape210k", "ape210k/test.ape.json", "test"),
    )
    for fmt, pattern, fixed_split in sources:
        for rec in ctx.read(fmt, pattern):
            number = plain_decimal(rec.data["answer"])
            if number is None:
                ctx.report.drop(
                    rec.file,
                    rec.line,
                    f"answer {rec.data['answer']!r} is not a plain decimal number (fraction or expression)",
                )
                continue
            usable.append((rec, number, fixed_split or ctx.hash_split(rec.data["question"])))
    for split, (rec, number, _) in ctx.cap_per_split(
        usable, lambda it: it[2], lambda it: it[0].where
    ):
        yield ctx.item(
            spec, rec, split, rec.data["question"], number, {"number": number, "unit": ""}
        )
