"""Ratings files are untrusted: each bad row is refused in one message naming it; MQM
annotations become segment scores with mt-metrics-eval's weights."""

import pytest

from harness.errors import HarnessError
from harness.meta.ratings import mqm_penalty, read_ratings


def test_scores_in_csv_tsv_and_jsonl(tmp_path):
    (tmp_path / "r.csv").write_text("system,item,score\nA,1,70\nB,1,55.5\n")
    (tmp_path / "r.tsv").write_text("system\tseg_id\tscore\nA\t1\t70\n")
    (tmp_path / "r.jsonl").write_text('{"system": "A", "item_id": "1", "score": 70}\n')
    assert [(r.system, r.item, r.score) for r in read_ratings(tmp_path / "r.csv")] == [
        ("A", "1", 70.0),
        ("B", "1", 55.5),
    ]
    assert read_ratings(tmp_path / "r.tsv")[0].score == 70.0
    assert read_ratings(tmp_path / "r.jsonl")[0].item == "1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "system,item,score\nA,1,70\nA,1,71\n",
            "r.csv:3: duplicate rating of system 'A' item '1' (first at",
        ),
        ("system,item,score\nA,1,seventy\n", "r.csv:2: score 'seventy' is not a number"),
        ("system,item,score\nA,1,nan\n", "r.csv:2: score 'nan' is not a finite number"),
        ("system,item,score\nA,1\n", "r.csv:2: 3 columns expected"),
        ("system,score\nA,1\n", "r.csv:2: missing column 'item'"),
        ("system,item,score\n", "r.csv: no ratings in this file"),
    ],
)
def test_bad_rows_are_named(tmp_path, body, message):
    path = tmp_path / "r.csv"
    path.write_text(body)
    with pytest.raises(HarnessError) as caught:
        read_ratings(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_bad_jsonl_score_is_named(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"system": "A", "item": "1", "score": 1}\n{"system": "A", "item": "2", "score": true}\n'
    )
    with pytest.raises(HarnessError, match=r"r.jsonl:2: score True is not a number"):
        read_ratings(path)


MQM_HEADER = "system\tdoc\tdoc_id\tseg_id\trater\tsource\ttarget\tcategory\tseverity\n"


def test_mqm_annotations_to_segment_scores(tmp_path):
    rows = [
        ("sysA", "1", "rater1", "Accuracy/Mistranslation", "Major"),
        ("sysA", "1", "rater1", "Fluency/Punctuation", "Minor"),
        ("sysA", "1", "rater2", "No-error", "No-error"),
        ("sysA", "2", "rater1", "Non-translation!", "Major"),
        ("sysB", "1", "rater1", "Fluency/Grammar", "Minor"),
        ("sysB", "1", "rater1", "Style/Awkward", "Neutral"),
    ]
    text = MQM_HEADER + "".join(
        # an unbalanced quote: the layout is unquoted (QUOTE_NONE), as mt-metrics-eval reads it
        f'{s}\tdoc\t1\t{seg}\t{r}\tsrc "quoted\ttgt\t{c}\t{sev}\n'
        for s, seg, r, c, sev in rows
    )
    path = tmp_path / "mqm.tsv"
    path.write_text(text)
    scores = {(r.system, r.item): r.score for r in read_ratings(path)}
    # rater1: 5 + 0.1, rater2: 0; averaged over the two raters, negated
    assert scores == {
        ("sysA", "1"): pytest.approx(-2.55),
        ("sysA", "2"): -25.0,
        ("sysB", "1"): -1.0,
    }


def test_mqm_weights_and_unknown_severity(tmp_path):
    assert mqm_penalty("Major", "Non-translation!") == 25
    assert mqm_penalty("minor", "Fluency/Punctuation") == 0.1
    assert mqm_penalty("Minor", "Fluency/Spelling") == 1
    path = tmp_path / "mqm.tsv"
    path.write_text(MQM_HEADER + "A\td\t1\t1\tr\ts\tt\tAccuracy\tFatal\n")
    with pytest.raises(HarnessError, match=r"mqm.tsv:2: unknown MQM severity 'Fatal'"):
        read_ratings(path)
