"""The import layers of docs/ARCHITECTURE.md, read from the source (no import runs).

Modules are named as installed (`index/engine.py` is `newsbot.index.engine`, pyproject's
package-dir table). An import counts wherever it stands (a lazy import inside a function too),
except under `if TYPE_CHECKING:`; `from pkg import mod` depends on `pkg.mod`, as import-linter reads it.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A stage of the answer pipeline imports the records and helpers shared by stages, never another stage.
STAGE_SHARED = {"newsbot.index.pipeline.records", "newsbot.index.pipeline.evidence"}
# bot/ reaches the engine through `AnswerEngine` (bot/services.py); only the serve command builds one.
ENGINE_INTERNALS = ("newsbot.index.engine", "newsbot.index.pipeline", "newsbot.index.embed", "newsbot.index.onnx_backend",
                    "newsbot.index.openvino_backend")
BOT_EXCEPTIONS = {
    ("newsbot.bot.app", "newsbot.index.engine"): "serve builds the Engine it hands to the handlers",
    ("newsbot.bot.handlers.questions", "newsbot.index.pipeline.normalise"): "greetings and thanks are answered without the engine",
}


def _modules() -> dict[str, Path]:
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    found: dict[str, Path] = {}
    for package, folder in table.items():
        for file in (ROOT / folder).rglob("*.py"):
            parts = file.relative_to(ROOT / folder).with_suffix("").parts
            found[".".join([package, *(p for p in parts if p != "__init__")])] = file
    return found


def _imports(module: str, file: Path, known: set[str]) -> set[str]:
    """The newsbot modules (and outside top-level packages, by name) that `module` imports."""
    found: set[str] = set()
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - child.level + 1] + ([base] if base else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in child.names]
            else:
                visit(child)
                continue
            for name in names:
                target = name
                while target and target not in known:
                    target = target.rpartition(".")[0]
                found.add(target or name.split(".")[0])
    visit(ast.parse(file.read_text(encoding="utf-8")))
    found.discard(module)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, file, known) for name, file in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node] & graph.keys():
            if nxt not in order:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in order:
            connect(node)
    return found


class TestLayers:
    def test_the_graph_sees_the_packages(self, graph: dict[str, set[str]]) -> None:
        assert "newsbot.index.engine" in graph and "newsbot.bot.app" in graph and "newsbot.cli.main" in graph
        assert "newsbot.index.pipeline.records" in graph["newsbot.index.pipeline.score"]

    def test_no_import_cycles(self, graph: dict[str, set[str]]) -> None:
        assert _cycles(graph) == []

    def test_a_cycle_is_found(self) -> None:
        assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

    def test_the_engine_imports_neither_bot_nor_cli_nor_telegram(self, graph: dict[str, set[str]]) -> None:
        wrong = {
            (module, target)
            for module, targets in graph.items() if module.startswith("newsbot.index")
            for target in targets if target.startswith(("newsbot.bot", "newsbot.cli")) or target == "telegram"
        }
        assert wrong == set()

    def test_stages_import_records_not_each_other(self, graph: dict[str, set[str]]) -> None:
        stages = [m for m in graph if m.startswith("newsbot.index.pipeline.") and m not in STAGE_SHARED]
        assert len(stages) >= 10
        wrong = {
            (stage, target)
            for stage in stages
            for target in graph[stage] if target.startswith("newsbot.index.pipeline") and target not in STAGE_SHARED
        }
        assert wrong == set()

    def test_bot_reaches_the_engine_through_its_protocol(self, graph: dict[str, set[str]]) -> None:
        wrong = {
            (module, target)
            for module, targets in graph.items() if module.startswith("newsbot.bot")
            for target in targets
            if target.startswith(ENGINE_INTERNALS) and (module, target) not in BOT_EXCEPTIONS
        }
        assert wrong == set()
