"""Group 3, ``summarization``: legal knowledge × summarisation and long text."""

from __future__ import annotations

from collections.abc import Iterator

from gci_bench.records import Record
from gci_bench.task_groups._parse import (
    answer_letters,
    cited_articles,
    split_lawbench_options,
    term_text,
)
from gci_bench.task_groups.base import TASKS, BuildContext, TaskSpec, producer, task
from gci_bench.task_groups.computation import cail_records

GROUP = "summarization"
MC_INSTRUCTION = "请运用法律知识回答以下选择题，给出正确选项的字母。"

task(
    TaskSpec(
        "case_summary",
        GROUP,
        "integrated",
        "text",
        "请用一段话概括下面的案件，必须写明罪名、适用的刑法条文和判处的刑罚。",
        "cail2018 facts; reference written from the record's labels",
        "Judgment summary that must state charge, article and sentence (ROUGE-L + element accuracy).",
    )
)
task(
    TaskSpec(
        "legal_news_summary",
        GROUP,
        "integrated",
        "text",
        "下面是一段法治新闻报道，请用一句话给出这段报道的摘要。",
        "lawbench/2-7.json (CAIL2022)",
        "One-sentence summaries of legal news.",
    )
)
task(
    TaskSpec(
        "counsel",
        GROUP,
        "integrated",
        "text",
        "请以律师的身份回答下面的法律咨询，并引用所依据的法律条文。",
        "lawyer_llama/legal_counsel_with_article_v2.json, lawyer_llama/zixun_gpt4.json",
        "Legal consultation answers that cite the governing articles (ROUGE-L + articles cited).",
    )
)
task(
    TaskSpec(
        "judicial_exam_mc",
        GROUP,
        "domain",
        "choice",
        MC_INSTRUCTION,
        "lawbench/1-2.json, lawbench/3-6.json (JEC-QA); disc_law_eval/objective/*.csv",
        "Judicial-exam multiple choice.",
    )
)
task(
    TaskSpec(
        "title_generation",
        GROUP,
        "general",
        "text",
        "请为下面的论文摘要生成一个标题。",
        "csl/ts_dev.tsv (train), csl/ts_test.tsv (test)",
        "CSL scientific title generation from abstracts.",
    )
)


@producer("case_summary")
def case_summary(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("case_summary")
    for split, rec in cail_records(ctx, "case_summary"):
        d = rec.data
        charges = "、".join(f"{c}罪" for c in d["charges"])
        articles = "、".join(f"第{a}条" for a in d["articles"])
        who = "、".join(d["criminals"]) if d.get("criminals") else "被告人"
        reference = f"被告人{who}的行为构成{charges}，依照《中华人民共和国刑法》{articles}的规定"
        gold: dict = {"reference": "", "charges": d["charges"], "articles": d["articles"]}
        if d["term_months"] > 0 or d["death_penalty"] or d["life_imprisonment"]:
            sentence = term_text(d["term_months"], d["death_penalty"], d["life_imprisonment"])
            reference += f"，判处{sentence}" + (f"，并处罚金{d['fine']}元。" if d["fine"] else "。")
            gold.update(
                term_months=d["term_months"],
                death_penalty=d["death_penalty"],
                life_imprisonment=d["life_imprisonment"],
            )
        else:
            # CAIL records no imprisonment (管制, 缓刑 or a fine only): no sentence element.
            reference += f"，判处罚金{d['fine']}元。" if d["fine"] else "。"
        gold["reference"] = reference
        yield ctx.item(spec, rec, split, d["fact"], reference, gold)


@producer("legal_news_summary")
def legal_news_summary(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("legal_news_summary")
    records = ctx.read("lawbench", "lawbench/2-7.json")
    for split, rec in ctx.cap_per_split(
        records, lambda r: ctx.hash_split(str(r.data["question"])), lambda r: r.where
    ):
        reference = str(rec.data["answer"]).strip()
        yield ctx.item(
            spec, rec, split, str(rec.data["question"]).strip(), reference, {"reference": reference}
        )


@producer("counsel")
def counsel(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("counsel")
    records = ctx.read("lawyer_llama", "lawyer_llama/legal_counsel_with_article_v2.json")
    records += ctx.read("lawyer_llama", "lawyer_llama/zixun_gpt4.json", required=False)
    seen: set[str] = set()
    unique = []
    for rec in records:
        query = str(rec.data["query"]).strip()
        if query in seen:
            continue
        seen.add(query)
        unique.append(rec)
    for split, rec in ctx.cap_per_split(
        unique, lambda r: ctx.hash_split(str(r.data["query"])), lambda r: r.where
    ):
        reference = str(rec.data["response"]).strip()
        # The articles a good answer must cite: those of the record's 'laws' that the reference
        # answer itself cites (a reference that cites none requires none).
        governing = cited_articles(
            "\n".join(str(x).split("：")[0] for x in rec.data.get("laws") or [])
        )
        cited = set(cited_articles(reference))
        articles = [a for a in governing if a in cited]
        gold: dict = {"reference": reference}
        if articles:
            gold["articles"] = articles
            gold["articles_law"] = None  # civil and labour law, not only 刑法
        yield ctx.item(spec, rec, split, str(rec.data["query"]).strip(), reference, gold)


@producer("judicial_exam_mc")
def judicial_exam_mc(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("judicial_exam_mc")
    usable = []
    for pattern in ("lawbench/1-2.json", "lawbench/3-6.json"):
        for rec in ctx.read("lawbench", pattern):
            parsed = split_lawbench_options(str(rec.data["question"]))
            letters = answer_letters(str(rec.data["answer"]))
            if parsed is None:
                ctx.report.drop(
                    rec.file, rec.line, "field 'question' has no 'A:…;B:…;C:…;D:…' options"
                )
                continue
            if letters is None:
                ctx.report.drop(
                    rec.file, rec.line, f"answer {rec.data['answer']!r} is not option letters"
                )
                continue
            usable.append((rec, parsed[0], parsed[1], letters))
    for rec in ctx.read("disc_law_mcq", "disc_law_eval/objective/*.csv"):
        usable.append((rec, rec.data["question"], rec.data["options"], rec.data["letters"]))
    for split, (rec, stem, options, letters) in ctx.cap_per_split(
        usable, lambda it: ctx.hash_split(it[1]), lambda it: it[0].where
    ):
        yield ctx.item(
            spec, rec, split, stem, "".join(letters), {"letters": letters}, choices=options
        )


@producer("title_generation")
def title_generation(ctx: BuildContext) -> Iterator[Record]:
    spec = TASKS.get("title_generation")
    records = [
        (rec, split)
        for pattern, split in (("csl/ts_dev.tsv", "train"), ("csl/ts_test.tsv", "test"))
        for rec in ctx.read("csl", pattern)
    ]
    for split, (rec, _) in ctx.cap_per_split(records, lambda it: it[1], lambda it: it[0].where):
        yield ctx.item(
            spec,
            rec,
            split,
            rec.data["abstract"],
            rec.data["title"],
            {"reference": rec.data["title"]},
        )
