"""The ``Date`` cell of an editor row, read: when the solution is (or will be) available.

Writers put a month, a quarter or a word there, in French and by hand: ``Septembre 2020``,
``Mi-Mai 2020``, ``T4 2023``, ``prévu T1 2024``, ``Disponible``. :func:`parse_editor_date` gives

* ``available``: the first day of the period the text names, as an ISO date (``YYYY-MM-01``,
  always the first of a month: a day written out is dropped, a quarter gives its first month),
  or None when the text names no date (``Disponible``, ``Oui``, ``✅``, ``en cours``);
* ``planned``: the text says the date is a plan (``prévu``, ``à venir``, ``bientôt``...), not
  the date it became available. It is read from the words only, never from today's date, so the
  same file always gives the same rows;
* ``until``: the first day of the period's last month (``T1 2024`` -> ``2024-03-01``), for the
  ``editor-date-past`` rule: a planned period is past once its last month is.

Pure functions on text: no framework, no clock. The forms are listed in the README
("Editor dates") and tested one by one in tests/test_editor_dates.py.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..ids import strip_accents

#: French month names and their usual abbreviations (accents stripped, lower case) -> month.
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7, "jul": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
#: Seasons and the school year's start, as writers date releases -> (first month, last month).
_SEASONS = {"printemps": (4, 6), "ete": (7, 9), "rentree": (9, 9), "automne": (10, 12)}
#: Ordinals of quarters and semesters, in figures or in words.
_ORDINALS = {"premier": 1, "deuxieme": 2, "second": 2, "seconde": 2, "troisieme": 3, "quatrieme": 4}

_YEAR = r"((?:19|20)\d{2})"
_SEP = r"\s*(?:de\s+|d'\s*|[-/.,]\s*)?"
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORDINAL = r"(\d|" + "|".join(_ORDINALS) + r")\s*(?:er|ere|re|nd|nde|e|eme|ieme)?"

_ISO = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_MONTH_YEAR = re.compile(r"\b(\d{1,2})[/.-](\d{4})\b")
_QUARTER = re.compile(r"\b[tq](\d)" + _SEP + _YEAR + r"\b|\b" + _YEAR + r"\s*[-/ ]?\s*[tq](\d)\b")
_QUARTER_WORDS = re.compile(r"\b" + _ORDINAL + r"\s+trimestre" + _SEP + _YEAR + r"\b")
_SEMESTER = re.compile(
    r"\bs(\d)" + _SEP + _YEAR + r"\b|\b" + _ORDINAL + r"\s+semestre" + _SEP + _YEAR + r"\b"
)
_NAMED_MONTH = re.compile(r"\b(" + _MONTH_NAME + r")\b\.?(?:.{0,24}?)\b" + _YEAR + r"\b")
_SEASON = re.compile(r"\b(" + "|".join(_SEASONS) + r")" + _SEP + _YEAR + r"\b")
_PART_OF_YEAR = re.compile(r"\b(debut|mi|milieu|fin)\b" + _SEP + _YEAR + r"\b")
_LONE_YEAR = re.compile(r"\b" + _YEAR + r"\b")

_PLANNED = re.compile(
    r"\b(?:prevu|prevue|prevus|prevues|planifie|planifiee|planifies|planifiees|a venir|en cours|"
    r"bientot|prochainement|en projet|en developpement|d'ici|attendu|attendue|envisage|envisagee)\b"
)
#: ``pas prévu``, ``non planifié``, ``aucune date prévue``: a plan denied is no plan.
_NOT_PLANNED = re.compile(r"\b(?:pas|non|aucune?(?:\s+\w+)?)\s+(?:encore\s+)?(?:prevu|planifie)")


class EditorDate(NamedTuple):
    #: ``YYYY-MM-01``, the first day of the period named, or None
    available: str | None
    #: the text says this is a plan
    planned: bool
    #: ``YYYY-MM-01``, the first day of the period's last month, or None
    until: str | None


class _Period(NamedTuple):
    year: int
    first: int  # month
    last: int  # month


def normalize(text: str) -> str:
    """Lower case, accents stripped, typographic apostrophes and spaces made plain."""
    text = strip_accents(text).lower().replace("\u2019", "'").replace("\u00a0", " ")
    return " ".join(text.split())


def _iso(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-01"


def _ordinal(value: str) -> int:
    return int(value) if value.isdigit() else _ORDINALS[value]


def _numeric(text: str) -> _Period | bool | None:
    """A date in figures (ISO, ``15/03/2021``, ``03/2021``); False when there is none, None when
    the one there is not a date (``15/13/2021``)."""
    if found := _ISO.search(text):
        year, month, day = int(found[1]), int(found[2]), int(found[3] or 1)
    elif found := _DAY_MONTH_YEAR.search(text):
        year, month, day = int(found[3]), int(found[2]), int(found[1])
    elif found := _MONTH_YEAR.search(text):
        year, month, day = int(found[2]), int(found[1]), 1
    else:
        return False
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2099):
        return None
    return _Period(year, month, month)


def _part(number: int, count: int, year: str) -> _Period | None:
    """Quarter (``count`` 4) or semester (``count`` 2) ``number`` of ``year``; None if out of range."""
    if not 1 <= number <= count:
        return None
    months = 12 // count
    return _Period(int(year), (number - 1) * months + 1, number * months)


def _quarter_or_semester(text: str) -> _Period | bool | None:
    if found := _QUARTER.search(text):
        number, year = (found[1], found[2]) if found[1] else (found[4], found[3])
        return _part(int(number), 4, year)
    if found := _QUARTER_WORDS.search(text):
        return _part(_ordinal(found[1]), 4, found[2])
    if found := _SEMESTER.search(text):
        number, year = (int(found[1]), found[2]) if found[1] else (_ordinal(found[3]), found[4])
        return _part(number, 2, year)
    return False


def _worded(text: str) -> _Period | None:
    """A month, a season or a part of a year in words, else a year alone."""
    if found := _NAMED_MONTH.search(text):
        month = _MONTHS[found[1]]
        return _Period(int(found[2]), month, month)
    if found := _SEASON.search(text):
        first, last = _SEASONS[found[1]]
        return _Period(int(found[2]), first, last)
    if found := _PART_OF_YEAR.search(text):
        first, last = {"debut": (1, 3), "fin": (10, 12)}.get(found[1], (7, 7))
        return _Period(int(found[2]), first, last)
    if found := _LONE_YEAR.search(text):
        return _Period(int(found[1]), 1, 12)
    return None


def period(text: str) -> _Period | None:
    """The period a normalized cell text names, or None (no date, or one that is not a date)."""
    for reader in (_numeric, _quarter_or_semester):
        found = reader(text)
        if found is not False:
            return found if isinstance(found, _Period) else None
    return _worded(text)


def is_planned(text: str) -> bool:
    """The normalized cell text says the date is planned (and does not deny it)."""
    return bool(_PLANNED.search(text)) and not _NOT_PLANNED.search(text)


def parse_editor_date(text: str | None) -> EditorDate:
    """``available``, ``planned`` and ``until`` of a Date cell's text (see the module's doc)."""
    if not text:
        return EditorDate(None, False, None)
    normalized = normalize(text)
    found = period(normalized)
    planned = is_planned(normalized)
    if found is None:
        return EditorDate(None, planned, None)
    return EditorDate(_iso(found.year, found.first), planned, _iso(found.year, found.last))
