"""content-api serve | check | render."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import msgspec

from .config import SETTINGS_CHOICES, SETTINGS_HELP, Settings
from .diagnostics import RULES, diagnostic, known_selector, selected
from .guide_links import Places
from .library import Library, load_library
from .lint.links import external_urls
from .model import Diagnostic
from .parse import parse_guide
from .plain_text import render_text
from .render import render_html

_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


#: Characters written as escapes in text output: C0 and C1 controls, DEL, and the Unicode line
#: and paragraph separators (a file name holding a newline could otherwise forge output lines).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def quote_name(name: str) -> str:
    """A file name fit for one line of text: as it is, or quoted with escapes (as git does) when it
    holds a control character, a double quote or a backslash."""
    if not _CONTROL.search(name) and '"' not in name and "\\" not in name:
        return name
    inner = name.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL.sub(_escape, inner) + '"'


def _format_text(d: Diagnostic) -> str:
    message = _CONTROL.sub(_escape, d.message)
    return f"{quote_name(d.file or '')}:{d.line}:{d.column}: {d.severity} [{d.code}] {message}"


def _github_escape(text: str, *, property_value: bool = False) -> str:
    """Workflow-command escaping; other control characters are written as escapes (never raw)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    text = _CONTROL.sub(_escape, text)
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _format_github(d: Diagnostic) -> str:
    level = _GITHUB_LEVEL[d.severity]
    props = f"file={_github_escape(d.file or '', property_value=True)},line={d.line},col={d.column}"
    props += f",title={_github_escape(d.code, property_value=True)}"
    return f"::{level} {props}::{_github_escape(d.message)}"


#: What ``check --links`` says for each outcome of a checked address.
_LINK_CODES = {
    "broken": "link-broken",
    "timeout": "link-timeout",
    "redirect": "link-redirect",
    "error": "link-unchecked",
}


def _selectors(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def list_rules(output_format: str) -> str:
    """Every rule (code, severity, RGAA criteria, summary), as a text table or as JSON."""
    if output_format == "json":
        rules = [
            {"code": code, "severity": rule.severity, "rgaa": rule.rgaa, "summary": rule.summary}
            for code, rule in RULES.items()
        ]
        return msgspec.json.format(msgspec.json.encode(rules).decode(), indent=2) + "\n"
    rows = [("code", "severity", "RGAA", "summary")]
    rows += [(code, rule.severity, rule.rgaa or "—", rule.summary) for code, rule in RULES.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3] + "\n"
        for row in rows
    )


def cmd_check(args: argparse.Namespace) -> int:
    """Parse every guide of the folder and print the diagnostics; 1 when there is an error."""
    if args.list_rules:
        sys.stdout.write(list_rules(args.format))
        return 0
    directory = args.directory
    if not os.path.isdir(directory):
        print(f"content-api check: {directory}: not a folder", file=sys.stderr)
        return 2
    select, ignore = _selectors(args.select), _selectors(args.ignore)
    unknown = [s for s in select + ignore if not known_selector(s)]
    if unknown:
        print(f"content-api check: no rule is named or starts with {unknown[0]!r}", file=sys.stderr)
        return 2
    from .config import settings_from_env

    limits = settings_from_env(
        max_file_size=args.max_file_size,
        max_nesting=args.max_nesting,
        max_constructs=args.max_constructs,
        site_url=args.site_url,
        html_mode=args.html_mode,
        iframe_hosts=args.iframe_hosts,
        assets_dir=args.assets_dir,
        asset_base_url=args.asset_base_url,
    )
    # The diagnostics do not depend on the guides' dates: git is not asked.
    library = load_library(directory, **{**limits.library_options(), "git_dates": "off"})
    diagnostics = list(library.diagnostics)
    if args.links and any(selected(code, select, ignore) for code in _LINK_CODES.values()):
        diagnostics += _external_links(library, args)
        diagnostics.sort(key=lambda d: (d.file or "", d.line, d.column))
    diagnostics = [d for d in diagnostics if selected(d.code, select, ignore)]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    _report(library, diagnostics, errors, warnings, args.format)
    return 1 if errors or (args.fail_on == "warning" and warnings) else 0


_SERVED = {"guides": "guide", "apis": "API page", "producers": "producer", "services": "service"}


def _counts(library: Library) -> dict[str, int]:
    """The files read (every kind's) and what is served: guides, and a site layout's pages."""
    graph = library.graph
    counts = {"guides": len(library.guides), "files": len(library.files) + len(graph.files if graph else ())}
    if graph is not None:
        counts |= {
            "apis": len(graph.apis),
            "producers": len(graph.producers),
            "services": len(graph.services),
        }
    return counts


