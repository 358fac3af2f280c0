"""Each perturbation changes the one thing it names, skips texts it cannot apply to, and is
reproducible from its seed."""

import random

import pytest

from harness.challenge.perturb import (
    Pool,
    add_content,
    add_sentence,
    antonym,
    change_number,
    drop_final_punctuation,
    lowercase,
    nearby_number,
    negate,
    omit,
    repeat_word,
    shuffle_words,
    swap_entity,
    untranslated,
)
from harness.text.numbers import extract_numbers

SOURCE = "قال الوزير إن 45 شخصا أصيبوا في باريس يوم الاثنين."
GOOD = "The minister said that 45 people were injured in Paris on Monday."


def rng(seed: int = 1) -> random.Random:
    return random.Random(seed)


def test_number_changes_exactly_one_number_to_a_different_value():
    bad = change_number(GOOD, SOURCE, rng(), Pool())
    assert bad is not None
    assert extract_numbers(bad) != ["45"] and len(extract_numbers(bad)) == 1
    assert bad.replace(extract_numbers(bad)[0], "45") == GOOD


def test_number_keeps_thousands_commas_and_arabic_digits():
    bad = change_number("Some 1,250,000 voted.", "", rng(), Pool())
    assert bad is not None and "," in bad and extract_numbers(bad) != ["1250000"]
    arabic = change_number("أصيب ٤٥ شخصا", "", rng(), Pool())
    assert arabic is not None and any("٠" <= c <= "٩" for c in arabic)
    assert extract_numbers(arabic) != ["45"]


@pytest.mark.parametrize("value", ["2016", "7", "350", "3.5", "1250000"])
def test_nearby_number_is_different_and_plausible(value):
    for seed in range(20):
        new = nearby_number(value, rng(seed))
        assert new != value and float(new) > 0
        # a small count moves to another of 1-12, a year by 1-3, anything else by 15-60%
        assert 0.3 * float(value) - 6 <= float(new) <= 2 * float(value) + 12


def test_a_text_without_the_target_is_skipped():
    assert change_number("No digits here.", SOURCE, rng(), Pool()) is None
    assert antonym("Zebras graze.", SOURCE, rng(), Pool()) is None
    assert drop_final_punctuation("No final stop", SOURCE, rng(), Pool()) is None
    assert lowercase("already lower.", SOURCE, rng(), Pool()) is None
    assert swap_entity(GOOD, SOURCE, rng(), Pool()) is None  # no other name in the pool
    assert untranslated(GOOD, "no arabic here", rng(), Pool()) is None


def test_negation_added_after_an_auxiliary_and_removed_where_present():
    assert negate(GOOD, SOURCE, rng(), Pool()) == GOOD.replace("were", "were not")
    assert negate("He did not go home.", "", rng(), Pool()) == "He did go home."
    assert negate("It isn't over.", "", rng(), Pool()) == "It is over."
    assert negate("They have rats.", "", rng(), Pool()) is None  # "have" as a main verb


def test_arabic_negation_removed_or_added():
    assert negate("لم يحضر الوزير الاجتماع", "", rng(), Pool()) == "يحضر الوزير الاجتماع"
    assert negate("الوزير يحضر الاجتماع", "", rng(), Pool()) == "الوزير لا يحضر الاجتماع"


def test_name_swapped_for_one_of_the_same_type():
    pool = Pool(entities={"place": ["London", "Paris"], "name2": ["John Smith"]})
    assert swap_entity(GOOD, SOURCE, rng(), pool) == GOOD.replace("Paris", "London")


def test_antonym_omission_addition_and_form_changes():
    assert antonym("Prices rose sharply.", "", rng(), Pool()) == "Prices fell sharply."
    omitted = omit("He left, after a long talk with the board, for home.", "", rng(), Pool())
    assert omitted in ("He left, for home.", "He left, after a long talk with the board.")
    added = add_content(GOOD, SOURCE, rng(), Pool())
    assert added is not None and added.startswith(GOOD[:-1]) and added.endswith(".")
    assert len(added) > len(GOOD)
    shuffled = shuffle_words(GOOD, SOURCE, rng(), Pool())
    assert shuffled is not None and shuffled != GOOD
    assert sorted(shuffled[:-1].split()) == sorted(GOOD[:-1].split())
    repeated = repeat_word(GOOD, SOURCE, rng(), Pool())
    assert repeated is not None and len(repeated.split()) == len(GOOD.split()) + 1
    assert drop_final_punctuation(GOOD, SOURCE, rng(), Pool()) == GOOD[:-1]
    assert lowercase(GOOD, SOURCE, rng(), Pool()) == GOOD.lower()


def test_untranslated_copies_arabic_words_of_the_source():
    bad = untranslated(GOOD, SOURCE, rng(), Pool())
    assert bad is not None
    arabic_words = [w for w in bad.split() if any("\u0600" <= c <= "\u06ff" for c in w)]
    assert arabic_words and all(w.strip(".") in SOURCE for w in arabic_words)


def test_unsupported_sentence_comes_from_another_item():
    pool = Pool(sentences={"en": ["Another story entirely."], "ar": ["جملة أخرى."]})
    assert add_sentence("A summary.", "source", rng(), pool) == "A summary. Another story entirely."
    assert add_sentence("ملخص قصير.", "مصدر", rng(), pool) == "ملخص قصير. جملة أخرى."


def test_same_seed_same_pair_different_seed_may_differ():
    runs = {shuffle_words(GOOD, SOURCE, rng(7), Pool()) for _ in range(3)}
    assert len(runs) == 1
    assert len({shuffle_words(GOOD, SOURCE, rng(s), Pool()) for s in range(10)}) > 1
