"""HTTP throughput of content-api against nginx serving the same bytes as static files.

    python bench/throughput.py [--duration 10] [--connections 64] [--workers N] [--server granian|uvicorn]
                               [--content DIR]

Starts `content-api serve` on a free loopback port (default worker count unless --workers), saves
the bytes it answers for a guide detail and for a filtered list as static files, starts nginx on
another port over them, then runs wrk (2 threads, 64 connections) in one run against:

* ``GET /guides/<slug>`` (200, identity),
* ``GET /guides?tag=...&api=...`` (200, identity),
* the same detail with ``If-None-Match`` (304),

and prints requests/s, p99 latency and the ratio to nginx's 200 for the same bytes. Beside them,
the floor of a Python server here (bench/floor.py): granian, one worker, answering the detail's
bytes with an ASGI and with an RSGI app that do nothing else, and (when ``node`` is installed) a
bare Node.js ``http`` server answering the same bytes (bench/peers/http_floor.mjs: the ceiling of
any Node content server). Needs wrk and nginx (Debian:
``apt-get install wrk nginx-light``). Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NGINX_CONF = """
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        default_type application/json;
        location = /guides {{ alias {tmp}/www/list.json; }}
        location /guides/ {{ alias {tmp}/www/guides/; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), {k.lower(): v for k, v in response.getheaders()}


def wrk(
    url: str, duration: int, connections: int, headers: dict[str, str] | None = None
) -> tuple[float, str]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"\s99%\s+(\S+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", output)
    if errors:
        print(f"  ! {url}: {errors.group(0)}", file=sys.stderr)
    return rate, p99.group(1) if p99 else "?"


def start_api(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "content_api",
        "serve",
        "--port",
        str(port),
        "--content",
        str(args.content),
    ]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.server:
        command += ["--server", args.server]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--workers", type=int, default=0, help="content-api workers (default: serve's default)"
    )
    parser.add_argument("--nginx-workers", default="auto")
    parser.add_argument("--server", choices=("uvicorn", "granian"), help="default: serve's default")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--slug", default="ccas")
    parser.add_argument("--list", default="/guides?tag=ccas&api=particulier")
    return parser.parse_args()