def _report(library: Library, diagnostics: list[Diagnostic], errors: int, warnings: int, form: str) -> None:
    """Print ``diagnostics`` in format ``form`` (text, json, github); the text one ends with a count."""
    counts = _counts(library)
    if form == "json":
        report = {**counts, "errors": errors, "warnings": warnings, "diagnostics": diagnostics}
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(report).decode(), indent=2) + "\n")
        return
    formatter = _format_github if form == "github" else _format_text
    for found in diagnostics:
        print(formatter(found))
    if form == "text":
        served = ", ".join(f"{counts[key]} {noun}(s)" for key, noun in _SERVED.items() if key in counts)
        print(
            f"{counts['files']} file(s), {served} served, {errors} error(s), {warnings} warning(s)",
            file=sys.stderr,
        )


def default_links_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "content-api" / "links.json"


def _external_links(library: Library, args: argparse.Namespace) -> list[Diagnostic]:
    """Every http(s) address of every parsed guide checked once; a diagnostic for each problem."""
    from .links import check_links

    places: list[tuple[str, str, tuple[int, int]]] = []
    for file, guide in sorted(library.files.items()):
        if guide is None:
            continue
        try:
            finder = Places(Path(file).read_bytes())
        except OSError:
            continue
        for url in external_urls(guide.body):
            places.append((file, url, finder.find(url)))
    cache = None if args.links_cache == "" else Path(args.links_cache or default_links_cache())
    results = check_links(
        (url for _, url, _ in places),
        cache_file=cache,
        ttl=args.links_ttl,
        timeout=args.links_timeout,
        concurrency=args.links_concurrency,
        per_host=args.links_per_host,
        allow_private=args.links_allow_private,
    )
    found = []
    for file, url, (line, column) in places:
        result = results[url]
        if result.outcome == "ok":
            continue
        code = _LINK_CODES[result.outcome]
        if code == "link-redirect":
            message = f"« {url} » redirige définitivement vers « {result.final_url} » : mettez le lien à jour"
        elif code == "link-unchecked":
            message = f"« {url} » n'a pas pu être vérifié : {result.detail}"
        else:
            message = f"« {url} » ne répond pas correctement : {result.detail}"
        found.append(diagnostic(file, code, message, line, column))
    return found


def cmd_render(args: argparse.Namespace) -> int:
    """Parse one file and print its AST (json), HTML or plain text; diagnostics go to stderr."""
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"content-api render: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    from .config import settings_from_env

    settings = settings_from_env(html_mode=args.html_mode, iframe_hosts=args.iframe_hosts)
    guide = parse_guide(data, args.file, html=settings.html_mode, iframe_hosts=settings.iframe_hosts)
    for found in guide.diagnostics:
        print(_format_text(found), file=sys.stderr)
    if args.format == "html":
        sys.stdout.write(render_html(guide.body, heading_ids=True))
    elif args.format == "text":
        sys.stdout.write(render_text(guide.body) + "\n")
    else:
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(guide).decode(), indent=2) + "\n")
    return 1 if not guide.ok else 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the content folder over HTTP (granian by default, or uvicorn)."""
    from .config import settings_from_env, settings_to_env
    from .servers import run_server
    from .web.loader import READY_DIR, RUN_DIR, WORKERS

    overrides = {name: getattr(args, name) for name, *_ in SETTINGS_HELP}
    try:
        settings = settings_from_env(**overrides)
    except msgspec.ValidationError as exc:
        print(f"content-api serve: bad setting: {exc}", file=sys.stderr)
        return 2
    if not os.path.isdir(settings.content_dir):
        print(f"content-api serve: {settings.content_dir}: not a folder", file=sys.stderr)
        return 2
    if settings.server not in ("granian", "uvicorn"):
        print(f"content-api serve: unknown server {settings.server!r} (granian, uvicorn)", file=sys.stderr)
        return 2
    # Worker processes build their app from the environment: hand the settings over there.
    os.environ.update(settings_to_env(settings))
    with (
        tempfile.TemporaryDirectory(prefix="content-api-ready-") as ready,
        tempfile.TemporaryDirectory(prefix="content-api-run-") as run,
    ):
        # Each worker loads the content on its own; /ready waits for all of them. They share the
        # run folder (one of them delivers the webhooks).
        os.environ.update({READY_DIR: ready, RUN_DIR: run, WORKERS: str(settings.workers)})
        run_server(settings)
    return 0


#: the settings that change what an export holds
EXPORT_SETTINGS = (
    "content_dir",
    "site_url",
    "asset_base_url",
    "cache_max_age",
    "cache_control",
    "html_mode",
    "iframe_hosts",
    "git_dates",
)
#: the settings of the raw HTML policy, for check and render
HTML_SETTINGS = ("html_mode", "iframe_hosts")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole API (all but free-text search) as static files, with an nginx config and a
    static search page (Pagefind) at /search/."""
    from .config import settings_from_env
    from .web.export import export

    settings = settings_from_env(**{name: getattr(args, name) for name in EXPORT_SETTINGS})
    if not os.path.isdir(settings.content_dir):
        print(f"content-api export: {settings.content_dir}: not a folder", file=sys.stderr)
        return 2
    out = Path(args.out_dir)
    if out.exists() and any(out.iterdir()) and not (out / "nginx.conf").exists():
        print(f"content-api export: {out} is not empty and not an export: not overwritten", file=sys.stderr)
        return 2
    try:
        result = export(settings, out, search=not args.no_search)
    except (OSError, RuntimeError) as exc:
        kept = "the previous export is left as it was" if out.exists() else "nothing was written"
        print(f"content-api export: failed, {kept}: {exc}", file=sys.stderr)
        return 1
    searched = f", a search index of {result.search.pages} guides" if result.search else ""
    print(
        f"{result.files} responses{searched}, {result.bytes} bytes with their .gz and .br forms, in {out}",
        file=sys.stderr,
    )
    return 0


