"""The README is a contract: its command-line walkthrough and its Python snippets run as written.

The walkthrough block is turned into a shell script, step by step, each step checked for the exit code the README
states (0 unless its comment says "(exit N)"); the Python snippets then run, in order, in the same directory.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
STRONG = "correct horse battery staple in the reading room"


def _blocks(language: str, text: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def _walkthrough() -> str:
    text = README.read_text("utf-8")
    section = text[text.index("## The command line") :]
    return _blocks("sh", section)[0]


def walkthrough_steps(block: str) -> list[tuple[str, int]]:
    """(command, expected exit code) for each step; a step's comment may say "(exit N)"."""
    steps: list[tuple[str, int]] = []
    pending = ""
    for raw in block.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):  # a comment continuing the previous step's
            if steps:
                steps[-1] = (steps[-1][0], _exit_code(line, steps[-1][1]))
            continue
        marker = re.search(r"\s{2,}#", line)
        command, comment = (line[: marker.start()], line[marker.end() :]) if marker else (line, "")
        if command.endswith("\\"):
            pending += command[:-1] + " "
            continue
        steps.append(((pending + command).strip(), _exit_code(comment, 0)))
        pending = ""
    return steps


def _exit_code(comment: str, default: int) -> int:
    found = re.search(r"\(exit (\d)\)|exit (\d)\)", comment)
    return int(next(g for g in found.groups() if g)) if found else default


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCRED_")}
    env.update(
        HOME=str(tmp_path / "home"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        VCRED_PASSPHRASE=STRONG,
        VCRED_RECOVERY_PASSPHRASE="a different long recovery passphrase",
        VCRED_DATA_DIR=str(tmp_path / "vcred-data"),
    )
    return env


def test_the_walkthrough_is_read_the_way_it_is_written():
    steps = walkthrough_steps(_walkthrough())
    assert len(steps) >= 20
    assert any(code == 1 and command.startswith("vcred credential-check") for command, code in steps)
    assert all(not command.endswith("\\") for command, _ in steps)


def test_the_readme_walkthrough_and_snippets_run_as_written(tmp_path):
    script = ["set -u"]
    for command, code in walkthrough_steps(_walkthrough()):
        quoted = shlex.quote(command)
        script += [
            command,
            "rc=$?",
            f'if [ "$rc" -ne {code} ]; then echo "README step failed (exit $rc, expected {code}): "{quoted} >&2; '
            "exit 99; fi",
        ]
    (tmp_path / "walkthrough.sh").write_text("\n".join(script) + "\n")
    run = subprocess.run(
        ["bash", "walkthrough.sh"],
        cwd=tmp_path,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "decision.html").exists() and (tmp_path / "vp.json").exists()
    for index, snippet in enumerate(_blocks("python", README.read_text("utf-8"))):
        done = subprocess.run(
            [sys.executable, "-c", snippet],
            cwd=tmp_path,
            env=_environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, f"README Python snippet {index + 1} failed:\n{done.stderr[-3000:]}"
