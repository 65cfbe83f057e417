"""Front matter: python-frontmatter + libyaml, with file line numbers and no exception."""

from __future__ import annotations

import pytest

from content_api import model as m
from content_api import parse_guide


def diag(guide: m.Guide) -> list[tuple[int, str, str]]:
    return [(d.line, d.severity, d.code) for d in guide.diagnostics]


def test_bom_and_crlf() -> None:
    text = "\ufeff---\r\ntitle: Bonjour\r\npublish: true\r\n---\r\n\r\n## Titre\r\n\r\nTexte\r\n"
    guide = parse_guide(text.encode("utf-8"), "g.md")
    assert guide.title == "Bonjour" and guide.publish is True
    assert diag(guide) == []
    heading = guide.body.children[0]
    assert isinstance(heading, m.Heading) and heading.position is not None
    assert heading.position.start.line == 6


def test_utf16_with_bom_is_read_with_a_warning() -> None:
    guide = parse_guide("---\ntitle: Été\n---\nTexte\n".encode("utf-16"), "g.md")
    assert guide.title == "Été"
    assert diag(guide) == [(1, "warning", "encoding-utf16")]


def test_invalid_utf8_is_replaced_and_located() -> None:
    data = b"---\ntitle: T\n---\nligne\ncaf\xe9 noir\n"
    guide = parse_guide(data, "g.md")
    (d,) = guide.diagnostics
    assert (d.line, d.column, d.code) == (5, 4, "encoding-invalid")
    assert "caf\ufffd noir" in guide.body.children[0].children[0].value  # type: ignore[union-attr]


def test_binary_file_is_an_error() -> None:
    guide = parse_guide(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.md")
    assert not guide.ok and ("file-binary" in {d.code for d in guide.diagnostics})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tags: cas usage, api particulier, CCAS", ["cas-usage", "api-particulier", "ccas"]),
        ("tags:\n  - Portail famille\n  - portail-famille\n  - Écoles", ["portail-famille", "ecoles"]),
        ("tags: [a, b]", ["a", "b"]),
        ("tags:", []),
    ],
)
def test_tags_as_string_or_list(value: str, expected: list[str]) -> None:
    guide = parse_guide(f"---\ntitle: T\n{value}\n---\n", "g.md")
    assert [t.slug for t in guide.tags] == expected


def test_first_label_is_kept_for_a_tag() -> None:
    guide = parse_guide("---\ntitle: T\ntags: [Portail famille, portail-famille]\n---\n", "g.md")
    assert [(t.slug, t.label) for t in guide.tags] == [("portail-famille", "Portail famille")]


def test_api_names_and_slugs() -> None:
    guide = parse_guide(
        "---\ntitle: T\napi:\n  - API Particulier\n  - api-entreprise\n  - Sirene\n---\n", "g.md"
    )
    assert [(a.slug, a.name) for a in guide.apis] == [
        ("particulier", "API Particulier"),
        ("entreprise", "api-entreprise"),
        ("sirene", "Sirene"),
    ]


def test_booleans_with_trailing_comments() -> None:
    guide = parse_guide("---\ntitle: T\nnoindex: true # hidden\npublish: false # draft\n---\n", "g.md")
    assert guide.noindex is True and guide.publish is False and guide.diagnostics == []


def test_boolean_as_text_is_read_with_a_warning() -> None:
    guide = parse_guide("---\ntitle: T\npublish: 'oui'\nnoindex: peut-être\n---\n", "g.md")
    assert guide.publish is True and guide.noindex is False
    assert diag(guide) == [(3, "warning", "front-matter-type"), (4, "warning", "front-matter-type")]


def test_invalid_yaml_is_an_error_at_its_line() -> None:
    text = "---\ntitle: T\ntagline: [non fermé\nimage: a.png\n---\n\nLe corps reste lu.\n"
    guide = parse_guide(text, "g.md")
    assert not guide.ok
    (d,) = guide.diagnostics
    assert d.code == "yaml-invalid" and d.line in (3, 4) and d.file == "g.md"
    assert guide.body.children[0].position.start.line == 7  # type: ignore[union-attr]


def test_yaml_error_line_counts_from_the_top_of_the_file() -> None:
    text = "---\ntitle: T\ntags: a\nbad: : :\n---\n"
    (d,) = parse_guide(text, "g.md").diagnostics
    assert (d.line, d.code) == (4, "yaml-invalid")


