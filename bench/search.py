"""The searches that stalled a worker (issue 12, finding 2), timed through a real server.

    .venv/bin/python bench/search.py [--content DIR] [--root CHECKOUT] [--timeout S]

Serves DIR (default: the real guides in ../shared, else content/) with ``python -m content_api
serve`` run from CHECKOUT (default: this one; give an older checkout, e.g. ``git archive <commit> |
tar -x -C /tmp/old``, to measure before a change), sends each query once (first request: no cache)
and prints its time, what it answered, and the longest /health took meanwhile (``--query NAME``:
only that one, on a fresh server).
A query that does not answer within ``--timeout`` seconds is shown as such; the server is then
killed (a worker stuck in SQLite does not stop on SIGTERM).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {
    "api x 100": "api " * 100,
    "api x 800": "api " * 800,
    "a x 3000": "a " * 3000,
    "NEAR(a* x50, 100)": "NEAR(" + " ".join(["a*"] * 50) + ", 100)",
    "a* OR b* ... (10 prefixes)": " OR ".join(f"{c}*" for c in "abcdefghij"),
    "quotient familial": "quotient familial",
}


def get(port: int, path: str, timeout: float) -> tuple[float, int, bytes]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return time.monotonic() - started, response.status, response.read()
    finally:
        connection.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT.parent / "shared" / "corpus" / "guides"
    parser.add_argument("--content", default=str(default if default.is_dir() else ROOT / "content"))
    parser.add_argument("--root", default=str(ROOT))
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=18771)
    parser.add_argument("--query", action="append", choices=list(QUERIES), help="only these (repeatable)")
    return parser.parse_args()


def start_server(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """``python -m content_api serve`` run from ``--root``, in a session of its own, without PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.Popen(
        [sys.executable, "-m", "content_api", "serve", "--content", args.content, "--port", str(args.port)],
        cwd=args.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_ready(port: int) -> None:
    """Ask /ready until it answers 200, at most 600 times (0.1 s apart while the port is closed)."""
    for _ in range(600):
        try:
            if get(port, "/ready", 1)[1] == 200:
                return
        except OSError:
            time.sleep(0.1)


def measure(port: int, path: str, timeout: float) -> tuple[float, str, float]:
    """Send one query while /health is polled every 50 ms.

    Returns the query's time, what it answered (or that it did not within ``timeout``) and the
    longest /health took meanwhile (infinite if /health failed).
    """
    health: list[float] = []
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.05):
            try:
                health.append(get(port, "/health", timeout)[0])
            except OSError:
                health.append(float("inf"))

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        took, status, body = get(port, path, timeout)
        page = json.loads(body)
        stopped = ", stopped (warning)" if "warning" in page else ""
        answer = f"{status}, total {page['meta']['total']}{stopped}"
    except (OSError, TimeoutError):
        took, answer = timeout, f"no answer within {timeout:.0f} s"
    done.set()
    poller.join()
    return took, answer, max(health, default=0.0)


def main() -> None:
    args = parse_args()
    server = start_server(args)
    try:
        wait_until_ready(args.port)
        print(f"{'query':30} {'time':>9}  answer")
        for n, (name, q) in enumerate(QUERIES.items()):
            if args.query and name not in args.query:
                continue
            path = f"/guides?per_page={20 - n}&q=" + urllib.parse.quote(q)  # distinct: no cache
            took, answer, worst = measure(args.port, path, args.timeout)
            print(f"{name:30} {took:8.3f}s  {answer}; /health meanwhile: worst {worst:.3f} s")
            if answer.startswith("no answer"):
                break  # the worker is stuck
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


if __name__ == "__main__":
    main()
