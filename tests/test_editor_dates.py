"""The Date cell of editor rows read as ``available`` and ``planned`` (issue 16, point 6), and the
two rules that come with it: ``editor-date-past`` and ``editor-row-duplicate``."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content_api import parse_guide
from content_api.lint import editors as editor_rules
from content_api.parse.editor_dates import EditorDate, parse_editor_date

from .cases import FRONT_MATTER
from .conftest import SEED, corpus_files, needs_shared

#: Every form the parser knows: cell text -> (available, planned). The issue's forms first, then
#: the corpus's (every Date cell of ../shared/corpus/guides is here: see the test below).
FORMS: dict[str, tuple[str | None, bool]] = {
    # the issue's
    "Septembre 2020": ("2020-09-01", False),
    "Mi-Mai 2020": ("2020-05-01", False),
    "T4 2023": ("2023-10-01", False),
    "prévu T1 2024": ("2024-01-01", True),
    "Disponible": (None, False),
    # months: names, abbreviations, case, accents, qualifiers
    "septembre 2020": ("2020-09-01", False),
    "SEPTEMBRE 2020": ("2020-09-01", False),
    "sept. 2020": ("2020-09-01", False),
    "Sept 2020": ("2020-09-01", False),
    "janv. 2021": ("2021-01-01", False),
    "Février 2022": ("2022-02-01", False),
    "fevrier 2022": ("2022-02-01", False),
    "févr. 2022": ("2022-02-01", False),
    "Août 2021": ("2021-08-01", False),
    "aout 2021": ("2021-08-01", False),
    "Déc. 2019": ("2019-12-01", False),
    "decembre 2019": ("2019-12-01", False),
    "mi-mai 2020": ("2020-05-01", False),
    "Mi mai 2020": ("2020-05-01", False),
    "Début mars 2021": ("2021-03-01", False),
    "Fin juin 2021": ("2021-06-01", False),
    "courant avril 2022": ("2022-04-01", False),
    "juillet de 2022": ("2022-07-01", False),
    "1er juin 2021": ("2021-06-01", False),
    "Disponible depuis le 15 mars 2021": ("2021-03-01", False),
    "mars-avril 2024": ("2024-03-01", False),
    # quarters and semesters
    "T1 2024": ("2024-01-01", False),
    "t2 2024": ("2024-04-01", False),
    "T3-2024": ("2024-07-01", False),
    "T4/2024": ("2024-10-01", False),
    "2024 T3": ("2024-07-01", False),
    "Q1 2024": ("2024-01-01", False),
    "1er trimestre 2024": ("2024-01-01", False),
    "2e trimestre 2024": ("2024-04-01", False),
    "3ème trimestre 2024": ("2024-07-01", False),
    "quatrième trimestre 2024": ("2024-10-01", False),
    "premier trimestre de 2025": ("2025-01-01", False),
    "S1 2025": ("2025-01-01", False),
    "S2 2025": ("2025-07-01", False),
    "2nd semestre 2025": ("2025-07-01", False),
    # parts of a year, seasons, a year alone
    "Début 2024": ("2024-01-01", False),
    "mi-2024": ("2024-07-01", False),
    "Fin 2024": ("2024-10-01", False),
    "printemps 2023": ("2023-04-01", False),
    "été 2023": ("2023-07-01", False),
    "Rentrée 2023": ("2023-09-01", False),
    "automne 2023": ("2023-10-01", False),
    "2023": ("2023-01-01", False),
    "courant 2022": ("2022-01-01", False),
    # figures
    "03/2021": ("2021-03-01", False),
    "3/2021": ("2021-03-01", False),
    "15/03/2021": ("2021-03-01", False),
    "15.03.2021": ("2021-03-01", False),
    "2021-03": ("2021-03-01", False),
    "2021-03-15": ("2021-03-01", False),
    # planned
    "Prévu T1 2024": ("2024-01-01", True),
    "prevu t1 2024": ("2024-01-01", True),
    "Prévue pour octobre 2024": ("2024-10-01", True),
    "planifié au 3e trimestre 2025": ("2025-07-01", True),
    "prévu d'ici fin 2025": ("2025-10-01", True),
    "prévu d\u2019ici fin 2025": ("2025-10-01", True),
    "À venir": (None, True),
    "à venir (T2 2025)": ("2025-04-01", True),
    "En cours": (None, True),
    "en cours de développement": (None, True),
    "Bientôt": (None, True),
    "prochainement": (None, True),
    # no date, no plan
    "Oui": (None, False),
    "✅": (None, False),
    "Déjà disponible": (None, False),
    "Pas prévu": (None, False),
    "non planifié": (None, False),
    "aucune date prévue": (None, False),
    "xx": (None, False),
    "": (None, False),
    # not dates: nothing rather than a wrong date
    "T5 2024": (None, False),
    "15/13/2021": (None, False),
    "13/2021": (None, False),
    "2021-13": (None, False),
    "maintenant": (None, False),
    "version 12": (None, False),
}


@pytest.mark.parametrize(("text", "expected"), FORMS.items(), ids=list(FORMS))
def test_each_form(text: str, expected: tuple[str | None, bool]) -> None:
    found = parse_editor_date(text)
    assert (found.available, found.planned) == expected


def test_no_text_is_no_date() -> None:
    assert parse_editor_date(None) == EditorDate(None, False, None)


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("T1 2024", "2024-03-01"),
        ("S2 2025", "2025-12-01"),
        ("2023", "2023-12-01"),
        ("Fin 2024", "2024-12-01"),
        ("Début 2024", "2024-03-01"),
        ("Mi-Mai 2020", "2020-05-01"),
    ],
)
def test_the_period_ends_with_its_last_month(text: str, until: str) -> None:
    assert parse_editor_date(text).until == until


@needs_shared
def test_every_date_of_the_corpus_is_in_the_table() -> None:
    """A form the corpus gains is decided here (a date, or deliberately None), not left to chance."""
    seen = {
        row.date
        for path in [SEED, *corpus_files()]
        for row in parse_guide(path.read_text(encoding="utf-8"), path).editors
        if row.date is not None
    }
    assert seen >= {"Mi-Mai 2020", "Septembre 2020"}
    assert seen - FORMS.keys() == set()


def test_the_seed_rows_have_their_dates_read() -> None:
    guide = parse_guide(SEED.read_text(encoding="utf-8"), SEED)
    assert [(row.editor, row.date, row.available, row.planned) for row in guide.editors] == [
        ("Up", "Mi-Mai 2020", "2020-05-01", False),
        ("Arpège", "Septembre 2020", "2020-09-01", False),
    ]


@given(st.text(max_size=80))
def test_any_text_gives_a_valid_answer(text: str) -> None:
    found = parse_editor_date(text)
    assert isinstance(found.planned, bool)
    if found.available is None:
        assert found.until is None
    else:
        assert date.fromisoformat(found.available).day == 1
        assert found.until is not None and found.until >= found.available


@given(st.sampled_from(sorted(k for k, (v, _) in FORMS.items() if v)), st.text(alphabet=" ()*", max_size=4))
def test_a_date_survives_padding(text: str, padding: str) -> None:
    assert parse_editor_date(padding + text + padding).available == FORMS[text][0]


# --- the rules -----------------------------------------------------------------------------------

TABLE = "| Éditeur | Solution | Date |\n| --- | --- | --- |\n"


def diagnostics(body: str, code: str) -> list[tuple[int, int, str]]:
    guide = parse_guide(FRONT_MATTER + body, "rows.md")
    return [(d.line, d.column, d.message) for d in guide.diagnostics if d.code == code]


@pytest.fixture
def november_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(editor_rules, "today", lambda: date(2026, 11, 30))


@pytest.mark.usefixtures("november_2026")
def test_a_planned_date_gone_by_is_reported_on_its_row() -> None:
    body = TABLE + "| Up | A | prévu T1 2020 |\n| Arpège | B | prévu T4 2026 |\n"
    body += "| NFI | C | prévu octobre 2026 |\n"
    found = diagnostics(body, "editor-date-past")
    assert [(line, column) for line, column, _ in found] == [(6, 1), (8, 1)]
    assert "prévu T1 2020" in found[0][2] and "Up" in found[0][2]


@pytest.mark.usefixtures("november_2026")
def test_a_past_date_not_planned_and_a_plan_without_date_are_not_reported() -> None:
    body = TABLE + "| Up | A | T1 2020 |\n| Arpège | B | à venir |\n| NFI | C | prévu décembre 2026 |\n"
    assert diagnostics(body, "editor-date-past") == []


def test_the_clock_decides_what_is_past(monkeypatch: pytest.MonkeyPatch) -> None:
    body = TABLE + "| Up | A | prévu T1 2024 |\n"
    monkeypatch.setattr(editor_rules, "today", lambda: date(2024, 3, 31))
    assert diagnostics(body, "editor-date-past") == []
    monkeypatch.setattr(editor_rules, "today", lambda: date(2024, 4, 1))
    assert len(diagnostics(body, "editor-date-past")) == 1


def test_a_row_repeated_in_its_table_is_reported_at_the_repeat() -> None:
    body = TABLE + "| Up | Millesime | 2020 |\n| Arpège | Sonate | 2020 |\n| UP  | millésime | 2021 |\n"
    found = diagnostics(body, "editor-row-duplicate")
    assert [(line, column) for line, column, _ in found] == [(8, 1)]
    assert "line 6" in found[0][2]


def test_the_same_editor_with_another_solution_or_in_another_table_is_not_a_repeat() -> None:
    first = TABLE + "| Up | Millesime | 2020 |\n| Up | Autre | 2020 |\n"
    body = first + "\nTexte\n\n" + TABLE + "| Up | Millesime | 2020 |\n"
    assert diagnostics(body, "editor-row-duplicate") == []
