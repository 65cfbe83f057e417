"""Hostile content: every bad file is reported with its file and line, every good guide is served,
nothing outside the content folder is read, and the load stays bounded in time and memory.

The hostile corpus is made here, by the test, in a temporary folder. The load runs in a child
process capped at 2 GiB of address space (a runaway allocation fails it) and under pytest-timeout
(a runaway loop fails it): bounds, not timings.
"""

from __future__ import annotations

import codecs
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SEED

GOOD = "---\ntitle: Bon guide {n}\ntags: [t]\n---\n\nUn paragraphe **sain** numéro {n}.\n"


def hostile_folder(folder: Path, outside: Path) -> dict[str, str]:
    """Write the hostile corpus; return file name -> the diagnostic code it must get."""
    expected: dict[str, str] = {}

    def write(name: str, data: bytes | str, code: str | None = None) -> None:
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        if code:
            expected[name] = code

    for n in range(5):
        write(f"bon-{n}.md", GOOD.format(n=n))
    write("ccas.md", SEED.read_bytes())
    write("binaire.md", bytes(range(256)) * 40, "file-binary")
    write("latin1.md", "---\ntitle: Été\n---\n\nCafé crème\n".encode("latin-1"), "encoding-invalid")
    write(
        "utf16.md",
        codecs.BOM_UTF16_LE + "---\ntitle: UTF-16\n---\n\nTexte\n".encode("utf-16-le"),
        "encoding-utf16",
    )
    write("enorme.md", "---\ntitle: Énorme\n---\n\n" + ("mot " * 1_300_000), "file-too-large")  # 5 MB
    write(
        "listes.md", "---\ntitle: Listes\n---\n\n" + "- " * 10_000 + "fond des listes\n", "nesting-too-deep"
    )
    write(
        "citations.md",
        "---\ntitle: Citations\n---\n\n" + "> " * 10_000 + "fond des citations\n",
        "nesting-too-deep",
    )
    write(
        "composants.md",
        "---\ntitle: Composants\n---\n\n" + "<Grid>\n" * 10_000 + "fond\n" + "</Grid>\n" * 10_000,
        "nesting-too-deep",
    )
    write("ligne.md", "---\ntitle: Ligne\n---\n\n" + "<Button href='/a'>b</Button> " * 1000 + "\n")
    laughs = ["---", "title: Rires", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        previous, current = chr(ord("a") + level - 1), chr(ord("a") + level)
        laughs.append(f"{current}: &{current} [" + ",".join([f"*{previous}"] * 9) + "]")
    write("rires.md", "\n".join(laughs) + "\n---\n\nTexte\n", "yaml-too-large")
    write(
        "python.md",
        "---\ntitle: P\nx: !!python/object/apply:os.system ['touch /tmp/pwned']\n---\nT\n",
        "yaml-invalid",
    )
    write("liste.md", "---\n- un\n- deux\n---\n\nTexte\n", "title-missing")
    write("doublons.md", "---\ntitle: A\ntitle: B\n---\n\nTexte\n", "yaml-duplicate-key")
    write("vide.md", "", "title-missing")
    write("Majuscules.md", GOOD.format(n="M"))
    write("avec espaces.md", GOOD.format(n="E"), "slug-invalid")
    write("..points.md", GOOD.format(n="P"), "slug-invalid")
    write("%2e%2e%2fx.md", GOOD.format(n="X"), "slug-invalid")
    secret = outside / "secret.md"
    secret.write_text("---\ntitle: SECRET OUTSIDE\n---\n\nSECRET\n", encoding="utf-8")
    (folder / "fuite.md").symlink_to(secret)
    expected["fuite.md"] = "file-outside"
    (folder / "boucle.md").symlink_to(folder / "boucle.md")
    expected["boucle.md"] = "file-unreadable"
    (folder / "dossier.md").mkdir()
    expected["dossier.md"] = "file-unreadable"
    return expected


LOAD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from content_api.library import load_library
library = load_library(sys.argv[1])
print(json.dumps({
    "served": sorted(library.guides),
    "diagnostics": [[d.file, d.line, d.column, d.code] for d in library.diagnostics],
    "texts": {slug: library.texts.get(slug, "") for slug in library.guides},
}))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, object]]:
    folder = tmp_path_factory.mktemp("hostile")
    outside = tmp_path_factory.mktemp("outside")
    expected = hostile_folder(folder, outside)
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=170
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return expected, json.loads(result.stdout)


def test_every_good_guide_is_served(loaded: tuple[dict[str, str], dict[str, object]]) -> None:
    _, report = loaded
    served = set(report["served"])  # type: ignore[arg-type]
    assert {"bon-0", "bon-1", "bon-2", "bon-3", "bon-4", "ccas", "majuscules", "ligne"} <= served
    # the deep ones are served, their deep text kept as text
    assert {"listes", "citations", "composants"} <= served
    assert "fond des listes" in report["texts"]["listes"]  # type: ignore[index]
    assert "fond des citations" in report["texts"]["citations"]  # type: ignore[index]


def test_every_bad_file_has_its_diagnostic(loaded: tuple[dict[str, str], dict[str, object]]) -> None:
    expected, report = loaded
    found: dict[str, set[str]] = {}
    for file, line, column, code in report["diagnostics"]:  # type: ignore[union-attr]
        assert line >= 1 and column >= 1
        found.setdefault(Path(file).name, set()).add(code)
    for name, code in expected.items():
        assert code in found.get(name, set()), f"{name}: {found.get(name)} lacks {code}"


def test_nothing_outside_the_folder_is_read(loaded: tuple[dict[str, str], dict[str, object]]) -> None:
    _, report = loaded
    assert "SECRET" not in json.dumps(report)
    assert not Path("/tmp/pwned").exists()


def test_ten_thousand_guides_in_one_folder(tmp_path: Path) -> None:
    for n in range(10_000):
        (tmp_path / f"g{n:05d}.md").write_text(GOOD.format(n=n), encoding="utf-8")
    (tmp_path / "casse.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=170
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert len(report["served"]) == 10_000
    assert [d[3] for d in report["diagnostics"]] == ["yaml-invalid"]


def test_limits_are_settings(tmp_path: Path) -> None:
    (tmp_path / "moyen.md").write_text("---\ntitle: M\n---\n\n" + "x" * 3000 + "\n> > > > > profond\n")
    env = {**os.environ, "MAX_FILE_SIZE": "1000", "MAX_NESTING": "3"}
    tight = subprocess.run(
        [sys.executable, "-m", "content_api", "check", str(tmp_path), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert [d["code"] for d in json.loads(tight.stdout)["diagnostics"]] == ["file-too-large"]
    loose = subprocess.run(
        [sys.executable, "-m", "content_api", "check", str(tmp_path), "--format", "json",
         "--max-file-size", "5000"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert [d["code"] for d in json.loads(loose.stdout)["diagnostics"]] == ["nesting-too-deep"]


def test_the_memory_cap_of_these_tests_is_real() -> None:
    """The child's RLIMIT_AS makes a runaway allocation fail (so the bound above means something)."""
    result = subprocess.run(
        [sys.executable, "-c", "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30));"
         "x = bytearray(3 << 30)"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "MemoryError" in result.stderr
    assert resource.RLIM_INFINITY != 0
