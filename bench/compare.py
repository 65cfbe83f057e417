"""This checkout against another (an older commit), on the same machine, in alternating rounds.

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/compare.py /tmp/before [--corpus DIR] [--rounds 5]

wrk's figures move by a quarter from one minute to the next on a shared 2-core machine (a
do-nothing app's own rate did), which hides any change smaller than that. This measures the
application's own cost per request instead: requests are sent straight to each checkout's ASGI
application in process (the edge and Litestar, no socket, no server), a prepared guide, a
memoized list, a 304, a list computed by its handler; and the cold load of the corpus through
each checkout's ``bench/load.py``. The two checkouts alternate round after round and the best
round of each is kept; the ratio is this checkout's over the other's (below 1: faster now).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Run in each checkout (its own content_api first on the path): microseconds per request.
REQUESTS = r"""
import asyncio, json, logging, sys, time
logging.disable(logging.INFO)
from content_api.config import Settings
from content_api.web.app import create_app

edge = create_app(Settings(content_dir=sys.argv[1]))
out = []

async def get(path, query=b"", headers=((b"accept-encoding", b"br, gzip"),)):
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": list(headers), "root_path": "", "scheme": "http",
             "http_version": "1.1", "asgi": {"version": "3.0"}, "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80)}
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        out.append(message)
    out.clear()
    await edge(scope, receive, send)
    return b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body"), out[0]

async def timed(requests):
    started = time.perf_counter()
    for request in requests:
        await get(*request)
    return (time.perf_counter() - started) / len(requests) * 1e6

async def main():
    tags = [t["slug"] for t in json.loads((await get("/tags", b"", ()))[0])["data"]]
    apis = [a["slug"] for a in json.loads((await get("/apis", b"", ()))[0])["data"]]
    slug = json.loads((await get("/guides", b"", ()))[0])["data"][0]["slug"]
    etag = dict((await get(f"/guides/{slug}"))[1]["headers"])[b"etag"]
    listing = f"tag={tags[0]}&api={apis[0]}".encode()
    await get("/guides", listing)
    computed = [("/guides", f"tag={t}&api={a}&page=2&per_page={n % 90 + 10}".encode())
                for n, (t, a) in enumerate((t, a) for t in tags[:20] for a in apis[:5])]
    figures = {
        "prepared guide": await timed([(f"/guides/{slug}",)] * 20000),
        "memoized list": await timed([("/guides", listing)] * 20000),
        "304": await timed([(f"/guides/{slug}", b"", [(b"if-none-match", etag)])] * 20000),
        "list computed by its handler": await timed(computed),
    }
    print(json.dumps(figures))

asyncio.run(main())
"""

#: Run in each checkout: the cold load of the corpus, in seconds (its own bench/load.py).
LOAD = "import json, sys, tempfile; from pathlib import Path; from bench.load import load_once; " + (
    "print(json.dumps({'cold load (s)': load_once(Path(sys.argv[1]), Path(tempfile.mkdtemp()))['load']}))"
)


def measure(checkout: Path, script: str, corpus: Path) -> dict[str, float]:
    """The figures of ``script`` run in ``checkout`` (its content_api first on the path)."""
    env = {"PYTHONPATH": str(checkout), "PATH": "/usr/local/bin:/usr/bin:/bin"}
    output = subprocess.run(
        [sys.executable, "-c", script, str(corpus)], cwd=checkout, env=env, capture_output=True, text=True
    )
    if output.returncode != 0:
        raise RuntimeError(f"{checkout}: {output.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return figures


def best_of(checkouts: dict[str, Path], corpus: Path, rounds: int) -> dict[str, dict[str, float]]:
    """For each checkout, each figure's best over ``rounds`` alternating rounds."""
    best: dict[str, dict[str, float]] = {name: {} for name in checkouts}
    for number in range(rounds):
        for name, checkout in checkouts.items():
            figures = measure(checkout, REQUESTS, corpus) | measure(checkout, LOAD, corpus)
            for key, value in figures.items():
                best[name][key] = min(value, best[name].get(key, value))
        print(f"round {number + 1} of {rounds} done", file=sys.stderr)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (a git worktree of an older commit)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "content", help="guides to serve and load")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    checkouts = {"this": ROOT, "other": args.other.resolve()}
    best = best_of(checkouts, args.corpus.resolve(), args.rounds)
    header = f"{'figure':32} {'other':>10} {'this':>10} {'this/other':>10}"
    print(f"{header}   ({args.corpus}, best of {args.rounds})")
    for key, before in best["other"].items():
        now = best["this"][key]
        unit = "" if "(s)" in key else " us"
        print(f"{key:32} {before:10.2f} {now:10.2f} {now / before:10.2f}{unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
