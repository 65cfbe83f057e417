"""`content-api serve` (the README's run command) serves content/ over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CONTENT_DIR", "HOST", "PORT", "WORKERS")}
    process = subprocess.Popen(
        [sys.executable, "-m", "content_api", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if get(base + "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            process.kill()
            _, errors = process.communicate(timeout=10)
            pytest.fail(f"the server did not start:\n{errors.decode()}")
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_health(server: str) -> None:
    status, _, body = get(server + "/health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok" and health["guides"] == 1
    assert len(health["content_hash"]) == 64


def test_guides_list_and_detail(server: str) -> None:
    status, _, body = get(server + "/guides")
    listing = json.loads(body)
    assert status == 200 and [g["slug"] for g in listing["data"]] == ["ccas"]
    assert listing["data"][0]["path"] == "/guides/ccas"
    status, _, body = get(server + "/guides/ccas")
    guide = json.loads(body)
    assert status == 200 and guide["body"]["type"] == "root"
    assert [e["editor"] for e in guide["editors"]] == ["Up", "Arpège"]
    assert guide["image_url"] == "https://api.gouv.fr/images/guides/dossier.jpg"
    assert guide["thumbnail_url"] == "https://api.gouv.fr/images/guides/thumbnail_dossier.jpg"


def test_unknown_guide_is_a_problem_404(server: str) -> None:
    status, headers, body = get(server + "/guides/nope")
    assert status == 404 and headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["status"] == 404
