"""The whole benchmark suite, one table of figures, ratios and targets.

    python bench/run.py [--quick]          # or: make bench-all

Runs, on this machine, in this order (about 30 minutes; --quick: smaller corpora, about 6):

1. parse: the engine against markdown-it-py's raw tokenization (bench/parse.py, real guides);
2. throughput: wrk against content-api and nginx serving the same bytes (bench/throughput.py);
3. load: the full cold load against markdown-to-jsx 7.2.1 and remark-parse + remark-gfm
   (bench/peers/, Node) on the same bodies, and the warm load from the parse cache (bench/load.py);
   then the same on the real guides of ../shared/corpus/guides repeated to 500 files (issue 17);
4. scale: latency and memory from 100 to 100,000 guides, plotted to bench/scale.png (bench/scale.py).

Needs wrk and nginx (apt-get install wrk nginx-light) and the peers (`npm ci` in bench/peers:
`make bench-setup`). Nothing here downloads anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale  # noqa: E402
from bench.corpus import generate  # noqa: E402
from bench.load import first_request, load_once, markdown_to_jsx, repeat  # noqa: E402

PEERS = ROOT / "bench" / "peers"
REAL_GUIDES = ROOT.parent / "shared" / "corpus" / "guides"
rows: list[tuple[str, str, str, str]] = []


def row(name: str, figure: str, ratio: str = "", target: str = "") -> None:
    rows.append((name, figure, ratio, target))
    print(f"  {name}: {figure} {ratio} {target}", flush=True)


def run(*command: str) -> str:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def parse_step() -> None:
    output = run(sys.executable, "bench/parse.py", "--rounds", "20")
    ratio = re.search(r"ratio engine / tokens : ([\d.]+)", output)
    per_guide = re.search(r"content-api parse\s+: ([\d.]+) ms", output)
    row("parse, per real guide", f"{per_guide.group(1) if per_guide else '?'} ms",
        f"x{ratio.group(1) if ratio else '?'} of markdown-it-py tokens", "<= 1.3")  # fmt: skip


#: bench/throughput.py's rows, and the targets of issue 17 (ratios to nginx's 200 for the same bytes)
THROUGHPUT = {
    "api    /guides/<slug>": ">= 0.75",
    "api    /guides?tag&api": ">= 0.70",
    "api    304 /guides/<slug>": ">= 0.85",
    "floor  asgi (no app work)": "(the ceiling of any ASGI app here)",
    "floor  rsgi (no app work)": "(the ceiling of any RSGI app here)",
    "peer   node http (no app work)": "(the ceiling of any Node.js server here)",
}


def throughput_step(duration: int) -> None:
    output = run(sys.executable, "bench/throughput.py", "--duration", str(duration))
    found: dict[str, float] = {}
    for line in output.splitlines():
        for name, target in THROUGHPUT.items():
            if line.startswith(name):
                rate, p99, ratio = line[len(name) :].split()
                found[name] = float(rate)
                label = (
                    name.replace("api    ", "GET ")
                    .replace("floor  ", "granian floor, ")
                    .replace("peer   ", "")
                )
                row(label, f"{float(rate):,.0f} req/s, p99 {p99}", f"x{ratio} of nginx", target)
    detail, floor = found.get("api    /guides/<slug>"), found.get("floor  rsgi (no app work)")
    if detail and floor:
        row("GET /guides/<slug> against the RSGI floor", "", f"x{detail / floor:.2f}", ">= 0.90")
    node = found.get("peer   node http (no app work)")
    for name in list(THROUGHPUT)[:3]:
        if node and name in found:
            row(
                f"{name.replace('api    ', 'GET ')} against the Node.js peer",
                "",
                f"x{found[name] / node:.2f}",
                "> 1.0",
            )


def bodies_file(corpus: Path, out: Path) -> None:
    from content_api.parse.context import Context
    from content_api.parse.front_matter import split_front_matter
    from content_api.parse.source import decode

    bodies = []
    for path in sorted(corpus.glob("*.md")):
        ctx = Context(None)
        bodies.append(split_front_matter(decode(path.read_bytes(), ctx) or "", ctx).body)
    out.write_text(json.dumps(bodies), encoding="utf-8")


def load_step(corpus: Path, work: Path) -> None:
    count = len(list(corpus.glob("*.md")))
    cache = work / "cache-load"
    shutil.rmtree(cache, ignore_errors=True)
    cold = load_once(corpus, cache)
    warm = load_once(corpus, cache)
    row(f"full load, {count} guides, cold", f"{cold['load']:.2f} s", "", "<= 8 s for 10,000")
    row(
        f"full load, {count} guides, warm (cache)",
        f"{warm['load']:.2f} s",
        f"x{warm['load'] / cold['load']:.3f} of cold",
        "(reported)",
    )
    if (PEERS / "node_modules").is_dir() and shutil.which("node"):
        bodies = work / "bodies.json"
        bodies_file(corpus, bodies)
        peers = json.loads(run("node", str(PEERS / "peers.mjs"), str(bodies), "1"))["results"]
        for name, target in (("markdown-to-jsx", "<= 1.0"), ("remark-parse+remark-gfm", "<= 0.4")):
            best = peers[name]["best"]
            row(f"full load vs {name}", f"{name} {best:.2f} s", f"x{cold['load'] / best:.2f}", target)
    else:
        row("full load vs peers", "skipped: run `make bench-setup` (npm ci in bench/peers)")
    shutil.rmtree(cache, ignore_errors=True)
    cold_ready = first_request(corpus, cache)
    warm_ready = first_request(corpus, cache)
    row(
        f"time to first request, {count} guides",
        f"cold {cold_ready:.2f} s, warm {warm_ready:.2f} s",
        f"x{warm_ready / cold_ready:.3f}",
        "(reported)",
    )


def real_load_step(work: Path) -> None:
    """Issue 17, point 4: the real guides repeated to 500 files, cold and warm, against markdown-to-jsx
    compiling the same bodies in the same run (skipped without ../shared)."""
    if not REAL_GUIDES.is_dir():
        row("full load, 500 real guides", f"skipped: no {REAL_GUIDES}")
        return
    folder = work / "real-500"
    shutil.rmtree(folder, ignore_errors=True)
    corpus = repeat(REAL_GUIDES, 500, folder / "content")
    cache = folder / "cache"
    cold = load_once(corpus, cache)
    warm = load_once(corpus, cache)
    row("full load, 500 real guides, cold", f"{cold['load']:.2f} s")
    row(
        "full load, 500 real guides, warm",
        f"{warm['load']:.2f} s",
        f"x{warm['load'] / cold['load']:.3f} of cold",
        "<= 0.10",
    )
    peer = markdown_to_jsx(corpus, folder)
    if peer is not None:
        row(
            "full load, 500 real guides, vs markdown-to-jsx",
            f"markdown-to-jsx {peer:.2f} s",
            f"x{cold['load'] / peer:.2f}",
            "<= 1.0",
        )
    shutil.rmtree(folder, ignore_errors=True)


def scale_step(sizes: list[int], work: Path) -> None:
    results = [scale.measure(size, work) for size in sizes]
    if results[-1]["guides"] >= 100_000:  # the plot and figures bench/README.md shows: the full range only
        scale.plot(results, ROOT / "bench" / "scale.png")
        (ROOT / "bench" / "scale.json").write_text(json.dumps(results, indent=1) + "\n")
    first, last = results[0], results[-1]
    for key in scale.KEYS:
        before, after = first[key]["p50"], last[key]["p50"]
        name = f"p50 {key.replace('_', ' ')} {first['guides']} -> {last['guides']}"
        target = scale.GROWS.get(key, "<= 1.5")
        row(name, f"{before:.2f} -> {after:.2f} ms", f"x{after / before:.2f}", target)
    for result in results:
        per_thousand = result["rss_mib"] / result["guides"] * 1000
        figure, ratio = f"{result['rss_mib']:.0f} MiB", f"{per_thousand:.1f} MiB per 1,000"
        target = "<= 20 per 1,000" if result["guides"] >= 100_000 else "(reported)"
        row(f"worker RSS, {result['guides']} guides", figure, ratio, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000-guide load, scale up to 10,000")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "content-api-bench")
    parser.add_argument("--scale-sizes", help="the scale step's corpus sizes (default 100,1000,10000,100000)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"# {time.strftime('%Y-%m-%d')}, {machine}")
    print("parse"), parse_step()
    print("throughput"), throughput_step(5 if args.quick else 10)
    size = 1_000 if args.quick else 10_000
    corpus = args.work / f"corpus-{size}"
    if not corpus.is_dir():
        generate(size, corpus)
    print("load"), load_step(corpus, args.work)
    print("load, real guides"), real_load_step(args.work)
    sizes = [100, 1_000, 10_000] if args.quick else [100, 1_000, 10_000, 100_000]
    if args.scale_sizes:
        sizes = [int(size) for size in args.scale_sizes.split(",")]
    print("scale"), scale_step(sizes, args.work)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':{width}}  {'value':38} {'ratio':30} target")
    for name, figure, ratio, target in rows:
        print(f"{name:{width}}  {figure:38} {ratio:30} {target}")
    print(f"# {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
