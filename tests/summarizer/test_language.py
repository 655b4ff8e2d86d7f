"""Texts the English pipeline cannot brief get a clear error; English tables do not."""

from __future__ import annotations

import pytest

from summarizer.errors import SummarizeError
from summarizer.local.language import SAMPLE_CHARS, check_briefable, sample


@pytest.mark.parametrize("text", ["", "   \n\t ", "12 34 -- 56"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(SummarizeError, match="empty"):
        check_briefable(text)


def test_a_few_words_are_too_short() -> None:
    with pytest.raises(SummarizeError, match="too short"):
        check_briefable("Minister resigns over ferry deal.")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Die Hafenbehörde hat am Dienstag einen Versuch mit Nachtfähren genehmigt, nachdem Pendler "
            "und Hotelbesitzer monatelang Druck gemacht hatten. Die Stadt prüft die Ergebnisse im Frühjahr.",
            "German",
        ),
        (
            "Le conseil municipal a approuvé mardi un essai de ferries de nuit vers l'île, après des mois "
            "de pression des habitants et des hôteliers. La ville étudiera les résultats au printemps.",
            "French",
        ),
        (
            "El ayuntamiento aprobó el martes una prueba de ferris nocturnos a la isla, después de meses "
            "de presión de los vecinos y de los hoteleros. La ciudad revisará los resultados en primavera.",
            "Spanish",
        ),
    ],
)
def test_other_languages_are_named_in_the_error(text: str, language: str) -> None:
    with pytest.raises(SummarizeError, match=f"{language}.*only English"):
        check_briefable(text)


def test_other_scripts_are_refused() -> None:
    with pytest.raises(SummarizeError, match="only English"):
        check_briefable(
            "港口管理局周二批准了为期六个月的夜间渡轮试验 " * 5 + "и ещё немного текста на русском языке"
        )


def test_an_english_results_table_is_briefable() -> None:
    table = (
        "GLASGOW 2031-04-12\nResults of league matches on Saturday:\nDivision one\n"
        "Kelburn 2 Ardmore 1\nLochside 0 Rosemount 0\nBraehead 3 Carrick 2\n"
    )
    check_briefable(table)  # no error: few function words, but none of another language


def test_ordinary_english_passes() -> None:
    check_briefable("The council approved the plan on Tuesday after a long debate about the budget.")


def test_a_long_text_is_judged_on_stretches_from_its_start_to_its_end() -> None:
    english = "The harbour council met on Tuesday and approved the night ferry trial for the island. "
    german = "Die Hafenbehörde hat am Dienstag einen Versuch mit Nachtfähren für die Insel genehmigt. "
    long_english = "FIRSTWORD " + english * 3000 + "LASTWORD"
    stretches = sample(long_english)
    assert len(stretches) <= SAMPLE_CHARS + 10 * 100
    assert stretches.startswith("FIRSTWORD ")
    assert stretches.endswith("LASTWORD")
    assert all(word in long_english for word in stretches.split())  # whole words only
    check_briefable(long_english)
    with pytest.raises(SummarizeError, match="German"):
        check_briefable(german * 3000)
    with pytest.raises(SummarizeError, match="German"):  # English only at the top is not enough
        check_briefable(english * 20 + german * 3000)
    assert sample(english) == english
