"""The worst case per construct: hostile files just under the 1 MB limit, each parsed on its own.

    .venv/bin/python bench/adversarial.py [--limit SECONDS] [CASE ...]

Every case fills a file up to the size limit with one construct, or a known pathological pattern
of it (CommonMark's "pathological tests" of cmark and commonmark.js, scaled to a megabyte, and
the findings of issue 12), and parses it with ``parse_guide`` in a process of its own (killed
past ``--limit``). It prints the CPU time of each case and the worst case of each construct, next
to the real guides of ``../shared/corpus/guides`` repeated to the same size (or the seed guide
when ../shared is absent): the ratio says what a hostile file costs against a real one.

The target (issue 12): every file under the size limit parses in under 2 s on this machine.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import doc_parser  # noqa: E402

FRONT = "---\ntitle: Guide hostile\n---\n\n"
LIMIT = 1_000_000  # MAX_FILE_SIZE's default
SIZE = LIMIT - len(FRONT) - 64
TARGET_SECONDS = 2.0


def fill(unit: str, prefix: str = "", suffix: str = "") -> str:
    """``unit`` repeated to fill the file (with ``prefix`` and ``suffix``)."""
    return prefix + unit * ((SIZE - len(prefix) - len(suffix)) // len(unit)) + suffix


def real_guides() -> str:
    corpus = sorted((ROOT.parent / "shared" / "corpus" / "guides").glob("*.md"))
    files = corpus or [ROOT / "content" / "ccas.md"]
    bodies = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        bodies.append(text.split("---", 2)[-1] if text.startswith("---") else text)
    body = "\n\n".join(bodies)
    return (body * (SIZE // len(body) + 1))[:SIZE]


#: construct -> {case: the body of a file made of it}
CASES: dict[str, dict[str, Callable[[], str]]] = {
    "real guides": {"repeated to 1 MB": real_guides},
    "emphasis": {
        "nested *a **a ... a** a*": lambda: "*a **a " * 30000 + "b" + " a** a*" * 30000,
        "1,000 * x 1,000 * (finding 1)": lambda: fill("*" * 1000 + "x" + "*" * 1000 + "\n"),
        "closers without openers a_": lambda: fill("a_ "),
        "openers without closers _a": lambda: fill("_a "),
        "mismatched *a_": lambda: fill("*a_ "),
        "multiples of 3 a**b c* c*": lambda: "a**b" + "c* " * (SIZE // 3 - 2),
        "a run of *": lambda: fill("*"),
        "alternating *_": lambda: fill("*_"),
        "strikethrough ~~a": lambda: fill("~~a "),
        "dense prose": lambda: fill("Un **gras** et _italique_ avec [un lien](https://a.fr) et `code`.\n\n"),
    },
    "links and images": {
        "openers [a": lambda: fill("[a"),
        "closers a]": lambda: fill("a]"),
        "openers and emphasis [ a_": lambda: fill("[ a_"),
        "[ (](": lambda: fill("[ (]("),
        "![[]()": lambda: fill("![[]()"),
        "nested brackets": lambda: "[" * (SIZE // 2 - 1) + "a" + "]" * (SIZE // 2 - 1),
        "unclosed destinations [a](<b": lambda: fill("[a](<b"),
        "unclosed destinations [a](b": lambda: fill("[a](b"),
        "links": lambda: fill("[un lien](https://a.fr/x) "),
        "images": lambda: fill("![a](/i.png) "),
        "references": lambda: "".join(f"[{n}]: /u\n" for n in range(SIZE // 10)),
        "reference links": lambda: fill("[a] ", "[a]: /u\n\n"),
        "links in links": lambda: "[" * 50000 + "a](b)" * 50000,
        "one long non-ASCII URL (issue 14)": lambda: "[a](/" + "é" * (SIZE // 2 - 8) + ")",
        "one long image URL": lambda: "![a](/" + "é" * (SIZE // 2 - 8) + ")",
        "references to a long URL": lambda: "[a] " * 1000 + "\n\n[a]: /" + "é" * 5000 + "\n",
    },
    "bare URLs": {
        "https://": lambda: fill("https://a.fr/x "),
        "www.": lambda: fill("www.a.fr "),
        "e-mail addresses": lambda: fill("a@b.fr "),
        "autolinks <https://>": lambda: fill("<https://a.fr/x> "),
    },
    "code": {
        "backtick runs": lambda: "".join("e" + "`" * n for n in range(1, 1400)),
        "code spans": lambda: fill("`a` "),
        "fences": lambda: fill("```\na\n```\n"),
        "an unclosed fence": lambda: fill("a\n", "```\n"),
        "indented code": lambda: fill("    a\n"),
    },
    "blocks": {
        "headings ## h (finding 6)": lambda: fill("## h\n"),
        "distinct headings": lambda: "".join(f"## h{n}\n" for n in range(SIZE // 9)),
        "setext headings": lambda: fill("a\n=\n"),
        "one-word lines": lambda: fill("a\n"),
        "paragraphs": lambda: fill("a\n\n"),
        "CRLF lines": lambda: fill("a\r\n"),
        "hard breaks": lambda: fill("a  \n"),
        "thematic breaks": lambda: fill("***\n"),
        "blank lines": lambda: fill("\n", "a", "b"),
    },
    "containers": {
        "nested quotes > > >": lambda: "> " * (SIZE // 2 - 1) + "a",
        "nested lists": lambda: "".join("  " * n + "* a\n" for n in range(900)),
        "lazy quote lines": lambda: fill("> a\nb\n"),
        "list items": lambda: fill("- a\n"),
        "ordered items": lambda: fill("1. a\n"),
        "task items": lambda: fill("- [x] a\n"),
        "empty list items -": lambda: fill("-\n"),
        "empty quote lines >": lambda: fill(">\n"),
    },
    "tables": {
        "3,000 columns (finding 6)": lambda: (
            ("|" + "a|" * 3000 + "\n|" + "-|" * 3000 + "\n") + ("|" + "b|" * 3000 + "\n") * 160
        ),
        "one wide row": lambda: "|" + "a|" * 160000 + "\n|" + "-|" * 160000 + "\n|" + "b|" * 160000,
        "rows": lambda: fill("| x | y |\n", "| a | b |\n|---|---|\n"),
        "empty rows": lambda: fill("|\n", "| a |\n| --- |\n"),
        "editor rows": lambda: fill(
            "| Up | [Sol](https://a.fr) | 2023 |\n", "| Éditeur | Solution | Date |\n|---|---|---|\n"
        ),
        "pipes in code": lambda: fill("| `x|y` | z |\n", "| a | b |\n|---|---|\n"),
    },
    "components": {
        "<Foo> x 100,000 on a line (finding 6)": lambda: fill("<Foo>"),
        "<Foo> lines": lambda: fill("<Foo>\n"),
        "closing tags": lambda: fill("</Foo>"),
        "one tag, many attributes": lambda: "<Foo " + "a='b' " * 160000 + ">x</Foo>",
        "buttons on a line": lambda: fill("<Button href='/a'>b</Button> "),
        "External on a line": lambda: fill("<External href='https://a.fr'>lien</External> "),
        "nested Grid": lambda: "<Grid>\n" * 60000 + "x\n" + "</Grid>\n" * 60000,
        "4 nested Quotes around quotes in a prop (issue 14)": lambda: (
            "<Quote>\n" * 4 + "\n<Tip t='" + '"' * (SIZE - 80) + "' />\n\n" + "</Quote>\n" * 4
        ),
        "4 nested Quotes around a long URL": lambda: (
            "<Quote>\n" * 4 + "\n[a](/" + "é" * (SIZE // 2 - 60) + ")\n\n" + "</Quote>\n" * 4
        ),
        "a Quote around list items": lambda: fill("- a\n", "<Quote>\n\n", "\n</Quote>\n"),
        "a Quote around table rows": lambda: fill(
            "| x | y |\n", "<Quote>\n\n| a | b |\n|---|---|\n", "\n</Quote>\n"
        ),
        "unclosed {": lambda: fill("<Foo x={"),
        "unclosed '": lambda: fill("<Foo x='"),
        "nested { }": lambda: "<Foo x={" + "{" * 300000 + "}" * 300000 + "} />",
        "<A ": lambda: fill("<A "),
    },
    "raw HTML": {
        "inline tags": lambda: fill("<span>a</span> "),
        "blocks": lambda: fill("<div>\na\n</div>\n\n"),
        "unclosed <!--": lambda: fill("<!--", "</"),
        "<!-- at a line's start": lambda: fill("<!--"),
        "entities": lambda: fill("&amp;&#123;&#x41; "),
    },
    "ignore comments": {
        "15,000 and more (finding 6)": lambda: fill("<!-- content-api: ignore a11y-heading-h1 -->\n# h\n"),
        "unused": lambda: fill("<!-- content-api: ignore a11y-heading-h1 -->\n"),
    },
    "text": {
        "one long line": lambda: fill("a"),
        "escapes": lambda: fill("\\*\\_\\["),
        "control characters": lambda: fill("\u0001"),
        "combining marks": lambda: "a" + "\u0301" * (SIZE // 2 - 1),
        "pipes": lambda: fill("|"),
    },
}


Found = tuple[int, float, float, int, int]


def _parse(body: Callable[[], str], results: multiprocessing.Queue[Found]) -> None:
    import msgspec

    from content_api import parse_guide

    # under the limit in bytes (a character may take several)
    text = (FRONT + body()).encode()[: LIMIT - 1].decode("utf-8", "ignore")
    started, cpu = time.perf_counter(), time.process_time()
    guide = parse_guide(text, "hostile.md")
    results.put(
        (
            len(text.encode()),
            time.process_time() - cpu,
            time.perf_counter() - started,
            sum(d.code == "too-complex" for d in guide.diagnostics),
            len(msgspec.json.encode(guide.body)),
        )
    )


def measure(body: Callable[[], str], limit: float) -> Found | None:
    """(bytes, CPU s, wall s, too-complex diagnostics, body JSON bytes) of one parse, or None past
    ``limit``."""
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[Found] = context.Queue()
    process = context.Process(target=_parse, args=(body, results))
    process.start()
    try:
        return results.get(timeout=limit)
    except queue.Empty:
        return None
    finally:
        process.kill()
        process.join()


def main() -> None:
    parser = doc_parser(__doc__)
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before a case is killed")
    parser.add_argument("cases", nargs="*", help="only the constructs or cases whose name holds one of these")
    args = parser.parse_args()
    worst: dict[str, tuple[float, str]] = {}
    baseline = None
    print("| construct | case | size | CPU | wall | x real | plain text past the budget | body JSON / size |")
    print("|---|---|---|---|---|---|---|---|")
    for construct, cases in CASES.items():
        for case, body in cases.items():
            if (
                args.cases
                and construct != "real guides"
                and not any(word in f"{construct} {case}" for word in args.cases)
            ):
                continue
            found = measure(body, args.limit)
            if found is None:
                print(f"| {construct} | {case} | | > {args.limit:.0f} s | | | | |", flush=True)
                worst[construct] = (float("inf"), case)
                continue
            size, cpu, wall, complex_, json_size = found
            baseline = baseline or cpu
            print(f"| {construct} | {case} | {size / 1e6:.2f} MB | {cpu:.2f} s | {wall:.2f} s | "
                  f"x{cpu / baseline:.2f} | {'yes' if complex_ else ''} | x{json_size / size:.1f} |",
                  flush=True)  # fmt: skip
            if cpu > worst.get(construct, (-1.0, ""))[0]:
                worst[construct] = (cpu, case)
    print("\nThe worst case of each construct (CPU seconds; target: under 2 s):\n")
    for construct, (cpu, case) in sorted(worst.items(), key=lambda item: -item[1][0]):
        mark = "✓" if cpu < TARGET_SECONDS else "✗"
        print(f"  {construct:18} {cpu:6.2f} s  {mark}  ({case})")


if __name__ == "__main__":
    main()
