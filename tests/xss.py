"""The XSS payloads of tests/fixtures/xss/payloads.txt, read and made into guides."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

PAYLOADS = Path(__file__).parent / "fixtures" / "xss" / "payloads.txt"

_CHAR = re.compile(r"«U\+([0-9A-Fa-f]{4,6})»")
_B64 = re.compile(r"«b64:(.*?)»", re.DOTALL)


@dataclass(frozen=True)
class Payload:
    id: int
    kind: str
    text: str
    inert: bool

    @property
    def slug(self) -> str:
        return f"xss-{self.id:03d}"

    def guide(self) -> str:
        """A guide whose body is the payload between two paragraphs of prose."""
        return f"---\ntitle: Charge {self.id}\n---\nAvant {self.id}.\n\n{self.text}\n\nAprès {self.id}.\n"


def expand(text: str, number: int) -> str:
    call = f"__xss({number})"
    text = text.replace("XSS", call)
    text = _B64.sub(lambda m: base64.b64encode(m.group(1).encode()).decode(), text)
    return _CHAR.sub(lambda m: chr(int(m.group(1), 16)), text)


def read_payloads(path: Path = PAYLOADS) -> list[Payload]:
    payloads: list[Payload] = []
    header: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if header is not None:
            number = len(payloads) + 1
            text = expand("\n".join(lines).strip("\n"), number)
            payloads.append(Payload(number, header, text, header.split()[-1] == "inert"))

    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("=== "):
            flush()
            header, lines = line[4:].strip(), []
        elif header is not None:
            lines.append(line)
    flush()
    return payloads


def write_guides(folder: Path, payloads: list[Payload]) -> None:
    for payload in payloads:
        (folder / f"{payload.slug}.md").write_text(payload.guide(), encoding="utf-8")
