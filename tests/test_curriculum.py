"""The curriculum's structure: every notebook follows the house style a script can see.

nbval re-runs the notebooks themselves; these tests check how they are committed
(executed, clean, badge and setup cell in sync) and that the README lists them.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("0*/*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
MAX_BYTES = 2 * 1024 * 1024
MAX_CELL_LINES = 25
LOCAL_PATH = re.compile(r"/tmp/|/root/|/work/|/home/\w+")
NB_PATH = re.compile(r"0\d_[\w.-]+/\d\d_\w+\.ipynb")

with open(ROOT / "pyproject.toml", "rb") as _fh:
    _CFG = tomllib.load(_fh)["tool"]["optimizers-ml"]
SLUG, BRANCH = _CFG["repository"], _CFG["branch"]


def colab_url(path: str) -> str:
    return f"https://colab.research.google.com/github/{SLUG}/blob/{BRANCH}/{path}"


def text(cell) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def load(path: str) -> dict:
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def outputs(nb):
    return [o for c in code_cells(nb) for o in c.get("outputs", [])]


notebook = pytest.mark.parametrize("path", NOTEBOOKS)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook matches 0*/*.ipynb"


@notebook
def test_colab_badge_in_first_cell(path):
    first = load(path)["cells"][0]
    assert first["cell_type"] == "markdown", "the first cell must be the markdown badge cell"
    assert f"]({colab_url(path)})" in text(first), \
        f"first cell lacks a Colab badge to {colab_url(path)}: run tools/sync_colab.py"


@notebook
def test_executed_top_to_bottom(path):
    counts = [c.get("execution_count") for c in code_cells(load(path)) if text(c).strip()]
    assert counts == list(range(1, len(counts) + 1)), \
        "execution counts are not 1..N: re-run with tools/time_notebooks.py --write"


@notebook
def test_no_error_outputs(path):
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs(load(path))
              if o.get("output_type") == "error"]
    assert not errors


@notebook
def test_no_warnings_in_outputs(path):
    warned = [text({"source": o.get("text", "")})[:200] for o in outputs(load(path))
              if o.get("output_type") == "stream" and o.get("name") == "stderr"
              and "Warning" in text({"source": o.get("text", "")})]
    assert not warned


def readable(output) -> str:
    """An output's text, tracebacks and non-binary data (base64 images left out)."""
    data = {k: v for k, v in output.get("data", {}).items()
            if not k.startswith("image/") or k == "image/svg+xml"}
    return json.dumps([output.get("text", ""), output.get("traceback", []), data])


@notebook
def test_no_local_paths_in_outputs(path):
    leaks = {m.group() for o in outputs(load(path)) for m in LOCAL_PATH.finditer(readable(o))}
    assert not leaks, f"outputs show local paths: {sorted(leaks)}"


@notebook
def test_size_budget(path):
    size = (ROOT / path).stat().st_size
    assert size <= MAX_BYTES, f"{size / 1e6:.2f} MB, over the 2 MB budget"


@notebook
def test_uses_sympy_helpers_and_asserts(path):
    src = "\n".join(text(c) for c in code_cells(load(path)))
    assert re.search(r"^\s*(import|from)\s+sympy\b", src, re.M), "no SymPy import"
    assert re.search(r"^\s*(import|from)\s+helpers\b", src, re.M), "no helpers import"
    assert re.search(r"^\s*assert\b", src, re.M), "no assert verifying a result"


@notebook
def test_has_exercises_and_references(path):
    md = "\n".join(text(c) for c in load(path)["cells"] if c["cell_type"] == "markdown")
    headings = [h.lower() for h in re.findall(r"^#{1,6}\s+(.*)$", md, re.M)]
    for need in ("exercises", "references"):
        assert any(need in h for h in headings), f"no '{need.title()}' heading"


@notebook
def test_code_cells_are_short(path):
    long_cells = [i for i, c in enumerate(load(path)["cells"])
                  if c["cell_type"] == "code" and len(text(c).splitlines()) > MAX_CELL_LINES]
    assert not long_cells, f"cells {long_cells} have over {MAX_CELL_LINES} lines"


@notebook
def test_widget_state_stripped(path):
    assert "widgets" not in load(path).get("metadata", {}), \
        "widget state saved: run tools/strip_widget_state.py (or pre-commit)"


def test_colab_badges_and_setup_cells_in_sync():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "sync_colab.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def reading_order() -> list[tuple[str, str, str]]:
    """``(path, status, row)`` for each row of the README's reading-order table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Reading order\n(.*?)(?=^## )", readme, re.M | re.S)
    assert section, "README has no '## Reading order' section"
    rows = []
    for line in section.group(1).splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        paths = sorted(set(NB_PATH.findall(line)))
        if not paths:
            continue  # the header row
        assert len(paths) == 1, f"a row names several notebooks: {line}"
        status = line.strip().strip("|").split("|")[-1].strip().lower()
        rows.append((paths[0], status, line))
    return rows


def test_readme_reading_order_matches_the_notebooks():
    rows = reading_order()
    listed = [p for p, _, _ in rows]
    assert len(listed) == len(set(listed)), "a notebook is listed twice"
    assert {s for _, s, _ in rows} <= {"available", "planned"}, "status must be available/planned"
    available = {p for p, s, _ in rows if s == "available"}
    assert available == set(NOTEBOOKS), (
        f"marked available but missing: {sorted(available - set(NOTEBOOKS))}; "
        f"existing but not marked available: {sorted(set(NOTEBOOKS) - available)}")
    assert listed == sorted(listed), "the table is not in reading (file) order"
    for path, status, row in rows:
        if status == "available":
            assert f"]({path})" in row, f"{path}: an available row links the notebook"
            assert f"]({colab_url(path)})" in row, f"{path}: an available row has its Colab badge"
        else:
            assert f"`{path}`" in row and "](" not in row, \
                f"{path}: a planned row names the path in backticks and links nothing"
