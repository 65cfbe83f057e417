"""`content-api export`: served by nginx (or Python's http.server), byte for byte the live API."""

from __future__ import annotations

import gzip
import http.server
import os
import shutil
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import brotli
import pytest

from bench.corpus import generate
from content_api import cli
from content_api.config import Settings
from content_api.web import export as export_module
from content_api.web.export import MAX_NAME, export, file_for

from .conftest import SEED
from .server import Server, free_port, serve

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
#: a tag whose query is too long for a file name (it made export fail half-way)
LONG_TAG = "a" * 300
LONG_GUIDE = f"---\ntitle: Étiquette longue\ntags: [{LONG_TAG}]\npublish: true\n---\nTexte.\n"
#: a noindex guide whose path is too long for an exact key of nginx's map (nginx refused the config)
LONG_SLUG = "c" * 200


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("content")
    generate(45, folder)
    shutil.copy(SEED, folder / "ccas.md")
    (folder / "longue.md").write_text(LONG_GUIDE, encoding="utf-8")
    (folder / f"{LONG_SLUG}.md").write_text("---\ntitle: Nom long\nnoindex: true\n---\nTexte.\n")
    return folder


@contextmanager
def nginx(root: Path, tmp: Path) -> Iterator[Server]:
    """nginx running the export's own nginx.conf on a free port."""
    port = free_port()
    server_block = (root / "nginx.conf").read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};")
    conf = tmp / "nginx-test.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # pytest's folders are private to their owner
    conf.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n"
        "events {}\nhttp {\n    access_log off;\n"
        + "".join(
            f"    {kind}_temp_path {tmp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + server_block
        + "}\n"
    )
    process = subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL)
    server = Server(port, process)  # type: ignore[arg-type]
    try:
        _wait(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


class _Static(http.server.SimpleHTTPRequestHandler):
    """The export's layout in Python, where nginx is not installed."""

    root: Path

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        target = self.root / file_for(path, query)
        if not target.is_file():
            self.send_error(404)
            return
        body = target.read_bytes()
        encoding = None
        if "gzip" in self.headers.get("Accept-Encoding", "") and Path(str(target) + ".gz").is_file():
            body, encoding = Path(str(target) + ".gz").read_bytes(), "gzip"
        self.send_response(200)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def python_static(root: Path) -> Iterator[Server]:
    handler = type("Handler", (_Static,), {"root": root})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(httpd.server_address[1], None)  # type: ignore[arg-type]
    finally:
        httpd.shutdown()
        httpd.server_close()


def _wait(server: Server) -> None:
    import time

    for _ in range(100):
        try:
            server.get("/tags")
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the static server did not start")


@pytest.fixture(scope="module")
def exported(content: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], int]:
    """The export of ``content`` (its folder, URLs and file count): made once, compared with each
    server (read only)."""
    out = tmp_path_factory.mktemp("exported") / "export"
    result = export(Settings(content_dir=str(content)), out)
    return out, result.urls, result.files


def test_export_is_byte_for_byte_the_live_api(
    content: Path, exported: tuple[Path, list[str], int], tmp_path: Path, server_name: str
) -> None:
    out, urls, files = exported
    assert "/guides/ccas" in urls and "/guides" in urls and "/editors?api=particulier" in urls
    assert "/guides?publish=true&noindex=false" in urls and "/sitemap.xml" in urls
    assert any(url.startswith("/guides?tag=") for url in urls) and any("page=2" in url for url in urls)
    assert f"/guides?tag={LONG_TAG}" in urls and f"/guides?tag={LONG_TAG}&publish=true" in urls
    names = [path.name for path in out.glob("*.q/*")]
    assert len(names) > 50 and max(len(name.encode()) for name in names) <= MAX_NAME + 3
    assert len(urls) == files
    static_server = nginx(out, tmp_path) if NGINX else python_static(out)
    with serve("--content", str(content), server=server_name) as live, static_server as static:
        for url in urls:
            expected = live.get(url)
            got = static.get(url)
            assert expected.status == got.status == 200, url
            assert got.body == expected.body, url
        compressed = static.get("/guides/ccas", accept_encoding="gzip")
        assert gzip.decompress(compressed.body) == live.get("/guides/ccas").body
        assert brotli.decompress((out / "guides" / "ccas.br").read_bytes()) == live.get("/guides/ccas").body
        assert static.get("/guides?q=quotient").status == 404  # free-text search is live only
        if NGINX:
            assert static.get("/guides/ccas").header("cache-control") == live.get("/guides/ccas").header(
                "cache-control"
            )
            missing = static.get("/guides/nothing")
            assert missing.status == 404 and missing.header("content-type") == "application/problem+json"
            noindex = [
                url for url in urls if url.startswith("/guides/") and live.get(url).header("x-robots-tag")
            ]
            assert f"/guides/{LONG_SLUG}" in noindex
            for url in [*noindex[:3], f"/guides/{LONG_SLUG}"]:
                assert static.get(url).header("x-robots-tag") == "noindex"
            assert static.get("/guides/ccas").header("x-robots-tag") in (None, "")


