"""Latency and memory against corpus size: is the request cost flat as the corpus grows?

    python bench/scale.py [--sizes 100,1000,10000,100000] [--work DIR] [--plot bench/scale.png]

For each size, a corpus is generated (bench/corpus.py), `content-api serve --cache` is started
on it, and a Python client on one keep-alive connection times, request by request:

* ``/guides?tag=T&api=A&page=2`` for the most common tag and API, repeated (the edge answers it
  from the responses it remembers) and for 60 distinct tag/API pairs (each computed once:
  index-set intersections, the page cut out of a pre-sorted order, pre-encoded summaries joined);
* ``/editors?api=A&per_page=20&page=2``, repeated and for distinct APIs; ``/editors?api=A`` whole
  (every row of the API: the response itself grows with the corpus) and ``/editors?api=A&q=e&per_page=20``
  (the substring filter scans the API's rows) for distinct APIs;
* ``/guides?q=WORD``, repeated and for distinct common words, and with ``sort=slug``, once the
  server's search warm-up has ended (it says so in its log: ``catalog/warmup.py`` ranks the most
  frequent words ahead; a restart with the same ``--cache`` takes them from the last one), each
  word's first search in that process; and ``/guides?q="N"`` for numbers that only one guide's
  title holds (a selective query).

It reports p50 and p99 of each, the worker's RSS (at /ready, and once the worker has given back
what its load freed: ``rss_mib``) and the time to the first request, and draws latency and memory
against size (PNG, matplotlib).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402
from bench.load import free_port  # noqa: E402

WORDS = ["api", "famille", "quotient", "entreprise", "donnees", "habilitation", "editeur", "cantine",
         "sirene", "adresse", "association", "tarification", "impot", "scolaire", "transport"]  # fmt: skip
#: Generated titles end in "(N)"; these numbers are in no body of the source guides, so one guide matches.
RARE = [17, 19, 23, 26, 27, 29, 31, 33, 34, 35, 37, 38, 41, 42, 43, 45, 48, 49, 50, 51]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def settle(workers: list[int], longest: float = 60.0) -> tuple[float, float]:
    """The workers' RSS at /ready, and once it has settled: a worker gives the memory its load
    freed back after it says it is ready (``web/loader.py`` ``_return_memory``), so the RSS at
    /ready still counts the load's garbage. Settled: no sample of the last 2 s differs from the
    newest by more than 0.5 % (at most ``longest`` seconds after /ready)."""
    samples = [sum(rss_mib(pid) for pid in workers)]
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        time.sleep(0.5)
        samples.append(sum(rss_mib(pid) for pid in workers))
        last = samples[-5:]
        if len(samples) >= 7 and max(last) - min(last) <= 0.005 * last[-1]:
            break
    return samples[0], samples[-1]


class Client:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[float, int, bytes]:
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # the server closes a keep-alive connection idle past HEADER_TIMEOUT (while this waits for
            # the warm-up, say): connect again, as any client does, and time that request alone
            self.connection.close()
            return self._get(path)

    def _get(self, path: str) -> tuple[float, int, bytes]:
        start = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        return time.perf_counter() - start, response.status, body

    def times(self, paths: list[str]) -> dict[str, float]:
        elapsed = []
        for path in paths:
            seconds, status, _ = self.get(path)
            if status != 200:
                raise RuntimeError(f"{path}: {status}")
            elapsed.append(seconds * 1000)
        elapsed.sort()
        return {
            "p50": statistics.median(elapsed),
            "p99": elapsed[min(len(elapsed) - 1, int(len(elapsed) * 0.99))],
        }


def warm_up(log: Path, timeout: float = 1800.0) -> str:
    """Wait for the server's search warm-up to end (its log line), and say what it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if "search warm-up:" in line:
                return line.split("search warm-up:", 1)[1].strip()
        time.sleep(0.5)
    raise RuntimeError(f"no end of the search warm-up in {log} after {timeout} s")


