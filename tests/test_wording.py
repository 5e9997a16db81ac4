"""Generated phrases: plurals agree, lists read as lists."""

from __future__ import annotations

import pytest

from levelup.wording import (
    count,
    counted,
    join_names,
    number_or_none,
    plural,
    plural_form,
    singular_form,
    without_repeated_acronym,
)


@pytest.mark.parametrize(
    ("noun", "expected"),
    [
        ("region", "regions"),
        ("authority", "authorities"),
        ("combined authority", "combined authorities"),
        ("local authority district", "local authority districts"),
        ("match", "matches"),
        ("day", "days"),
        ("has", "have"),
        ("is", "are"),
        ("Region", "Regions"),
    ],
)
def test_plural_form_follows_spelling_and_the_irregular_table(noun, expected):
    assert plural_form(noun) == expected


def test_plural_agrees_with_the_number():
    assert plural(1, "region") == "region"
    assert plural(0, "region") == "regions"
    assert plural(2, "region") == "regions"
    assert plural(1.5, "year") == "years"
    assert plural(1, "has") == "has" and plural(4, "has") == "have"
    assert plural(3, "index", "indices") == "indices"


def test_count_writes_number_and_noun():
    assert count(1, "region") == "1 region"
    assert count(9, "region") == "9 regions"
    assert count(0, "area") == "0 areas"
    assert count(1200, "area") == "1,200 areas"
    with pytest.raises(ValueError, match="whole number"):
        count(1.5, "region")


def test_join_names_reads_like_a_list():
    assert join_names(["London"]) == "London"
    assert join_names(["London", "the South East"]) == "London and the South East"
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert join_names(["A", "B", "A"]) == "A and B"
    assert join_names(("A", "B"), conjunction="or") == "A or B"


def test_join_names_refuses_an_empty_list():
    with pytest.raises(ValueError, match="at least one"):
        join_names([])
    with pytest.raises(ValueError, match="non-empty"):
        join_names(["London", ""])


def test_counted_takes_the_noun_in_the_plural():
    assert counted(1, "districts") == "1 district"
    assert counted(361, "districts") == "361 districts"
    assert counted(1, "upper-tier authorities") == "1 upper-tier authority"
    assert counted(1, "police force areas") == "1 police force area"
    assert counted(1, "ITL1 regions") == "1 ITL1 region"
    assert singular_form("matches") == "match"
    with pytest.raises(ValueError, match="regular plural"):
        singular_form("data")


def test_number_or_none_reads_zero_as_none():
    assert number_or_none(0) == "none"
    assert number_or_none(1) == "1" and number_or_none(1234) == "1,234"
    with pytest.raises(ValueError):
        number_or_none(-1)


def test_a_label_that_repeats_its_survey_reads_it_once():
    assert (
        without_repeated_acronym("CSEW total CSEW crime: % change") == "Total CSEW crime: % change"
    )
    assert (
        without_repeated_acronym("CSEW overall theft: % change") == "CSEW overall theft: % change"
    )
    assert without_repeated_acronym("Neighbourhood crime (CSEW)") == "Neighbourhood crime (CSEW)"