def test_export_layout() -> None:
    assert file_for("/guides/ccas") == "guides/ccas"
    assert file_for("/guides") == "guides.q/_"
    assert file_for("/guides", "tag=ccas&page=2") == "guides.q/_tag=ccas&page=2"
    assert file_for("/sitemap.xml") == "sitemap.xml"
    assert urllib.parse.quote("/guides.q/_tag=a&page=2", safe="/=&") == "/guides.q/_tag=a&page=2"


def test_export_cli_refuses_a_folder_that_is_not_an_export(tmp_path: Path) -> None:
    import sys

    (tmp_path / "important.txt").write_text("keep me")
    result = subprocess.run(
        [sys.executable, "-m", "content_api", "export", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and (tmp_path / "important.txt").exists()


def test_long_queries_are_stored_under_a_digest() -> None:
    query = f"tag={LONG_TAG}&page=2"
    file = file_for("/guides", query)
    assert file.startswith("guides.q/~") and len(file) == len("guides.q/~") + 32
    assert file_for("/guides", query) == file and file_for("/guides", query + "0") != file
    short = "tag=" + "a" * (MAX_NAME - len("_tag="))
    assert file_for("/guides", short) == f"guides.q/_{short}"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_export_replaces_the_previous_one_once_complete(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(SEED, content / "ccas.md")
    (content / "autre.md").write_text("---\ntitle: Autre\n---\nTexte.\n", encoding="utf-8")
    out = tmp_path / "site" / "export"
    export(Settings(content_dir=str(content)), out)
    assert (out / "guides" / "autre").is_file() and oct(out.stat().st_mode & 0o777) != "0o700"
    (content / "autre.md").unlink()
    export(Settings(content_dir=str(content)), out)
    assert not (out / "guides" / "autre").exists() and (out / "guides" / "ccas").is_file()
    assert f"root {out};" in (out / "nginx.conf").read_text()  # the final folder, not the one written
    assert sorted(path.name for path in out.parent.iterdir()) == ["export"]  # nothing left beside
    # OUT_DIR as a symbolic link: the folder it names is replaced, the link stays
    link = tmp_path / "current"
    link.symlink_to(out)
    (content / "autre.md").write_text("---\ntitle: Autre\n---\nTexte.\n", encoding="utf-8")
    export(Settings(content_dir=str(content)), link)
    assert link.is_symlink() and (out / "guides" / "autre").is_file()
    assert sorted(path.name for path in out.parent.iterdir()) == ["export"]


def test_a_failed_export_leaves_the_previous_one_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(SEED, content / "ccas.md")
    out = tmp_path / "export"
    export(Settings(content_dir=str(content)), out)
    before = snapshot(out)
    (content / "longue.md").write_text(LONG_GUIDE, encoding="utf-8")
    write, written = export_module._write, []

    def disk_full(folder: Path, relative: str, body: bytes) -> int:
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        written.append(relative)
        return write(folder, relative, body)

    monkeypatch.setattr(export_module, "_write", disk_full)
    status = cli.main(["export", str(out), "--content", str(content)])
    assert status == 1
    message = capsys.readouterr().err
    assert "content-api export: failed, the previous export is left as it was" in message
    assert "No space left on device" in message
    assert snapshot(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["content", "export"]
