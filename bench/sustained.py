"""Sustained load: wrk on a mix of endpoints for a minute; errors, status codes, p99, memory.

    python bench/sustained.py [--duration 60] [--connections 128] [--guides 1000]

Generates a corpus (bench/corpus.py), starts `content-api serve` on it (its defaults), then runs
`wrk -t2 -cN -dDs` with a Lua script that walks a shuffled list of paths: guide details,
filtered and paged lists, searches (cached and new), editors, facets, sitemap, conditional
requests, and unknown guides (the only 404s meant to happen). It reports requests/s, p50/p99,
socket errors, every status by kind of path, and the workers' RSS at the start and at the end
(after a warm-up pass over every path, so that remembered answers are counted at the start).
Exits non-zero on any socket error or unexpected status. Talks to 127.0.0.1 only; needs wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402
from bench.load import free_port  # noqa: E402
from bench.scale import WORDS, children, rss_mib  # noqa: E402

LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do
  local kind, etag, path = line:match("^(%%S+)\t(%%S*)\t(.*)$")
  table.insert(paths, {kind = kind, etag = etag, path = path})
end
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
local counter = 0
function init(args)
  counts = {}
  counter = (id or 0) * 7919
end
function request()
  counter = counter + 1
  local p = paths[(counter %% #paths) + 1]
  local headers = {}
  if p.etag ~= "" then headers["If-None-Match"] = p.etag end
  return wrk.format("GET", p.path, headers)
end
-- Responses come back on many connections at once: a 404 is told intended by its body.
function response(status, headers, body)
  local key = tostring(status)
  if status == 404 and body:find("nulle%%-part", 1, false) then key = "404 intended" end
  counts[key] = (counts[key] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do total[key] = (total[key] or 0) + n end
  end
  local out = {}
  for key, n in pairs(total) do table.insert(out, string.format("%%q: %%d", key, n)) end
  io.write("STATUS {" .. table.concat(out, ", ") .. "}\n")
  io.write(string.format("LATENCY p50=%%d p99=%%d\n", latency:percentile(50), latency:percentile(99)))
  local e = summary.errors
  io.write(string.format("ERRORS connect=%%d read=%%d write=%%d timeout=%%d status=%%d\n",
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""

#: The answers the mix means to get; anything else is a failure.
EXPECTED = {"200", "304", "404 intended"}


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, {}, error.read()


def paths(base: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, ETag to send or "", path) for the mix, shuffled."""
    guides = json.loads(get(base + "/guides?per_page=100&fields=slug")[2])["data"]
    slugs = [g["slug"] for g in guides]
    tags = [t["slug"] for t in json.loads(get(base + "/tags")[2])["data"]][:10]
    apis = [a["slug"] for a in json.loads(get(base + "/apis")[2])["data"]][:5]
    mix: list[tuple[str, str, str]] = []
    for slug in slugs[:60]:
        mix.append(("detail", "", f"/guides/{slug}"))
    for slug in slugs[:20]:
        mix.append(("conditional", get(f"{base}/guides/{slug}")[1]["etag"], f"/guides/{slug}"))
    for tag in tags:
        for api in apis:
            mix.append(("list", "", f"/guides?tag={tag}&api={api}&page={rng.randint(1, 3)}"))
    for word in WORDS:
        mix.append(("search", "", f"/guides?q={urllib.parse.quote(word)}"))
        mix.append(("search", "", f"/guides?q={urllib.parse.quote(word)}&per_page=5&page=2"))
    for api in apis:
        mix.append(("editors", "", f"/editors?api={api}&per_page=50"))
        mix.append(("editors", "", f"/editors?api={api}&q=a"))
    mix += [("facets", "", "/tags"), ("facets", "", "/apis"), ("seo", "", "/sitemap.xml")]
    mix += [("seo", "", "/robots.txt"), ("seo", "", "/health")]
    mix += [("missing", "", f"/guides/nulle-part-{n}") for n in range(10)]
    rng.shuffle(mix)
    return mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--guides", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "content-api-sustained")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    corpus = args.work / f"corpus-{args.guides}"
    if not corpus.is_dir():
        generate(args.guides, corpus)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "content_api", "serve", "--port", str(port), "--content", str(corpus)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if get(base + "/ready")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise RuntimeError("the server exited")
        mix = paths(base, random.Random(1))
        for _, _, path in mix:  # warm-up: every answer computed and remembered once
            get(base + path)
        workers = children(server.pid) or [server.pid]
        rss_start = sum(rss_mib(pid) for pid in workers)
        listing = args.work / "paths.tsv"
        listing.write_text("".join(f"{k}\t{e}\t{p}\n" for k, e, p in mix), encoding="utf-8")
        script = args.work / "mix.lua"
        script.write_text(LUA % {"paths": listing}, encoding="utf-8")
        command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "-s", str(script), base]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        rss_end = sum(rss_mib(pid) for pid in children(server.pid) or [server.pid])
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    statuses: dict[str, int] = json.loads(re.search(r"STATUS (\{.*\})", output).group(1))  # type: ignore[union-attr]
    p50, p99 = (int(v) / 1000 for v in re.search(r"LATENCY p50=(\d+) p99=(\d+)", output).groups())  # type: ignore[union-attr]
    errors = dict(re.findall(r"(\w+)=(\d+)", re.search(r"ERRORS (.*)", output).group(1)))  # type: ignore[union-attr]
    socket_errors = sum(int(errors[k]) for k in ("connect", "read", "write", "timeout"))
    unexpected = {key: n for key, n in statuses.items() if key not in EXPECTED}
    total = sum(statuses.values())
    print(f"# wrk -t2 -c{args.connections} -d{args.duration}s, {args.guides} guides, {len(mix)} paths")
    print(f"requests: {total:,} ({rate:,.0f}/s), p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"socket errors: {socket_errors} {errors}")
    print("statuses: " + ", ".join(f"{k}: {n:,}" for k, n in sorted(statuses.items())))
    print(f"unexpected statuses: {sum(unexpected.values())} {unexpected or ''}")
    print(f"workers' RSS: {rss_start:.0f} MiB at the start, {rss_end:.0f} MiB at the end "
          f"({rss_end - rss_start:+.1f} MiB)")  # fmt: skip
    return 0 if socket_errors == 0 and not unexpected else 1


if __name__ == "__main__":
    sys.exit(main())
