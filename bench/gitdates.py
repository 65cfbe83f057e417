"""What dating guides by git costs a load: 10,000 guides in a git checkout against the same files without.

    python bench/gitdates.py [--guides 10000] [--commits 3000] [--rounds 5] [--cold-rounds 1]

Generates N guides (varied Markdown: headings, paragraphs with emphasis and links, lists, tables,
editor tables, code, quotes, components; no front matter date, so that every date comes from git
or the file) and writes them twice into a temporary folder: once as ``content/`` of a git
repository whose history has C commits (the first adds every guide, each other one changes one to
five of them; built with ``git fast-import``, then checked out), once as a plain folder. Then
``load_library(lean=True)`` on each, alternately, best of the rounds:

* cold: nothing cached, every file parsed (``--cold-rounds``; 0 skips it);
* warm: the parse cache of a first load given, with what git said then (what a restart with
  ``CACHE_DIR`` does: the cache file keeps both): reading, hashing and dating every file is most
  of what is left, and git only confirms that HEAD did not move;
* reload: ``previous=`` the last load, HEAD unchanged (what ``--watch`` does): only ``git
  rev-parse`` runs (and every file's blob id is computed from its bytes).

Prints each time and the ratio git / plain (target: under 1.10), and the git runs alone.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content_api import gitdates, load_library  # noqa: E402
from content_api.library import Library, Parsed  # noqa: E402

WORDS = [
    "demande",
    "allocation",
    "famille",
    "commune",
    "service",
    "usager",
    "dossier",
    "instruction",
    "données",
    "API",
    "particulier",
    "entreprise",
    "attestation",
    "justificatif",
    "quotient",
    "scolaire",
    "cantine",
    "transport",
    "collectivité",
    "éditeur",
    "logiciel",
    "habilitation",
    "convention",
    "accès",
    "démarche",
    "simplifiée",
    "formulaire",
    "pièce",
    "administration",
    "échange",
    "sécurisé",
    "jeton",
    "production",
    "recette",
]
TAGS = ("cas usage", "famille", "social", "fiscal", "école", "transport", "santé", "emploi", "logement")
APIS = ("API Particulier", "API Entreprise", "API Impôt particulier", "API Droits CNAM", "API Sirene")


def sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    if len(chosen) > 4 and rng.random() < 0.4:
        k = rng.randrange(len(chosen) - 2)
        mark = rng.choice(("*", "**", "`"))
        chosen[k] = f"{mark}{chosen[k]}{mark}"
    if rng.random() < 0.3:
        chosen.append(f"[{rng.choice(WORDS)}](https://api.gouv.fr/les-api/{rng.choice(WORDS)})")
    return " ".join(chosen).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(2, 5)))


def block(rng: random.Random, n: int) -> str:
    """One block of a guide body, of a kind drawn at random (paragraphs most often)."""
    kind = rng.choices(
        ("p", "list", "table", "editors", "code", "quote", "component"), (8, 3, 1, 1, 1, 1, 1)
    )[0]
    if kind == "list":
        marker = rng.choice(("-", "*", "1."))
        return "\n".join(f"{marker} {sentence(rng, rng.randint(3, 10))}" for _ in range(rng.randint(2, 6)))
    if kind == "table":
        rows = [f"| {rng.choice(WORDS)} | {rng.choice(WORDS)} | {rng.randint(1, 99)} |" for _ in range(4)]
        return "| Donnée | Source | Délai |\n|---|:---:|---:|\n" + "\n".join(rows)
    if kind == "editors":
        rows = [
            f"| Éditeur {n}-{k} | Solution {rng.choice(WORDS)} | 2024 |" for k in range(rng.randint(2, 8))
        ]
        return "| Éditeur | Nom de la solution | Date |\n|---|---|---|\n" + "\n".join(rows)
    if kind == "code":
        return f'```json\n{{"{rng.choice(WORDS)}": {rng.randint(1, 999)}, "ok": true}}\n```'
    if kind == "quote":
        who, title = rng.choice(WORDS).title(), rng.choice(WORDS)
        return f'<Quote who="{who}" title="{title}">\n\n{paragraph(rng)}\n\n</Quote>'
    if kind == "component":
        href = f"https://www.service-public.fr/{rng.choice(WORDS)}"
        return f'<External href="{href}">{sentence(rng, 4)}</External>'
    return paragraph(rng)


def guide(rng: random.Random, n: int) -> str:
    tags = ", ".join(rng.sample(TAGS, rng.randint(1, 3)))
    apis = "".join(f"\n  - {api}" for api in rng.sample(APIS, rng.randint(1, 2)))
    front = (
        f"---\ntitle: Guide {n} — {sentence(rng, 4)[:-1]}\ntagline: {sentence(rng, 10)}\n"
        f"tags: {tags}\napi:{apis}\npublish: {str(rng.random() < 0.9).lower()}\n---\n"
    )
    body = []
    for section in range(rng.randint(2, 6)):
        body.append(f"## {sentence(rng, rng.randint(2, 6))[:-1]} {section}")
        body += [block(rng, n) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.3:
            body.append(f"### {sentence(rng, 3)[:-1]}")
            body.append(paragraph(rng))
    return front + "\n" + "\n\n".join(body) + "\n"


def history(guides: int, commits: int, seed: int) -> tuple[bytes, dict[str, bytes]]:
    """The ``git fast-import`` stream of the history, and each file's last version."""
    rng = random.Random(seed)
    files = {f"guide-{n:05d}.md": guide(rng, n).encode() for n in range(guides)}
    names = list(files)
    stream: list[bytes] = []
    start = 1_672_531_200  # 2023-01-01T00:00:00Z, then one commit an hour
    for k in range(commits):
        changed = names if k == 0 else rng.sample(names, rng.randint(1, 5))
        if k:
            for name in changed:
                files[name] += f"\nMise à jour {k} : {sentence(rng, 8)}\n".encode()
        message = b"Add the guides" if k == 0 else f"Update {len(changed)} guides".encode()
        stream.append(
            f"commit refs/heads/main\ncommitter Bench <bench@example.org> {start + 3600 * k} +0000\n".encode()
        )
        stream.append(b"data %d\n%s\n" % (len(message), message))
        for name in changed:
            data = files[name]
            stream.append(f"M 100644 inline content/{name}\n".encode() + b"data %d\n%s\n" % (len(data), data))
    return b"".join(stream), files


