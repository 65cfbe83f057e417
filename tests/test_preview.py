"""The preview pages over HTTP (the browser tests are in test_browser.py)."""

from __future__ import annotations

import http.client
import re
import shutil
import time
from pathlib import Path

from .conftest import SEED
from .server import serve


def test_preview_pages(tmp_path: Path, server_name: str) -> None:
    shutil.copy(SEED, tmp_path / "ccas.md")
    (tmp_path / "images" / "guides").mkdir(parents=True)
    (tmp_path / "images" / "guides" / "sitiv.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    (tmp_path / "casse.md").write_text("---\ntitle: [\n---\nTexte\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    with serve("--content", str(tmp_path), server=server_name) as server:
        page = server.get("/preview/ccas")
        assert page.status == 200 and page.header("content-type") == "text/html; charset=utf-8"
        assert "script-src 'self'" in (page.header("content-security-policy") or "")
        html = page.body.decode()
        assert "<h1>Aides sociales</h1>" in html and 'class="diagnostics' in html
        assert '<nav class="toc"' in html and 'href="#cadre-juridique"' in html
        assert 'id="cadre-juridique"' in html
        assert "/preview/reload.js" not in html  # no --watch: no reload script
        assert re.search(r'<img src="/preview/assets/images/guides/sitiv.png"', html)
        assert "http://" not in re.sub(r'href="https?://[^"]*"', "", html)  # no resource from elsewhere
        image = server.get("/preview/assets/images/guides/sitiv.png")
        assert image.status == 200 and image.header("content-type") == "image/png"
        for outside in ("/preview/assets/secret.txt", "/preview/assets/..%2f..%2fetc%2fpasswd"):
            assert server.get(outside).status == 404, outside
        broken = server.get("/preview/casse")
        assert broken.status == 200 and "yaml-invalid" in broken.body.decode()
        index = server.get("/preview").body.decode()
        assert 'href="/preview/ccas"' in index and 'href="/preview/casse"' in index
        assert server.get("/preview/nulle-part").status == 404
        assert server.get("/preview/ccas/events").status == 404  # only with --watch
        assert server.get("/preview/ccas", If_None_Match=page.header("etag") or "").status == 304


def test_the_event_stream_says_reload_when_the_guide_changes(tmp_path: Path, server_name: str) -> None:
    guide = tmp_path / "ccas.md"
    shutil.copy(SEED, guide)
    with serve("--content", str(tmp_path), "--watch", server=server_name) as server:
        assert '<script src="/preview/reload.js" defer>' in server.get("/preview/ccas").body.decode()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", "/preview/ccas/events")
        stream = connection.getresponse()
        assert stream.status == 200 and stream.getheader("content-type", "").startswith("text/event-stream")
        assert stream.readline().startswith(b"event: ready")
        guide.write_text(
            guide.read_text(encoding="utf-8").replace("Aides sociales", "Aides"), encoding="utf-8"
        )
        started, seen = time.monotonic(), b""
        while b"event: reload" not in seen and time.monotonic() - started < 20:
            seen += stream.readline()
        connection.close()
        assert b"event: reload" in seen
        assert "<h1>Aides</h1>" in server.get("/preview/ccas").body.decode()
