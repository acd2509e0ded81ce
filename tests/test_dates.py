"""Relative and absolute dates resolved against the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from crosscheck.dates import resolve_date

WED = dt.date(2022, 2, 16)  # the founding article was published on Wednesday 16 Feb 2022


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Putin spoke on Tuesday.", dt.date(2022, 2, 15)),
        ("After his Tuesday talks in Moscow", dt.date(2022, 2, 15)),
        ("Stoltenberg said on Wednesday", dt.date(2022, 2, 16)),
        ("on Thursday the drills began", dt.date(2022, 2, 10)),
        ("last Wednesday", dt.date(2022, 2, 9)),
        ("yesterday", dt.date(2022, 2, 15)),
        ("the day before yesterday", dt.date(2022, 2, 14)),
        ("today", WED),
        ("last week", dt.date(2022, 2, 9)),
        ("In late December, Russia pulled back troops", dt.date(2021, 12, 25)),
        ("in early February", dt.date(2022, 2, 5)),
        ("in mid-January", dt.date(2022, 1, 15)),
        ("on 15 February", dt.date(2022, 2, 15)),
        ("February 15", dt.date(2022, 2, 15)),
        ("Feb. 14, 2021", dt.date(2021, 2, 14)),
        ("on 3rd of March 2021", dt.date(2021, 3, 3)),
        ("report of 2022-02-10", dt.date(2022, 2, 10)),
        ("in December 2021", dt.date(2021, 12, 1)),
    ],
)
def test_resolves_against_publication(text, expected):
    assert resolve_date(text, WED) == expected


def test_month_day_without_year_takes_the_nearest_year():
    assert resolve_date("On June 25, Putin will meet Lukashenko.", dt.date(2022, 6, 24)) == dt.date(2022, 6, 25)
    assert resolve_date("On December 30 he spoke.", dt.date(2022, 1, 3)) == dt.date(2021, 12, 30)


def test_no_date_or_ambiguous_words_give_none():
    assert resolve_date("Troops may march to the border.", WED) is None
    assert resolve_date("No date at all here.", WED) is None
    assert resolve_date("", WED) is None


def test_relative_dates_need_a_publication_date():
    assert resolve_date("on Tuesday", None) is None
    assert resolve_date("on 15 February 2022", None) == dt.date(2022, 2, 15)


def test_first_date_in_the_text_wins():
    assert resolve_date("On Tuesday he said the drills ended on 10 February", WED) == dt.date(2022, 2, 15)


def test_invalid_calendar_day_falls_back_to_the_month():
    assert resolve_date("on 31 February", WED) == dt.date(2022, 2, 1)