def git(repo: Path, *args: str, stdin: bytes | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | {"GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(repo), *args], input=stdin, env=env, check=True, capture_output=True)


def make_copies(folder: Path, guides: int, commits: int, seed: int) -> tuple[Path, Path, float]:
    """The git copy's content folder, the plain copy's, and how long building them took."""
    started = time.perf_counter()
    stream, files = history(guides, commits, seed)
    repo = folder / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "fast-import", "--quiet", stdin=stream)
    git(repo, "checkout", "-q", "-f", "main")
    plain = folder / "plain" / "content"
    plain.mkdir(parents=True)
    for name, data in files.items():
        (plain / name).write_bytes(data)
        assert (repo / "content" / name).read_bytes() == data
    return repo / "content", plain, time.perf_counter() - started


def best(rounds: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best time of each run over ``rounds``, the runs taken in turn within each round."""
    times: dict[str, float] = {name: float("inf") for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name] = min(times[name], time.perf_counter() - started)
    return times


def report(title: str, times: dict[str, float]) -> None:
    ratio = times["git"] / times["plain"]
    verdict = "ok" if ratio < 1.10 else "over the target"
    git, plain = times["git"], times["plain"]
    print(f"{title:8} git {git:7.3f} s   plain {plain:7.3f} s   git/plain {ratio:.3f} ({verdict})")


def measure(with_git: Path, plain: Path, rounds: int, cold_rounds: int) -> None:
    folders = {"git": with_git, "plain": plain}
    # each copy's own parse cache (a parse names its file, folder included), from its cold load
    caches: dict[str, dict[str, Parsed]] = {}
    # and what git said then, which the parse cache file keeps too (CACHE_DIR: a warm restart on the
    # same HEAD runs git rev-parse only)
    gits: dict[str, gitdates.GitTimes | None] = {}

    def cold(name: str) -> None:
        library = load_library(folders[name], lean=True)
        caches[name], gits[name] = dict(library.parsed), library.git

    if cold_rounds:
        report("cold", best(cold_rounds, {name: lambda n=name: cold(n) for name in folders}))
    else:
        for name in folders:
            cold(name)

    def warm_load(name: str) -> None:
        gitdates._BLOB_IDS.clear()  # a restart starts without the blob ids a reload reuses
        load_library(folders[name], lean=True, cache=caches[name], git=gits[name])

    warm = {name: lambda n=name: warm_load(n) for name in folders}
    report("warm", best(rounds, warm))
    last: dict[str, Library] = {
        name: load_library(f, lean=True, cache=caches[name]) for name, f in folders.items()
    }

    def reload(name: str) -> None:
        last[name] = load_library(folders[name], lean=True, previous=last[name])

    report("reload", best(rounds, {name: lambda n=name: reload(n) for name in folders}))
    found = last["git"].git
    assert found is not None and len(found.times) == len(caches["git"]), "every guide has a commit date"
    folder = with_git.resolve()
    alone = best(rounds, {"log": lambda: gitdates.git_times(folder),
                          "status": lambda: gitdates.git_times(folder, found)})  # fmt: skip
    log, status = alone["log"], alone["status"]
    print(f"git alone: rev-parse + log + ls-tree {log:.3f} s; HEAD unchanged, rev-parse only {status:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guides", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold-rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gitdates-"))
    try:
        with_git, plain, took = make_copies(folder, args.guides, args.commits, args.seed)
        size = sum(p.stat().st_size for p in plain.iterdir()) / 2**20
        print(f"{args.guides} guides ({size:.1f} MiB), {args.commits} commits: made in {took:.1f} s")
        measure(with_git, plain, args.rounds, args.cold_rounds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