def test_thematic_break_start_keeps_its_text() -> None:
    text = "---\n\nUn paragraphe *important*.\n\n---\n\nLa suite.\n"
    guide = parse_guide(text, "g.md")
    assert [type(n).__name__ for n in guide.body.children] == [
        "ThematicBreak",
        "Paragraph",
        "ThematicBreak",
        "Paragraph",
    ]
    assert guide.body.children[0].position.start.line == 1  # type: ignore[union-attr]
    assert [d.code for d in guide.diagnostics] == ["title-missing"]


def test_a_list_is_not_front_matter() -> None:
    guide = parse_guide("---\n- a\n- b\n---\nTexte\n", "g.md")
    assert guide.title is None and not guide.ok
    assert isinstance(guide.body.children[0], m.ThematicBreak)
    assert any(isinstance(n, m.List) for n in guide.body.children)


def test_unclosed_front_matter() -> None:
    guide = parse_guide("---\ntitle: T\n\nTexte\n", "g.md")
    assert [d.code for d in guide.diagnostics] == ["front-matter-unclosed", "title-missing"]
    assert "Texte" in [
        getattr(c, "value", None) for n in guide.body.children for c in getattr(n, "children", [])
    ]


def test_no_front_matter_at_all() -> None:
    guide = parse_guide("## Titre\n\nTexte\n", "g.md")
    assert [d.code for d in guide.diagnostics] == ["title-missing"]
    assert guide.body.children[0].position.start.line == 1  # type: ignore[union-attr]


def test_unknown_keys_go_to_extra_and_dates_become_iso() -> None:
    text = "---\ntitle: T\nauthor: Équipe\nupdated: 2024-03-01\nmeta:\n  when: 2023-01-02\n  n: 3\n---\n"
    guide = parse_guide(text, "g.md")
    assert guide.extra == {"author": "Équipe", "meta": {"when": "2023-01-02", "n": 3}}
    assert guide.updated == "2024-03-01"


def test_date_gives_updated() -> None:
    guide = parse_guide("---\ntitle: T\ndate: 2022-05-06\n---\n", "g.md")
    assert guide.updated == "2022-05-06" and guide.extra["date"] == "2022-05-06"


def test_yaml_11_quirks_are_kept_as_written() -> None:
    text = "---\ntitle: 1.10\nno: non\non: 3\nvalid: yes\n---\n"
    guide = parse_guide(text, "g.md")
    assert guide.title == "1.10"  # not the float 1.1
    assert guide.extra == {"no": "non", "on": 3, "valid": True}  # keys as written, not booleans


def test_duplicate_keys_are_reported() -> None:
    guide = parse_guide("---\ntitle: A\ntitle: B\n---\n", "g.md")
    assert guide.title == "B"
    assert diag(guide) == [(3, "warning", "yaml-duplicate-key")]


def test_python_tags_are_refused() -> None:
    guide = parse_guide("---\ntitle: T\nx: !!python/object/apply:os.system ['echo hi']\n---\n", "g.md")
    assert not guide.ok and [d.code for d in guide.diagnostics] == ["yaml-invalid"]
    assert guide.diagnostics[0].line == 3


def test_alias_bomb_is_refused() -> None:
    lines = ["---", "title: T", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 9):
        previous = chr(ord("a") + level - 1)
        current = chr(ord("a") + level)
        lines.append(f"{current}: &{current} [" + ",".join([f"*{previous}"] * 10) + "]")
    lines.append("---")
    guide = parse_guide("\n".join(lines) + "\n", "bomb.md")
    assert [d.code for d in guide.diagnostics] == ["yaml-too-large"]
    assert guide.extra == {}


def test_missing_or_empty_title() -> None:
    assert [d.code for d in parse_guide("---\ntagline: x\n---\n", "g.md").diagnostics] == ["title-missing"]
    assert [d.code for d in parse_guide("---\ntitle: ''\n---\n", "g.md").diagnostics] == ["title-missing"]
    assert [d.code for d in parse_guide("---\n---\n", "g.md").diagnostics] == ["title-missing"]


def test_related_guides() -> None:
    guide = parse_guide(
        "---\ntitle: T\nrelated_guides:\n  - ccas\n  - /guides/Portail-Famille\n  - 'é!'\n---\n"
    )
    assert guide.related == ["ccas", "portail-famille"]
    assert [d.code for d in guide.diagnostics] == ["related-invalid"]


def test_unsafe_image_is_removed() -> None:
    guide = parse_guide("---\ntitle: T\nimage: 'javascript:alert(1)'\n---\n", "g.md")
    assert guide.image is None and diag(guide) == [(3, "warning", "url-unsafe")]


def test_slug_comes_from_the_file_name() -> None:
    assert parse_guide("---\ntitle: T\n---\n", "content/Mon-Guide.md").slug == "mon-guide"
    assert parse_guide("---\ntitle: T\n---\n").slug is None