def start_nginx(
    args: argparse.Namespace, tmp: Path, port: int, detail: bytes, listing: bytes
) -> subprocess.Popen[bytes]:
    """Save the detail and the list under ``tmp/www`` and start nginx on ``port`` over them."""
    (tmp / "www" / "guides").mkdir(parents=True)
    (tmp / "www" / "guides" / args.slug).write_bytes(detail)
    (tmp / "www" / "list.json").write_bytes(listing)
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=args.nginx_workers, tmp=tmp, port=port))
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen([nginx_bin, "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL)


def start_floors(body: Path, floors: list[tuple[str, int, subprocess.Popen[bytes]]]) -> None:
    """Start granian (one worker) with bench/floor.py's ASGI and RSGI apps answering ``body``.

    Each is added to ``floors`` as soon as it is started (so that the caller stops it whatever
    happens next), then each is waited for until it answers.
    """
    for interface in ("asgi", "rsgi"):
        port = free_port()
        floors.append((interface, port, subprocess.Popen(
            [str(Path(sys.executable).with_name("granian")), "--interface", interface,
             "--port", str(port), "--workers", "1", "--no-ws", f"bench.floor:{interface}"],
            cwd=ROOT, env={**os.environ, "FLOOR_BODY": str(body)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )))  # fmt: skip
    node = shutil.which("node")
    if node is not None:  # the Node.js peer: a bare `http` server answering the same bytes
        port = free_port()
        floors.append(("node", port, subprocess.Popen(
            [node, str(ROOT / "bench" / "peers" / "http_floor.mjs"), str(body), str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )))  # fmt: skip
    for _, port, process in floors:
        wait_for(f"http://127.0.0.1:{port}/", process)


def _floor_name(interface: str) -> str:
    return "peer   node http (no app work)" if interface == "node" else f"floor  {interface} (no app work)"


def measure_all(
    runs: list[tuple[str, str, dict[str, str]]], connections: int, duration: int
) -> dict[str, tuple[float, str]]:
    """wrk on each target, after a 2 s warm-up: {name: (requests/s, p99 latency)}."""
    results = {}
    for name, url, extra in runs:
        wrk(url, 2, connections, extra)  # warm up
        results[name] = wrk(url, duration, connections, extra)
    return results


def print_report(
    args: argparse.Namespace, detail: bytes, listing: bytes, results: dict[str, tuple[float, str]]
) -> None:
    """The setup, then requests/s, p99 and the ratio to nginx's 200 for the same bytes of each target."""
    workers = args.workers or "default"
    server = args.server or "default server"
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"# {time.strftime('%Y-%m-%d')} {machine}; content-api on {server} ({workers} workers)")
    print(f"# nginx worker_processes {args.nginx_workers}; wrk -t2 -c{args.connections} -d{args.duration}s")
    print(f"# detail {len(detail)} bytes, list {len(listing)} bytes (identity)")
    print(f"{'target':31} {'req/s':>10} {'p99':>9} {'ratio':>7}")
    pairs = {
        "api    /guides/<slug>": "nginx  /guides/<slug>",
        "api    /guides?tag&api": "nginx  /guides?tag&api",
        "api    304 /guides/<slug>": "nginx  /guides/<slug>",
        "floor  asgi (no app work)": "nginx  /guides/<slug>",
        "floor  rsgi (no app work)": "nginx  /guides/<slug>",
        "peer   node http (no app work)": "nginx  /guides/<slug>",
    }
    for name, (rate, p99) in results.items():
        ratio = f"{rate / results[pairs[name]][0]:.2f}" if name in pairs else ""
        print(f"{name:31} {rate:10.0f} {p99:>9} {ratio:>7}")


def stop(
    api: subprocess.Popen[bytes],
    nginx: subprocess.Popen[bytes] | None,
    floors: list[tuple[str, int, subprocess.Popen[bytes]]],
    tmp: Path,
) -> None:
    """Stop every server started (content-api gracefully, nginx with SIGQUIT) and remove ``tmp``."""
    for _, _, process in floors:  # granian and its worker process: the whole group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for process in (api, nginx):
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM if process is api else signal.SIGQUIT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    args = parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            print(f"{tool} is not installed (Debian: apt-get install wrk nginx-light)", file=sys.stderr)
            return 2

    api_port, nginx_port = free_port(), free_port()
    api = start_api(args, api_port)
    floors: list[tuple[str, int, subprocess.Popen[bytes]]] = []
    tmp = Path(tempfile.mkdtemp(prefix="content-api-bench-"))
    tmp.chmod(0o755)  # nginx workers run as another user
    nginx = None
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(base + "/ready", api)
        detail, headers = fetch(f"{base}/guides/{args.slug}")
        listing, _ = fetch(base + args.list)
        nginx = start_nginx(args, tmp, nginx_port, detail, listing)
        static = f"http://127.0.0.1:{nginx_port}"
        wait_for(f"{static}/guides/{args.slug}", nginx)
        assert fetch(f"{static}/guides/{args.slug}")[0] == detail

        start_floors(tmp / "www" / "guides" / args.slug, floors)
        etag = headers["etag"]
        runs = [
            ("nginx  /guides/<slug>", f"{static}/guides/{args.slug}", {}),
            ("api    /guides/<slug>", f"{base}/guides/{args.slug}", {}),
            ("nginx  /guides?tag&api", static + "/guides", {}),
            ("api    /guides?tag&api", base + args.list, {}),
            ("api    304 /guides/<slug>", f"{base}/guides/{args.slug}", {"If-None-Match": etag}),
            *((_floor_name(i), f"http://127.0.0.1:{port}/", {}) for i, port, _ in floors),
        ]
        print_report(args, detail, listing, measure_all(runs, args.connections, args.duration))
    finally:
        stop(api, nginx, floors, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
