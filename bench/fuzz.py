"""Fuzzed requests: schemathesis against a live server's own OpenAPI document.

    python bench/fuzz.py [--max-examples 200] [--content DIR] [--seed N]

Starts `content-api serve` on a free loopback port (the guides of ``content/`` by default, plus
a guide with every kind of node so that every response shape is exercised), then runs
``st run http://127.0.0.1:PORT/schema/openapi.json --checks all`` on every operation, every phase
(examples, coverage, fuzzing, stateful), positive and negative data. Prints the number of
requests sent, the number of failures (server errors, responses that violate the schema or the
status codes it documents, ...) and exits non-zero on any. The test suite runs it with a small
``--max-examples`` (tests/test_fuzz.py); this command is the long run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import free_port  # noqa: E402

#: A guide with one of each: lists, table, editor table, code, components, links, a broken link.
SAMPLE = """---
title: Guide d'essai
tagline: Tous les nœuds
tags: [essai, ccas]
api: [API Particulier, API Entreprise]
related_guides: [ccas, inconnu]
image: /images/essai.png
---

# Titre

Un paragraphe avec *emphase*, **fort**, `code`, ~~barré~~, un [lien](https://api.gouv.fr) et
<External href="https://www.legifrance.gouv.fr">un lien externe</External>.

- [x] fait
- [ ] à faire

| Éditeur | Solution | API |
|---|---|---|
| Arpège | Concerto | API Particulier |

<Quote who="Une mairie" logo="/images/mairie.png">
Une citation.
</Quote>

```python
print("bonjour")
```

<NextSteps />
"""


def serve(content: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "content_api", "serve", "--port", str(port), "--content", str(content)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not become ready")


#: A valid request may also be answered 410: /changes with a well-formed cursor it does not know.
CONFIG = """\
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "3XX", "401", "403", "404", "409", "410", "429", "5XX"]
"""


def fuzz(port: int, max_examples: int, seed: int, report: Path) -> tuple[int, int, int, str]:
    """Run schemathesis; (exit code, requests sent, failures, its summary)."""
    st = Path(sys.executable).with_name("st")
    config = report.with_name("schemathesis.toml")
    config.write_text(CONFIG, encoding="utf-8")
    command = [
        str(st) if st.exists() else "st", "--config-file", str(config), "run",
        f"http://127.0.0.1:{port}/schema/openapi.json",
        "--checks", "all", "--max-examples", str(max_examples), "--seed", str(seed),
        "--generation-database", "none", "--workers", "1", "--no-color",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"}
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600, check=False)
    requests = failures = 0
    for line in report.read_text(encoding="utf-8").splitlines() if report.exists() else ():
        finished = json.loads(line).get("ScenarioFinished")
        if finished is None:
            continue
        recorder = finished.get("recorder", {})
        requests += len(recorder.get("interactions", {}))  # one HTTP exchange per test case sent
        for checks in recorder.get("checks", {}).values():
            failures += sum(1 for check in checks if str(check.get("status", "")).lower() == "failure")
    summary = run.stdout[-3000:] + run.stderr[-2000:]
    return run.returncode, requests, failures, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=200, help="per operation and phase")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        content = Path(work) / "content"
        shutil.copytree(args.content, content)
        (content / "essai.md").write_text(SAMPLE, encoding="utf-8")
        port = free_port()
        process = serve(content, port)
        try:
            report = Path(work) / "report.ndjson"
            code, requests, failures, summary = fuzz(port, args.max_examples, args.seed, report)
        finally:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
    print(summary)
    print(f"schemathesis: {requests} requests, {failures} failed checks, exit code {code}")
    return 0 if code == 0 and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
