"""The command line, run as a user runs it: a real process, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, SEED


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "content_api", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def folder(tmp_path: Path) -> Path:
    (tmp_path / "ok.md").write_text("---\ntitle: OK\n---\n<Inconnu />\n", encoding="utf-8")
    (tmp_path / "ko.md").write_text("---\ntitle: a: b\n---\n", encoding="utf-8")
    return tmp_path


def test_check_the_default_content_folder_is_clean() -> None:
    result = run("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "1 guide(s) served, 0 error(s), 0 warning(s)" in result.stderr


def test_check_text_exits_1_on_errors(tmp_path: Path) -> None:
    result = run("check", str(folder(tmp_path)))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{tmp_path}/ko.md:2:") and "error [yaml-invalid]" in lines[0]
    assert (
        lines[1] == f"{tmp_path}/ok.md:4:1: warning [component-unknown] <Inconnu> is not a known component; "
        "frontends may not render it"
    )


def test_check_json(tmp_path: Path) -> None:
    result = run("check", str(folder(tmp_path)), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["guides"], report["files"], report["errors"], report["warnings"]) == (1, 2, 1, 1)
    assert {d["code"] for d in report["diagnostics"]} == {"yaml-invalid", "component-unknown"}
    assert set(report["diagnostics"][0]) == {"file", "line", "column", "severity", "code", "message"}


def test_check_github_annotations(tmp_path: Path) -> None:
    result = run("check", str(folder(tmp_path)), "--format", "github")
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"::error file={tmp_path}/ko.md,line=2,col=")
    assert ",title=yaml-invalid::" in lines[0]
    assert lines[1].startswith(f"::warning file={tmp_path}/ok.md,line=4,col=1,title=component-unknown::")


def test_check_counts_the_pages_of_a_site_layout(tmp_path: Path) -> None:
    """In the site's layout, the summary counts every kind read and served, not the guides only."""
    for name, text in {
        "guides/un-guide.md": "---\ntitle: Un guide\napi: [API Particuliers]\n---\nTexte.\n",
        "api/api-particulier.md": "---\ntitle: API Particulier\nproducer: dinum\n---\n",
        "producteurs/dinum.md": "---\nname: DINUM\n---\n",
        "service/cassé.md": "---\ntitle: [cassé\n---\n",
    }.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    text = run("check", str(tmp_path), "--select", "api")
    assert text.stdout.startswith(f"{tmp_path}/guides/un-guide.md:3:7: warning [api-unresolved] API ")
    assert text.stdout.rstrip().endswith("did you mean `API Particulier`?")
    assert text.stderr.strip() == (
        "4 file(s), 1 guide(s), 1 API page(s), 1 producer(s), 0 service(s) served, 0 error(s), 1 warning(s)"
    )
    report = json.loads(run("check", str(tmp_path), "--format", "json").stdout)
    counts = {key: report[key] for key in ("files", "guides", "apis", "producers", "services")}
    assert counts == {"files": 4, "guides": 1, "apis": 1, "producers": 1, "services": 0}
    assert {d["file"] for d in report["diagnostics"] if d["severity"] == "error"} == {
        f"{tmp_path}/service/cassé.md"
    }


def test_check_a_missing_folder() -> None:
    result = run("check", "/nonexistent/folder")
    assert result.returncode == 2 and "not a folder" in result.stderr


def test_render_json_html_text() -> None:
    as_json = json.loads(run("render", str(SEED)).stdout)
    assert as_json["slug"] == "ccas" and as_json["body"]["type"] == "root"
    html = run("render", str(SEED), "--format", "html").stdout
    assert '<h2 id="cadre-juridique">Cadre Juridique</h2>' in html
    text = run("render", str(SEED), "--format", "text").stdout
    assert "Cadre Juridique" in text and "<" not in text


def test_render_reports_diagnostics_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "g.md"
    path.write_text("---\ntitle: T\n---\n[x](javascript:alert(1))\n", encoding="utf-8")
    result = run("render", str(path), "--format", "html")
    assert result.returncode == 0
    assert result.stdout == "<p>x</p>\n"  # an unsafe link is its text
    assert "warning [url-unsafe]" in result.stderr


def test_render_a_missing_file() -> None:
    result = run("render", "/nonexistent.md")
    assert result.returncode == 2 and "/nonexistent.md" in result.stderr


FORGED = "a\nforged.md:1:1: error [yaml-invalid] faux.md"


def test_check_escapes_file_names_in_text_and_github_output(tmp_path: Path) -> None:
    """A file name holding a newline cannot forge an output line."""
    (tmp_path / FORGED).write_text("---\ntitle: T\n---\nTexte\n", encoding="utf-8")
    (tmp_path / "ok\x1b[2Jcleared.md").write_text("---\ntitle: T\n---\n<Inconnu />\n", encoding="utf-8")
    text = run("check", str(tmp_path))
    lines = text.stdout.splitlines()
    assert len(lines) == 3, lines  # one line per diagnostic
    assert all(line.startswith(f'"{tmp_path}/') for line in lines), lines
    assert lines[0].startswith(f'"{tmp_path}/a\\nforged.md:1:1: error [yaml-invalid] faux.md":1:1: error [')
    assert not any(line.startswith("forged.md") for line in lines)
    assert all("\x1b" not in line for line in lines) and f'"{tmp_path}/ok\\x1b[2Jcleared.md":' in text.stdout
    github = run("check", str(tmp_path), "--format", "github").stdout.splitlines()
    assert len(github) == 3 and all(line.startswith("::") for line in github), github
    assert f"file={tmp_path}/a%0Aforged.md%3A1%3A1%3A error [yaml-invalid] faux.md," in github[0]
    assert all("\x1b" not in line for line in github)


def test_quote_name() -> None:
    from content_api.cli import quote_name

    assert quote_name("guides/ccas.md") == "guides/ccas.md"
    assert quote_name("a\nb\tc\r.md") == '"a\\nb\\tc\\r.md"'
    assert quote_name('dit "bonjour".md') == '"dit \\"bonjour\\".md"'
    assert quote_name("a\\b.md") == '"a\\\\b.md"'
    assert quote_name("x\x00\x7f\x85\u2028.md") == '"x\\x00\\x7f\\x85\\u2028.md"'


def test_check_list_rules_prints_every_rule_of_the_registry() -> None:
    from content_api.diagnostics import RULES

    result = run("check", "--list-rules")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["code", "severity", "RGAA", "summary"]
    assert [row.split()[0] for row in rows] == list(RULES)
    row = next(row for row in rows if row.startswith("a11y-heading-skip "))
    assert row.split(maxsplit=3)[1:] == ["warning", "9.1", RULES["a11y-heading-skip"].summary]


def test_check_list_rules_json() -> None:
    from content_api.diagnostics import RULES

    result = run("check", "--list-rules", "--format", "json")
    assert result.returncode == 0, result.stderr
    rules = json.loads(result.stdout)
    assert [rule["code"] for rule in rules] == list(RULES)
    assert rules[0] == {
        "code": "internal-error",
        "severity": "error",
        "rgaa": "",
        "summary": RULES["internal-error"].summary,
    }
