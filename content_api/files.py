"""Reading a content file: its bytes, or the reason it is not read (a diagnostic, never an
exception): not openable, not a regular file, over the size limit, or a link that leads out of the
content folder. Every kind of file (guides, API pages, producers, services) is read here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .diagnostics import diagnostic
from .model import Diagnostic


def read_file(
    source: str, file: str, root: Path, max_size: int, link: bool
) -> tuple[bytes | None, list[Diagnostic], float]:
    """The bytes of the file at ``source`` (``file`` in diagnostics) and its modification time, or
    the reason it is not read. Only a link is resolved: a link that leads out of the content folder
    is never followed."""
    path: str | Path = source
    try:
        if link:
            real = Path(source).resolve(strict=True)
            if not real.is_relative_to(root):
                message = "the file is a link to outside the content folder: not read"
                return None, [diagnostic(file, "file-outside", message)], 0.0
            path = real
        # O_NOFOLLOW: a file swapped for a link between the listing and now is not followed either
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except (OSError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        return None, [diagnostic(file, "file-unreadable", f"cannot open the file: {reason}")], 0.0
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None, [diagnostic(file, "file-unreadable", "not a regular file: not read")], 0.0
        if info.st_size > max_size:
            message = f"the file has {info.st_size} bytes, over the {max_size} limit"
            return None, [diagnostic(file, "file-too-large", message)], 0.0
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            # Sized from fstat: a read of max_size + 1 bytes allocates that much first (a memory
            # mapping of its own, shrunk to the file but kept: one a file, and past the kernel's
            # 65,530 mappings a load of 100,000 files failed with MemoryError).
            data = handle.read(min(info.st_size, max_size) + 1)
            if len(data) > info.st_size:  # it grew since fstat: the rest, up to the limit
                data += handle.read(max_size + 1 - len(data))
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        return None, [diagnostic(file, "file-unreadable", message)], 0.0
    finally:
        os.close(descriptor)
    if len(data) > max_size:  # it grew while being read
        message = f"the file has over {max_size} bytes, the limit"
        return None, [diagnostic(file, "file-too-large", message)], 0.0
    return data, [], info.st_mtime