def measure(size: int, work: Path, repeats: int = 400) -> dict[str, Any]:
    corpus = work / f"corpus-{size}"
    if not corpus.is_dir():
        generate(size, corpus)
    port = free_port()
    started = time.perf_counter()
    log = work / f"server-{size}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "content_api", "serve", "--port", str(port), "--content", str(corpus),
         "--cache", str(work / f"cache-{size}")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True,
    )  # fmt: skip
    try:
        client = None
        while client is None:
            try:
                probe = Client(port)
                if probe.get("/ready")[1] == 200:
                    client = probe
                else:  # still loading: asking again at once would take the CPU the load needs
                    time.sleep(0.05)
            except OSError:
                time.sleep(0.05)
            if process.poll() is not None:
                raise RuntimeError("the server exited")
        ready = time.perf_counter() - started
        workers = children(process.pid) or [process.pid]
        at_ready, settled = settle(workers)
        tags = [t["slug"] for t in json.loads(client.get("/tags")[2])["data"]]
        apis = [a["slug"] for a in json.loads(client.get("/apis")[2])["data"]]
        listing = f"/guides?tag={tags[0]}&api={apis[0]}&page=2"
        pairs = [f"/guides?tag={t}&api={a}&page=2" for t in tags[:20] for a in apis[:3]][1:61]
        words = [f"/guides?q={urllib.parse.quote(w)}" for w in WORDS]
        figures = {
            "guides": size,
            "ready_s": ready,
            "rss_mib": settled,
            "rss_ready_mib": at_ready,
            "list_cached": client.times([listing] * repeats),
            "list_computed": client.times(pairs),
            "editors_cached": client.times([f"/editors?api={apis[0]}&per_page=20&page=2"] * repeats),
            "editors_computed": client.times([f"/editors?api={a}&per_page=20&page=2" for a in apis[:40]]),
            "editors_whole": client.times([f"/editors?api={a}" for a in apis[:40]]),
            "editors_q": client.times([f"/editors?api={a}&q=e&per_page=20" for a in apis[:40]]),
            "warm_up": warm_up(log),  # the searches below come after the warm-up (catalog/warmup.py)
            "search_cached": client.times([words[0]] * repeats),
            "search_computed": client.times(words[1:] + [f"/guides?q={w}&sort=slug" for w in WORDS]),
            "search_selective": client.times([f"/guides?q=%22{n}%22" for n in RARE]),
        }
        return figures
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=60)


KEYS = (
    "list_cached",
    "list_computed",
    "editors_cached",
    "editors_computed",
    "editors_whole",
    "editors_q",
    "search_cached",
    "search_computed",
    "search_selective",
)

#: Requests whose work is proportional to what they return or match, reported but not held flat.
GROWS = {
    "editors_whole": "(every row: grows)",
    "editors_q": "(scans the rows)",
}


def plot(results: list[dict[str, Any]], out: Path) -> None:
    """Draw ``results`` to ``out``; without matplotlib (``make bench-setup`` installs it), say so:
    the figures are printed and written to scale.json either way."""
    try:
        import matplotlib
    except ImportError:
        print(f"  (no plot: matplotlib is not installed; `make bench-setup` installs it) {out} unchanged")
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["guides"] for r in results]
    figure, (latency, memory) = plt.subplots(1, 2, figsize=(12, 4.5))
    for key, label, style in (
        ("list_cached", "/guides?tag&api&page=2 (cached)", "-"),
        ("list_computed", "/guides?tag&api&page=2 (computed)", "--"),
        ("editors_cached", "/editors?api&page=2 (cached)", "-"),
        ("editors_computed", "/editors?api&page=2 (computed)", "--"),
        ("editors_whole", "/editors?api, every row (computed)", ":"),
        ("editors_q", "/editors?api&q=e (computed)", ":"),
        ("search_cached", "/guides?q=word (cached)", "-"),
        ("search_computed", "/guides?q=common word (first search, warmed)", ":"),
        ("search_selective", '/guides?q="N", one match (computed)', "--"),
    ):
        latency.plot(sizes, [r[key]["p50"] for r in results], style, marker="o", label=label)
    latency.set(
        xscale="log", yscale="log", xlabel="guides", ylabel="p50 latency (ms)", title="Request latency"
    )
    latency.legend(fontsize=7)
    memory.plot(sizes, [r["rss_mib"] for r in results], marker="o", label="worker RSS")
    memory.plot(sizes, [20 * s / 1000 for s in sizes], ":", label="20 MB per 1,000 guides (target)")
    memory.set(xscale="log", yscale="log", xlabel="guides", ylabel="MiB", title="Memory")
    memory.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/content-api-scale"))
    parser.add_argument("--plot", type=Path, default=ROOT / "bench" / "scale.png")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = [measure(int(size), args.work) for size in args.sizes.split(",")]
    print(json.dumps(results, indent=1))
    plot(results, args.plot)
    first, last = results[0], results[-1]
    for key in KEYS:
        print(f"{key:18} p50 {first[key]['p50']:.2f} ms at {first['guides']} -> {last[key]['p50']:.2f} ms at "
              f"{last['guides']}: x{last[key]['p50'] / first[key]['p50']:.2f} (target <= 1.5)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
