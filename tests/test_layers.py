"""The layer check (import-linter, run by `make lint`) and what it cannot see: an import of a
module's own package face (``search/driver.py`` importing ``weightfit.search``, whose
``__init__`` imports ``driver``), and any cycle at all between two modules. Both use grimp, the
import graph that import-linter itself is built on."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("weightfit")


def test_no_module_imports_its_own_package_face(graph):
    bad = [
        (m, i)
        for m in graph.modules
        for i in graph.find_modules_directly_imported_by(m)
        if m.startswith(i + ".")
    ]
    assert not bad, f"modules importing their own package (a hidden cycle): {bad}"


def test_no_import_cycles_between_modules(graph):
    # the root face imports everything and nothing imports it, so it closes no cycle
    assert not graph.find_modules_that_directly_import("weightfit")
    cycles = [
        (a, b)
        for a in graph.modules
        if a != "weightfit"
        for b in graph.find_modules_directly_imported_by(a)
        if b != "weightfit" and graph.chain_exists(importer=b, imported=a)
    ]
    assert not cycles, f"import cycles: {cycles[:5]}"


def lint(tmp_path: Path, bad_line: str, into: str) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on a copy of the package with one bad import added."""
    shutil.copytree(ROOT / "src" / "weightfit", tmp_path / "weightfit")
    target = tmp_path / "weightfit" / into
    target.write_text(target.read_text() + f"\n\ndef _late():\n    {bad_line}\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layer_check_passes_on_the_package(tmp_path):
    result = lint(tmp_path, "pass", "errors.py")
    assert result.returncode == 0, result.stdout


def test_a_lazy_upward_import_breaks_the_layers_and_names_both_modules(tmp_path):
    # data sits below evaluate: an import inside a function still counts
    result = lint(tmp_path, "from weightfit.evaluate import fit  # noqa", "data/panel.py")
    assert result.returncode == 1
    assert "weightfit.data is not allowed to import weightfit.evaluate" in result.stdout
    assert "weightfit.data.panel -> weightfit.evaluate.fit" in result.stdout


def test_a_cycle_between_siblings_is_found(tmp_path):
    result = lint(tmp_path, "from weightfit.search import compare  # noqa", "search/driver.py")
    assert result.returncode == 1
    assert "No cycles between the modules of any package BROKEN" in result.stdout


def test_the_readme_layout_matches_the_tree():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Layout", 1)[1].split("```")[1]
    listed = {line.split()[0].rstrip("/").removesuffix(".py") for line in block.splitlines()[2:]
              if line.startswith("  ") and not line.startswith("   ")}  # fmt: skip
    package = ROOT / "src" / "weightfit"
    tree = {
        p.stem if p.is_file() else p.name
        for p in package.iterdir()
        if (p.suffix == ".py" and not p.name.startswith("__")) or (p / "__init__.py").exists()
    }
    assert listed == tree
