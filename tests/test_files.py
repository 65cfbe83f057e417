"""read_file: a content file's bytes, read in one allocation of its size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from content_api import files
from content_api.files import read_file


def _read(path: Path, max_size: int = 1_000) -> tuple[bytes | None, list[str]]:
    data, found, _ = read_file(str(path), path.name, path.parent, max_size, False)
    return data, [d.code for d in found]


def test_a_file_is_read_whole_up_to_the_limit(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "full.md").write_bytes(b"x" * 1_000)
    (tmp_path / "over.md").write_bytes(b"x" * 1_001)
    assert _read(tmp_path / "empty.md") == (b"", [])
    assert _read(tmp_path / "full.md") == (b"x" * 1_000, [])
    assert _read(tmp_path / "over.md") == (None, ["file-too-large"])


def _stat_says(size: int):  # type: ignore[no-untyped-def]
    """An os.fstat that says the file has ``size`` bytes (a file that grew after it was asked)."""
    real = os.fstat

    def fstat(descriptor: int) -> os.stat_result:
        found = list(real(descriptor))
        found[6] = size  # st_size
        return os.stat_result(found)

    return fstat


def test_a_file_that_grew_after_its_size_was_read_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "grew.md").write_bytes(b"a" * 300 + b"b" * 400)
    (tmp_path / "too-much.md").write_bytes(b"c" * 1_200)
    monkeypatch.setattr(files.os, "fstat", _stat_says(300))
    assert _read(tmp_path / "grew.md") == (b"a" * 300 + b"b" * 400, [])
    assert _read(tmp_path / "too-much.md") == (None, ["file-too-large"])


#: Reads every file of a folder (argv[1]) as a load does, keeping the bytes, in a fresh interpreter
#: (glibc's mmap threshold as at a server's start), and prints how many memory mappings that added.
_COUNT_MAPPINGS = """
import sys
from pathlib import Path
from content_api.files import read_file

def mappings():
    return len(Path("/proc/self/maps").read_text().splitlines())

folder = Path(sys.argv[1])
before = mappings()
kept = [read_file(str(p), p.name, folder, 1_000_000, False)[0] for p in sorted(folder.iterdir())]
assert all(kept)
print(mappings() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc/self/maps")
def test_reading_files_makes_no_memory_mapping_for_each(tmp_path: Path) -> None:
    """A read of the limit's size allocated a mapping per file, kept with its bytes: a load of
    100,000 files went past the kernel's limit on mappings (MemoryError)."""
    for n in range(400):
        (tmp_path / f"g{n}.md").write_bytes(b"# Titre\n\n" + b"mot " * (1_000 + n))
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_MAPPINGS, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(done.stdout) < 40
