"""Cold load against warm load (from the parse cache), and time to the first request.

    python bench/load.py [--guides 10000] [--corpus DIR]

Generates a corpus of N guides (bench/corpus.py) unless --corpus is given, then, each in a fresh
process so that nothing is shared:

* load, cold: the content loaded with an empty cache folder (everything parsed and compressed);
* load, warm: the same content with the cache the cold run wrote;
* first request: `content-api serve --cache DIR` started, time until /ready answers 200 (cold:
  empty cache; warm: filled).

Prints the times and the ratios warm / cold (target: <= 0.1).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD = """
import json, sys, time
start = time.perf_counter()
from content_api.config import Settings
from content_api.web.loader import Loader, SnapshotHolder
imported = time.perf_counter()
loader = Loader(Settings(content_dir=sys.argv[1], cache_dir=sys.argv[2]), SnapshotHolder())
loader.load()
done = time.perf_counter()
stats = loader.holder.snapshot.library.stats
print(json.dumps({"load": done - imported, "total": done - start, "stats": stats}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_once(corpus: Path, cache: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", LOAD, str(corpus), str(cache)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def first_request(corpus: Path, cache: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "content_api", "serve", "--port", str(port), "--content", str(corpus),
         "--cache", str(cache)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError("the server exited")
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guides", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path, help="an existing folder of guides (else one is generated)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="content-api-load-"))
    try:
        corpus = args.corpus
        if corpus is None:
            from bench.corpus import generate

            corpus = work / "content"
            generate(args.guides, corpus)
        count = len(list(corpus.glob("*.md")))
        size = sum(p.stat().st_size for p in corpus.glob("*.md")) / 2**20
        cache = work / "cache"
        cold = load_once(corpus, cache)
        warm = load_once(corpus, cache)
        shutil.rmtree(cache)
        cold_ready = first_request(corpus, cache)
        warm_ready = first_request(corpus, cache)
        cache_size = sum(p.stat().st_size for p in cache.iterdir()) / 2**20
        print(f"# {count} guides ({size:.0f} MiB), cache file {cache_size:.0f} MiB, {os.cpu_count()} CPUs")
        print(f"{'':22} {'cold':>8} {'warm':>8} {'warm/cold':>10}")
        rows = [("load (s)", cold["load"], warm["load"]), ("process total (s)", cold["total"], warm["total"])]
        rows.append(("first request (s)", cold_ready, warm_ready))
        for name, cold_s, warm_s in rows:
            print(f"{name:22} {cold_s:8.2f} {warm_s:8.2f} {warm_s / cold_s:10.3f}")
        parsed, reused = warm["stats"]["parsed"], warm["stats"]["reused"]
        print(f"# parsed cold {cold['stats']['parsed']}, warm {parsed} (reused {reused})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
