"""mypy over the `newsbot.*` packages, read from the folders the install maps them onto.

pyproject.toml maps `newsbot.index` onto `index/` (and so on) with `[tool.setuptools.package-dir]`;
mypy has no such mapping and setuptools' editable install is an import hook it cannot follow. So
this script hands mypy every file under its installed module name (`index/engine.py` is
`newsbot.index.engine`), read from that one table, and mypy resolves `from newsbot.index import
…` to the repository's own files. Options come from `[tool.mypy]`. Usage: `python tools/typecheck.py`.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_dirs(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, Path]:
    """`newsbot.index` -> ROOT/index, … as the install maps them."""
    table = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-dir"]
    return {name: ROOT / folder for name, folder in table.items()}


def module_files(packages: dict[str, Path]) -> dict[str, Path]:
    """Every module of the mapped packages, by its installed name."""
    found: dict[str, Path] = {}
    for name, folder in packages.items():
        for file in sorted(folder.rglob("*.py")):
            parts = file.relative_to(folder).with_suffix("").parts
            found[".".join([name, *(p for p in parts if p != "__init__")])] = file
    return found


def main() -> int:
    from mypy import build
    from mypy.errors import CompileError
    from mypy.main import process_options
    from mypy.modulefinder import BuildSource

    modules = module_files({n: f for n, f in package_dirs().items() if n != "newsbot.corpus"})
    # The files for mypy's options (read from pyproject.toml); the sources under their real names.
    _, options = process_options(["--config-file", str(ROOT / "pyproject.toml"), *map(str, modules.values())])
    sources = [BuildSource(str(path), name, None) for name, path in modules.items()]
    try:
        result = build.build(sources, options)
    except CompileError as error:
        print("\n".join(error.messages))
        return 2
    for line in result.errors:
        print(line)
    files = len(sources)
    if result.errors:
        problems = sum(": error:" in line for line in result.errors)
        print(f"Found {problems} errors (checked {files} source files)")
        return 1
    print(f"Success: no issues found in {files} source files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
