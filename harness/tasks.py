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
from harness.records import Example, Task

__all__ = ["Example", "Task", "summarization_examples", "translation_examples"]


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
