"""Tasks turn articles into examples: what a system is given and what its output is scored
against.

- ``translation``: one example per segment with a reference (in a seed article: each Arabic
  title, bullet and paragraph; in a line-aligned test set: each line); the output is scored
  against the segment's English reference(s).
- ``summarization``: one example per article with summary bullets; the input is the body, the
  output is scored against the bullets joined with newlines (one bullet per line, which is what
  ROUGE-Lsum treats as sentences).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from harness.corpus.article import Article
from harness.corpus.references import References
from harness.errors import first_of
from harness.records import Example, Task

__all__ = [
    "Example",
    "Task",
    "english_summarization_examples",
    "summarization_examples",
    "translation_examples",
]


def translation_examples(
    corpus: str, articles: Iterable[Article], references: References
) -> Iterator[Example]:
    """Every segment that has a reference (loading checked that each Arabic one has)."""
    for article in articles:
        for segment in article.segments:
            refs = references.get((article.article_id, segment.segment_id))
            if refs is not None:
                yield Example(
                    corpus,
                    Task.TRANSLATION,
                    article.article_id,
                    segment.segment_id,
                    segment.text,
                    refs,
                )


def summarization_examples(corpus: str, articles: Iterable[Article]) -> Iterator[Example]:
    for article in articles:
        if article.bullets and article.paragraphs:
            yield Example(
                corpus,
                Task.SUMMARIZATION,
                article.article_id,
                None,
                article.body_text,
                (article.summary_text,),
            )


def english_summary_references(article: Article, references: References) -> str | None:
    """The English translations of an article's bullets, one per line (what an English
    summary is scored against); None unless every bullet has one."""
    lines = []
    for segment in article.bullets:
        refs = references.get((article.article_id, segment.segment_id))
        if not refs:
            return None
        lines.append(refs[0])
    return "\n".join(lines) if lines else None


def english_summarization_examples(
    corpus: str, articles: Iterable[Article], references: References | None
) -> tuple[list[Example], list[str]]:
    """English summaries of Arabic articles, and a warning per article left out because its
    bullets have no English references (nothing to score an English summary against)."""
    examples, skipped = [], []
    for article in articles:
        if not (article.bullets and article.paragraphs):
            continue
        summary = english_summary_references(article, references or {})
        if summary is None:
            skipped.append(article.article_id)
            continue
        examples.append(
            Example(
                corpus,
                Task.SUMMARIZATION_EN,
                article.article_id,
                None,
                article.body_text,
                (summary,),
            )
        )
    warnings = [
        f"{corpus}: {len(skipped)} article(s) without English references for their bullets "
        f"are not scored as English summaries: {first_of(skipped, 5)}"
    ] if skipped else []
    return examples, warnings