def _settings_flags(command: argparse.ArgumentParser, names: tuple[str, ...] | None = None) -> None:
    """The flags of the settings (all of them, or ``names``), from the settings table."""
    defaults = Settings()
    for name, variable, flag, text in SETTINGS_HELP:
        if names is not None and name not in names:
            continue
        default = getattr(defaults, name)
        if isinstance(default, bool):
            command.add_argument(
                flag, dest=name, action="store_true", default=None, help=f"{text} (env {variable})"
            )
            continue
        shown = ",".join(default) if isinstance(default, tuple) else default
        kind = int if isinstance(default, int) else str
        command.add_argument(
            flag,
            dest=name,
            type=kind,
            choices=SETTINGS_CHOICES.get(name),
            help=f"{text} (env {variable}, default: {shown!s})",
        )


def _check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("directory", nargs="?", default="content", help="content folder (default: content)")
    check.add_argument("--format", choices=("text", "json", "github"), default="text")
    check.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rules: codes or prefixes, comma-separated (`a11y`, `link`, `a11y-heading-skip`)",
    )
    check.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="not these rules: codes or prefixes, comma-separated",
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="exit 1 when there is a diagnostic of this severity or worse (default: error)",
    )
    check.add_argument(
        "--list-rules",
        action="store_true",
        help="print every rule (code, severity, RGAA criteria, summary) and exit; --format json for JSON",
    )
    _links_arguments(check)
    limits = ("max_file_size", "max_nesting", "max_constructs", "site_url", "assets_dir", "asset_base_url")
    _settings_flags(check, (*limits, *HTML_SETTINGS))


def _links_arguments(check: argparse.ArgumentParser) -> None:
    links = check.add_argument_group("external links (off by default: they need the network)")
    links.add_argument(
        "--links", action="store_true", help="also check every http(s) address (HEAD, then GET)"
    )
    links.add_argument(
        "--links-cache",
        metavar="FILE",
        help="results kept between runs (default: $XDG_CACHE_HOME/content-api/links.json; '' for none)",
    )
    links.add_argument(
        "--links-ttl",
        type=float,
        default=24 * 3600,
        metavar="SECONDS",
        help="reuse results younger than this",
    )
    links.add_argument(
        "--links-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="for the whole check of one address, redirects included",
    )
    links.add_argument("--links-concurrency", type=int, default=16, metavar="N", help="requests in flight")
    links.add_argument(
        "--links-per-host", type=int, default=2, metavar="N", help="requests in flight per host"
    )
    links.add_argument(
        "--links-allow-private",
        action="store_true",
        help="also request loopback, private, link-local and other non-public addresses (refused by default)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="content-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help=cmd_serve.__doc__)
    _settings_flags(serve)
    serve.set_defaults(handler=cmd_serve)

    export = commands.add_parser("export", help=cmd_export.__doc__)
    export.add_argument(
        "out_dir",
        metavar="OUT_DIR",
        help="folder to write (an earlier export there is replaced once the new one is complete)",
    )
    export.add_argument(
        "--no-search",
        action="store_true",
        help="leave out the static search (the Pagefind index and its page at /search/)",
    )
    _settings_flags(export, EXPORT_SETTINGS)
    export.set_defaults(handler=cmd_export)

    check = commands.add_parser("check", help=cmd_check.__doc__)
    _check_arguments(check)
    check.set_defaults(handler=cmd_check)

    render = commands.add_parser("render", help=cmd_render.__doc__)
    render.add_argument("file", help="a guide file (.md)")
    render.add_argument("--format", choices=("json", "html", "text"), default="json")
    _settings_flags(render, HTML_SETTINGS)
    render.set_defaults(handler=cmd_render)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except msgspec.ValidationError as exc:  # a setting from the environment with a bad value
        print(f"content-api {args.command}: invalid setting: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
