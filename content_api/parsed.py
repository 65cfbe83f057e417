"""What parsing one file gives (:class:`Parsed`), as a load keeps it for the next load and the
parse cache stores it, with the key of a file's parse."""

from __future__ import annotations

import hashlib

import msgspec

from .graph.kinds import Page
from .model import Guide, Root, TocEntry
from .parse import ParseOptions, failed_guide, parse_guide_and_text

EMPTY = msgspec.json.decode(b'{"type":"root","children":[]}', type=Root)
EMPTY_JSON = msgspec.json.encode(EMPTY)
#: the ``guide`` of a page's :class:`Parsed` (a page is no guide: never served as one)
STAND_IN = msgspec.json.decode(
    b'{"slug":null,"file":null,"title":null,"tagline":null,"tags":[],"apis":[],"image":null,'
    b'"publish":false,"noindex":true,"related":[],"updated":null,"extra":{},"toc":[],"editors":[],'
    b'"body":{"type":"root","children":[]},"excerpt":"","reading_time":0,"diagnostics":[]}',
    type=Guide,
)


class Parsed(msgspec.Struct, array_like=True):
    """What parsing one file gives, as kept for the next load and in the parse cache.

    ``guide`` may hold its body or not (``lean``): ``body`` always holds it, as JSON bytes, which
    is what a response needs, ten times smaller in memory than the AST and quick to decode again.
    ``text`` is the body's plain text (for search). For a page of a site layout (API page,
    producer, service), ``page`` holds it and ``guide`` is an empty stand-in (never served).
    A lean ``guide`` holds no TOC either: ``toc`` holds it as JSON (as the details splice it in),
    so that a load never makes the dozen objects a guide's TOC is.
    """

    guide: Guide
    body: bytes
    text: str
    page: Page | None = None
    #: the TOC's JSON when ``guide`` is lean (b"": ``guide.toc`` holds it)
    toc: bytes = b""

    def lean(self) -> Parsed:
        """The same, without the AST nor the TOC in ``guide`` (what the cache and a served snapshot
        keep)."""
        if not self.guide.body.children and not self.guide.toc:
            return self
        lean = msgspec.structs.replace(self.guide, body=EMPTY, toc=[])
        return Parsed(lean, self.body, self.text, self.page, msgspec.json.encode(self.guide.toc))


def content_key(name: str, data: bytes, options: ParseOptions | None = None) -> str:
    """The key of a file's parse: its name and bytes (the slug and file come from the name), and the
    options that change the parse (a cache made in one HTML mode is never reused in the other)."""
    head = f"{name}\0{(options or ParseOptions()).key()}\0".encode("utf-8", "surrogateescape")
    return hashlib.blake2b(head + data, digest_size=20).hexdigest()


def parse_file(name: str, file: str, data: bytes, options: ParseOptions | None = None) -> Parsed:
    """Parse one file; whatever happens, a Parsed comes back (see ``failed_guide``)."""
    guide, text = parse_guide_and_text(data, file, options)
    try:
        return Parsed(guide, msgspec.json.encode(guide.body), text)
    except Exception as exc:  # an AST that cannot be encoded (a bug): the file is reported
        return Parsed(failed_guide(file, guide.slug, exc, "while encoding the body"), EMPTY_JSON, "")


def toc_of(guide: Guide, toc: bytes) -> list[TocEntry]:
    """The TOC of a guide whose ``guide.toc`` may have been left out (lean)."""
    return guide.toc or (msgspec.json.decode(toc, type=list[TocEntry]) if toc else [])


def body_of(guide: Guide, body: bytes) -> Root:
    """The AST of a guide whose ``guide.body`` may have been left out (lean)."""
    if guide.body.children or not body or body == EMPTY_JSON:
        return guide.body
    return msgspec.json.decode(body, type=Root)
