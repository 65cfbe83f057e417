"""Writers' quality checks end to end: `content-api check` on real folders, internal links across
guides, ignore comments, rule selection, and `--links` against a local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from content_api import load_library
from content_api.diagnostics import RULES, selected

from .server import serve
from .test_cli import run

GUIDES = {
    "accueil.md": """---
title: Accueil
related_guides: [cible, fantome]
---
## Sommaire

Voir [la cible](/guides/cible), [son étape](/guides/cible#etape-2),
[une étape absente](/guides/cible#etape-9), [un guide absent](/guides/fantome)
et [un guide cassé](/guides/casse).

<!-- content-api: ignore link-guide-missing -->
[ignoré](/guides/ignore-moi)

![](/images/deco.png)
""",
    "cible.md": """---
title: Cible
---
## Étape 2

Texte.
""",
    "casse.md": """---
title: [cassé
---
Texte.
""",
}


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def codes_at(diagnostics: list[dict[str, object]], file: str) -> list[tuple[object, object]]:
    return [(d["line"], d["code"]) for d in diagnostics if str(d["file"]).endswith(file)]


def test_links_between_guides_are_checked_offline(tmp_path: Path) -> None:
    library = load_library(write(tmp_path, GUIDES))
    found = [
        (d.line, d.code, d.message) for d in library.diagnostics if d.file == str(tmp_path / "accueil.md")
    ]
    codes = [(line, code) for line, code, _ in found]
    assert codes == [
        (3, "related-missing"),
        (8, "link-guide-missing"),
        (8, "link-guide-missing"),
        (9, "link-guide-missing"),
        (14, "a11y-image-alt-missing"),
    ]
    messages = [message for _, code, message in found if code == "link-guide-missing"]
    assert "sans titre d'ancre « etape-9 » ; vouliez-vous dire « #etape-2 » ?" in messages[0]
    assert "« fantome », qui n'existe pas" in messages[1]
    assert "« casse », qui n'a pas pu être chargé" in messages[2]
    # the link to the anchor that exists (#etape-2, accents dropped as the site does) is not reported
    assert not any("« /guides/cible#etape-2 »" in message for _, _, message in found)


def test_ignore_comment_for_a_library_rule_that_silences_nothing_is_reported(tmp_path: Path) -> None:
    files = dict(GUIDES)
    files["accueil.md"] = files["accueil.md"].replace(
        "[ignoré](/guides/ignore-moi)", "[ignoré](/guides/cible)"
    )
    library = load_library(write(tmp_path, files))
    assert [(d.line, d.code) for d in library.diagnostics if d.code.startswith("ignore")] == [
        (11, "ignore-unused")
    ]


def test_check_json_and_github_cover_the_new_rules(tmp_path: Path) -> None:
    write(tmp_path, GUIDES)
    result = run("check", str(tmp_path), "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["errors"] == 1  # casse.md
    assert ("a11y-image-alt-missing", "warning") in {
        (d["code"], d["severity"]) for d in report["diagnostics"]
    }
    assert codes_at(report["diagnostics"], "accueil.md").count((8, "link-guide-missing")) == 2
    github = run("check", str(tmp_path), "--format", "github").stdout.splitlines()
    assert (
        f"::warning file={tmp_path}/accueil.md,line=14,col=1,title=a11y-image-alt-missing::image sans"
        in "\n".join(github)
    )
    assert any(line.startswith("::warning ") and "title=link-guide-missing::" in line for line in github)


def test_select_and_ignore(tmp_path: Path) -> None:
    write(tmp_path, GUIDES)
    only_a11y = json.loads(run("check", str(tmp_path), "--format", "json", "--select", "a11y").stdout)
    assert {d["code"] for d in only_a11y["diagnostics"]} == {"a11y-image-alt-missing"}
    assert only_a11y["errors"] == 0
    result = run("check", str(tmp_path), "--select", "a11y")
    assert result.returncode == 0 and "0 error(s), 1 warning(s)" in result.stderr
    some = json.loads(
        run(
            "check", str(tmp_path), "--format", "json", "--ignore", "link,yaml-invalid", "--ignore", "a11y"
        ).stdout
    )
    assert {d["code"] for d in some["diagnostics"]} == {"related-missing"}
    back = json.loads(
        run(
            "check", str(tmp_path), "--format", "json", "--ignore", "link", "--select", "link-guide-missing"
        ).stdout
    )
    assert {d["code"] for d in back["diagnostics"]} == {"link-guide-missing"}
    bad = run("check", str(tmp_path), "--select", "a11y-nope")
    assert bad.returncode == 2 and "a11y-nope" in bad.stderr


def test_selection_rules() -> None:
    assert selected("a11y-heading-h1", [], [])
    assert selected("a11y-heading-h1", ["a11y"], []) and not selected("link-broken", ["a11y"], [])
    assert not selected("a11y-heading-h1", [], ["a11y"])
    assert selected("a11y-heading-h1", ["a11y-heading-h1"], ["a11y"])  # the longer match wins
    assert not selected("a11y-heading-h1", ["a11y"], ["a11y"])  # ignore wins a tie
    assert selected("a11y-heading-h1", ["a11y-heading"], [])
    assert not selected("a11y-heading-h1", ["a11y-head"], [])  # a prefix ends at a dash
    assert all(selected(code, ["ALL"], []) for code in RULES)


def test_fail_on_warning(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": "---\ntitle: A\n---\n# Titre\n"})
    assert run("check", str(tmp_path)).returncode == 0
    assert run("check", str(tmp_path), "--fail-on", "warning").returncode == 1
    assert run("check", str(tmp_path), "--fail-on", "warning", "--ignore", "a11y").returncode == 0


def test_diagnostics_endpoint_filters_the_new_codes(tmp_path: Path, server_name: str) -> None:
    write(tmp_path, GUIDES)
    with serve("--content", str(tmp_path), server=server_name) as api:
        report = api.get("/diagnostics?code=link-guide-missing").json()
        assert [d["line"] for d in report["diagnostics"]] == [8, 8, 9]
        infos = api.get("/diagnostics?severity=warning&code=a11y-image-alt-missing").json()["diagnostics"]
        assert [(d["file"], d["line"]) for d in infos] == [("accueil.md", 14)]
        assert api.get("/diagnostics?code=a11y-nope").status == 400


# --- external links ---------------------------------------------------------------------------


class _Site(BaseHTTPRequestHandler):
    """200, 301, 404, 500 and a slow page; counts requests."""

    requests: ClassVar[list[str]] = []
    slow: ClassVar[threading.Event] = threading.Event()

    def _answer(self) -> None:
        type(self).requests.append(f"{self.command} {self.path}")
        path = self.path
        if path == "/ok":
            self._send(200)
        elif path == "/moved":
            self._send(301, {"Location": "/ok"})
        elif path == "/temp":
            self._send(302, {"Location": "/ok"})
        elif path == "/missing":
            self._send(404)
        elif path == "/error":
            self._send(500)
        elif path == "/slow":
            type(self).slow.wait(3)
            self._send(200)
        else:
            self._send(404)

    def _send(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    _Site.requests = []
    _Site.slow = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Site.slow.set()
    server.shutdown()
    server.server_close()
    thread.join()


def test_check_links_against_a_local_server(tmp_path: Path, site: str) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    content = tmp_path / "content"
    content.mkdir()
    write(
        content,
        {
            "liens.md": f"""---
title: Liens
---
## Liens

[Page en ligne]({site}/ok) et [la même]({site}/ok#section).
[Page déplacée]({site}/moved), [page absente]({site}/missing).
<External href="{site}/error">Erreur serveur</External>
<Button href="{site}/slow">Page lente</Button>

![Schéma du parcours]({site}/missing)

[Page temporairement ailleurs]({site}/temp), [serveur éteint](http://127.0.0.1:{closed}/x).
""",
        },
    )
    cache = tmp_path / "cache" / "links.json"
    args = (
        "check",
        str(content),
        "--links",
        "--links-allow-private",  # the test server is on 127.0.0.1
        "--links-cache",
        str(cache),
        "--links-timeout",
        "1",
        "--format",
        "json",
    )
    started = time.monotonic()
    first = json.loads(run(*args).stdout)
    found = [(d["line"], d["column"], d["code"]) for d in first["diagnostics"]]
    assert found == [  # each at its address in the file
        (7, 17, "link-redirect"),
        (7, 63, "link-broken"),
        (8, 17, "link-broken"),
        (9, 15, "link-timeout"),
        (11, 23, "link-broken"),
        # a temporary redirect (302) is not reported
        (13, len(f"[Page temporairement ailleurs]({site}/temp), [serveur éteint](") + 1, "link-unchecked"),
    ], found
    messages = {d["code"]: d["message"] for d in first["diagnostics"]}
    assert f"redirige définitivement vers « {site}/ok »" in messages["link-redirect"]
    assert "timed out" in messages["link-timeout"]
    # every distinct address once: /ok and /ok#section are one; /missing (link and image) is one
    assert sorted({r.split(" ", 1)[1] for r in _Site.requests}) == [
        "/error",
        "/missing",
        "/moved",
        "/ok",
        "/slow",
        "/temp",
    ]
    # /ok: once for itself (its #section variant included), once at the end of each redirect
    assert _Site.requests.count("HEAD /ok") == 3 and _Site.requests.count("HEAD /missing") == 1
    first_time = time.monotonic() - started
    # a second run answers from the cache: no request at all, the same diagnostics, faster
    _Site.requests.clear()
    started = time.monotonic()
    second = json.loads(run(*args).stdout)
    assert _Site.requests == [] and second["diagnostics"] == first["diagnostics"]
    assert time.monotonic() - started < first_time
    # rules that leave out every link-… code need no request either, cache or not
    _Site.requests.clear()
    a11y_only = run(
        "check", str(content), "--links", "--links-cache", "", "--select", "a11y", "--format", "json"
    )
    assert _Site.requests == [] and json.loads(a11y_only.stdout)["diagnostics"] == []
    # without --links nothing leaves the machine
    _Site.requests.clear()
    offline = json.loads(run("check", str(content), "--format", "json").stdout)
    assert _Site.requests == [] and not [d for d in offline["diagnostics"] if d["code"].startswith("link-")]


def test_links_to_the_site_own_address_are_links_between_guides(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.md": "---\ntitle: A\n---\n## Étape\n\n[x](https://api.gouv.fr/guides/nope) "
            "[y](https://API.gouv.fr/guides/a#etape) [z](https://autre.fr/guides/nope)\n",
        },
    )
    library = load_library(tmp_path, site_url="https://api.gouv.fr/")
    assert [(d.line, d.column, d.code) for d in library.diagnostics] == [(6, 5, "link-guide-missing")]
    assert not load_library(tmp_path).diagnostics  # without a site address, absolute links are external
    cli = json.loads(run("check", str(tmp_path), "--format", "json").stdout)  # SITE_URL's default
    assert [d["code"] for d in cli["diagnostics"]] == ["link-guide-missing"]
    other = json.loads(
        run("check", str(tmp_path), "--format", "json", "--site-url", "https://autre.fr").stdout
    )
    assert [d["column"] for d in other["diagnostics"]] == [
        len("[x](https://api.gouv.fr/guides/nope) [y](https://API.gouv.fr/guides/a#etape) [z](") + 1
    ]


def test_a_broken_anchor_comes_with_the_closest_heading() -> None:
    from content_api import parse_guide

    text = "---\ntitle: T\n---\n## Les données utiles\n\n[a](#les-données-utiles) [b](#tout-autre-chose)\n"
    messages = [d.message for d in parse_guide(text, "t.md").diagnostics]
    assert messages[0].endswith("; vouliez-vous dire « #les-donnees-utiles » ?")
    assert messages[1].endswith("corrigez l'ancre ou le titre")  # nothing close: no guess
