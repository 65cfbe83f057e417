"""Cold load against warm load (from the parse cache), and time to the first request.

    python bench/load.py [--guides 10000] [--corpus DIR [--repeat 500]] [--crossover]

Generates a corpus of N guides (bench/corpus.py) unless --corpus is given (``--repeat N``: its
files copied under other names until there are N, the same bodies), then, each in a fresh
process so that nothing is shared:

* load, cold: the content loaded with an empty cache folder (everything parsed and compressed);
* load, warm: the same content with the cache the cold run wrote;
* first request: `content-api serve --cache DIR` started, time until /ready answers 200 (cold:
  empty cache; warm: filled).

Prints the times and the ratios warm / cold (target: <= 0.1), and, when the Node peers are
installed (``make bench-setup``), markdown-to-jsx 7.2.1 compiling the same bodies in the same run
(best of three passes after a first one; target: cold load <= 1.0 x). ``--crossover``: the parse
of the first k files in this process alone against this process and one spawned process (a new
pool each time, what a load pays), for growing k: where the second process starts to pay.
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


CROSSOVER = """
import json, os, sys, time
from pathlib import Path
from content_api import parallel
from content_api.library import _parse_job
from content_api.parse import ParseOptions

if __name__ == "__main__":
    files = sorted(Path(sys.argv[1]).glob("*.md"))
    jobs = [(p.name, str(p), p.read_bytes(), True, ParseOptions()) for p in files]
    rows = []
    for count in json.loads(sys.argv[2]):
        part = jobs[:count]
        best = {}
        for _ in range(int(sys.argv[3])):
            for processes in (1, 2):
                os.environ[parallel.PROCESSES] = str(processes)
                started = time.perf_counter()
                parallel.pmap(_parse_job, part)
                took = time.perf_counter() - started
                best[processes] = min(best.get(processes, took), took)
        rows.append([count, sum(len(job[2]) for job in part), best[1], best[2]])
    print(json.dumps(rows))
"""
PEERS = ROOT / "bench" / "peers"


def repeat(source: Path, count: int, out: Path) -> Path:
    """``count`` files: those of ``source`` copied round after round under other names (r0-, r1-...)."""
    out.mkdir(parents=True)
    files = sorted(source.glob("*.md"))
    for index in range(count):
        path = files[index % len(files)]
        (out / f"r{index // len(files)}-{path.name}").write_bytes(path.read_bytes())
    return out


def markdown_to_jsx(corpus: Path, work: Path) -> float | None:
    """Seconds markdown-to-jsx 7.2.1 takes to compile the bodies (best pass), None without the peers."""
    if not (PEERS / "node_modules").is_dir() or shutil.which("node") is None:
        return None
    from bench.run import bodies_file

    bodies = work / "bodies.json"
    bodies_file(corpus, bodies)
    output = subprocess.run(
        ["node", str(PEERS / "peers.mjs"), str(bodies), "3"], capture_output=True, text=True, check=True
    ).stdout
    best: float = json.loads(output)["results"]["markdown-to-jsx"]["best"]
    return best


def crossover(corpus: Path, rounds: int = 2) -> None:
    """Print the parse of the first k files on one process against two (see the module's doc)."""
    total = len(list(corpus.glob("*.md")))
    counts = [k for k in (10, 25, 50, 100, 150, 200, 300, 400, 500, 1000, 2000) if k <= total]
    output = subprocess.run(
        [sys.executable, "-c", CROSSOVER, str(corpus), json.dumps(counts), str(rounds)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    from content_api.parallel import processes_for

    print(f"{'files':>6} {'KB':>7} {'1 process':>10} {'2 processes':>12} {'2 / 1':>7} {'chosen':>7}")
    for count, size, one, two in json.loads(output.strip().splitlines()[-1]):
        chosen = 1 + processes_for(size, count, 2)
        print(f"{count:6} {size / 1000:7.0f} {one:10.3f} {two:12.3f} {two / one:7.2f} {chosen:7}")


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
    parser.add_argument("--repeat", type=int, help="with --corpus: its files repeated to this many")
    parser.add_argument("--crossover", action="store_true", help="also one process against two")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="content-api-load-"))
    try:
        corpus = args.corpus
        if corpus is not None and args.repeat:
            corpus = repeat(corpus, args.repeat, work / "content")
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
        machine = f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
        print(f"# {count} guides ({size:.0f} MiB), cache file {cache_size:.0f} MiB, {machine}")
        print(f"{'':22} {'cold':>8} {'warm':>8} {'warm/cold':>10}")
        rows = [("load (s)", cold["load"], warm["load"]), ("process total (s)", cold["total"], warm["total"])]
        rows.append(("first request (s)", cold_ready, warm_ready))
        for name, cold_s, warm_s in rows:
            print(f"{name:22} {cold_s:8.2f} {warm_s:8.2f} {warm_s / cold_s:10.3f}")
        parsed, reused = warm["stats"]["parsed"], warm["stats"]["reused"]
        print(f"# parsed cold {cold['stats']['parsed']}, warm {parsed} (reused {reused})")
        peer = markdown_to_jsx(corpus, work)
        if peer is not None:
            print(f"markdown-to-jsx 7.2.1 {peer:.2f} s: cold load x{cold['load'] / peer:.2f} (target <= 1.0)")
        if args.crossover:
            crossover(corpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
