"""The scorer hands each example's source to metrics that read it (numbers, xsim, ...)."""

from __future__ import annotations

from harness.metrics import make_metric
from harness.records import Example, Generation, Status, Task
from harness.run.scoring import score_system


def _generation(source: str, output: str, reference: str) -> Generation:
    example = Example("c", Task.TRANSLATION, "a", "s", source, (reference,))
    return Generation("sys", example, output, Status.GENERATED)


def test_score_system_passes_sources_to_source_metrics() -> None:
    generations = [
        _generation("قتل ٤٥ شخصا", "45 people were killed", "45 people were killed"),
        _generation("قتل ١٢ شخصا", "13 people were killed", "12 people were killed"),
    ]
    results = {
        r.metric: r for r in score_system(generations, [make_metric("numbers"), make_metric("chrf")])
    }
    assert results["numbers"].stats == [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    assert results["numbers"].score == 50.0
    assert results["chrf"].n == 2  # metrics without sources are scored as before
