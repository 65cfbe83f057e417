"""load_library: every *.md of a folder, one bad file never stops the others."""

from __future__ import annotations

import os
from pathlib import Path

from content_api import load_library

from .conftest import write

GOOD = "---\ntitle: {title}\ntags: [t]\napi: [API Particulier]\n{extra}---\n\nTexte de {title}.\n"


def good(title: str, extra: str = "") -> str:
    return GOOD.format(title=title, extra=extra)


def codes_by_file(library) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for d in library.diagnostics:
        out.setdefault(Path(d.file).name, []).append(d.code)
    return out


def test_bad_files_are_reported_and_the_good_ones_served(tmp_path: Path) -> None:
    write(tmp_path, "ok.md", good("OK"))
    write(tmp_path, "broken.md", "---\ntitle: [\n---\n")
    write(tmp_path, "empty.md", "")
    write(tmp_path, "binary.md", b"\x00\x01\x02")
    write(tmp_path, "bad slug!.md", good("Bad"))
    write(tmp_path, "notes.txt", "not a guide")
    library = load_library(tmp_path)
    assert list(library.guides) == ["ok"]
    assert codes_by_file(library) == {
        "bad slug!.md": ["slug-invalid"],
        "binary.md": ["file-binary"],
        "broken.md": ["yaml-invalid"],
        "empty.md": ["title-missing"],
    }
    assert len(library.files) == 5 and library.errors == 4


def test_duplicate_slugs(tmp_path: Path) -> None:
    write(tmp_path, "Guide.md", good("Majuscule"))
    write(tmp_path, "guide.md", good("Minuscule"))
    library = load_library(tmp_path)
    assert library.guides["guide"].title == "Minuscule"
    (d,) = library.diagnostics
    assert (Path(d.file or "").name, d.code, d.severity) == ("Guide.md", "slug-duplicate", "error")


def test_related_missing_is_a_warning_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "a.md", good("A", "related_guides:\n  - b\n  - ghost\n"))
    write(tmp_path, "b.md", good("B"))
    library = load_library(tmp_path)
    (d,) = library.diagnostics
    assert (Path(d.file or "").name, d.line, d.code, d.severity) == ("a.md", 7, "related-missing", "warning")
    assert set(library.guides) == {"a", "b"}


def test_symlink_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    secret = write(tmp_path, "secret.md", good("Secret"))
    os.symlink(secret, content / "leak.md")
    write(content, "ok.md", good("OK"))
    library = load_library(content)
    assert list(library.guides) == ["ok"]
    assert [(Path(d.file or "").name, d.code) for d in library.diagnostics] == [("leak.md", "file-outside")]


def test_too_large_files_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "big.md", good("Big") + "x" * 2000)
    write(tmp_path, "small.md", good("Small"))
    library = load_library(tmp_path, max_file_size=1000)
    assert list(library.guides) == ["small"]
    assert [d.code for d in library.diagnostics] == ["file-too-large"]


def test_diagnostics_sorted_by_file_then_line(tmp_path: Path) -> None:
    write(tmp_path, "b.md", "---\ntitle: B\n---\n<Inconnu />\n\n<Autre />\n")
    write(tmp_path, "a.md", "---\ntitle: A\n---\n\n\n<Zzz />\n")
    library = load_library(tmp_path)
    keys = [(Path(d.file or "").name, d.line) for d in library.diagnostics]
    assert keys == [("a.md", 6), ("b.md", 4), ("b.md", 6)]


def test_indexes_editors_and_hash(tmp_path: Path) -> None:
    table = "| Éditeur | Solution |\n| --- | --- |\n| Up | Millesime |\n"
    write(tmp_path, "a.md", good("A") + "\n" + table)
    write(tmp_path, "b.md", good("B"))
    library = load_library(tmp_path)
    assert [
        (slug, [t.slug for t in g.tags], [a.slug for a in g.apis]) for slug, g in library.guides.items()
    ] == [
        ("a", ["t"], ["particulier"]),
        ("b", ["t"], ["particulier"]),
    ]
    assert [(e.editor, e.guide) for e in library.editors] == [("Up", "a")]
    again = load_library(tmp_path)
    assert again.content_hash == library.content_hash and len(library.content_hash) == 64
    write(tmp_path, "b.md", good("B2"))
    assert load_library(tmp_path).content_hash != library.content_hash


def test_updated_falls_back_to_the_modification_time(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", good("A"))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    write(tmp_path, "b.md", good("B", "updated: 2024-01-02\n"))
    library = load_library(tmp_path)
    assert library.guides["a"].updated == "2023-11-14T22:13:20+00:00"
    assert library.guides["b"].updated == "2024-01-02"


def test_missing_folder_is_a_diagnostic(tmp_path: Path) -> None:
    library = load_library(tmp_path / "nope")
    assert library.guides == {} and [d.code for d in library.diagnostics] == ["folder-unreadable"]


def test_a_script_without_main_guard_still_loads(tmp_path: Path) -> None:
    """Spawned processes import an unguarded script again and die: the load goes on, on one core."""
    import subprocess
    import sys

    content = tmp_path / "content"
    content.mkdir()
    for i in range(450):  # over parallel.MIN_ITEMS: the load uses processes
        (content / f"g{i}.md").write_text(f"---\ntitle: Guide {i}\n---\nTexte {i}.\n", encoding="utf-8")
    script = tmp_path / "script.py"
    script.write_text(
        f"from content_api import load_library\nprint(len(load_library({str(content)!r}).guides))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "LOAD_PROCESSES": "2"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == "450"
    assert "working on one core" in result.stderr
