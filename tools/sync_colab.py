#!/usr/bin/env python3
"""Keep every Colab badge, notebook setup cell and README link in line with pyproject.toml.

The GitHub slug and branch live in one place, ``[tool.optimizers-ml]`` of
``pyproject.toml``. For every notebook ``0*/*.ipynb`` this tool rewrites

(a) the Colab badge in the first cell (a markdown cell): inserted when missing,
    corrected when it points elsewhere; the rest of the cell is kept;
(b) the setup cell, the first code cell holding the marker ``# Colab setup``: inside its
    ``if "google.colab" in sys.modules:`` block the install line becomes exactly
    ``%pip install -q "git+https://github.com/{slug}.git@{branch}"``;

and in README.md the Colab, Binder, CI-badge and clone links. Outputs and execution
counts are never touched; files are written as nbformat writes them (indent 1, sorted
keys, trailing newline) and only when something changed.

Usage::

    python tools/sync_colab.py                # rewrite what is out of sync
    python tools/sync_colab.py --check        # list what is out of sync, exit 1 if anything is
    python tools/sync_colab.py --print-setup  # print the canonical setup cell
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# Colab setup"
COLAB_IF = 'if "google.colab" in sys.modules:'
BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
# a markdown badge/link whose target is on colab.research.google.com, or an HTML <a> one
BADGE_RE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\(https?://colab\.research\.google\.com/[^)]*\)"
                      r"|<a\s[^>]*href=\"https?://colab\.research\.google\.com/[^\"]*\"[^>]*>"
                      r".*?</a>", re.S)
PIP_RE = re.compile(r"^\s*[%!]\s*pip\s+install\b")


def config(root: Path = ROOT) -> tuple[str, str]:
    """``(slug, branch)`` from ``[tool.optimizers-ml]`` in pyproject.toml."""
    with open(root / "pyproject.toml", "rb") as fh:
        table = tomllib.load(fh)["tool"]["optimizers-ml"]
    return table["repository"], table["branch"]


def badge(slug: str, branch: str, path: str) -> str:
    """The Colab badge line for the notebook at repository path ``path``."""
    return (f"[![Open In Colab]({BADGE_SVG})]"
            f"(https://colab.research.google.com/github/{slug}/blob/{branch}/{path})")


def install_line(slug: str, branch: str) -> str:
    return f'    %pip install -q "git+https://github.com/{slug}.git@{branch}"'


def setup_snippet(slug: str | None = None, branch: str | None = None) -> str:
    """The canonical setup cell: in Colab install ``helpers`` from GitHub; locally nothing."""
    if slug is None or branch is None:
        slug, branch = config()
    return "\n".join([
        f"{MARKER}: Colab brings only the notebook, so install the helpers package there",
        "import sys",
        "",
        COLAB_IF,
        install_line(slug, branch),
        "",
        "import matplotlib.pyplot as plt",
        "import numpy as np",
        "import sympy as sp",
        "",
        "import helpers",
        "from helpers import objectives, optimizers",
        "",
        "rng = np.random.default_rng(0)",
    ])


# ----------------------------------------------------------------------------- notebooks
def _text(cell) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def _set_text(cell, text: str) -> None:
    cell["source"] = text.splitlines(keepends=True)


def sync_badge(nb: dict, rel: str, slug: str, branch: str) -> None:
    line = badge(slug, branch, rel)
    cells = nb.setdefault("cells", [])
    if not cells or cells[0].get("cell_type") != "markdown":
        cell = {"cell_type": "markdown", "metadata": {}, "source": []}
        if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):
            cell["id"] = uuid.uuid4().hex[:8]
        _set_text(cell, line)
        cells.insert(0, cell)
        return
    text = _text(cells[0])
    found = BADGE_RE.search(text)
    if found:
        new = text[:found.start()] + line + text[found.end():]
    else:
        new = line + ("\n\n" + text if text.strip() else "")
    if new != text:
        _set_text(cells[0], new)


def sync_setup(nb: dict, slug: str, branch: str) -> str | None:
    """Fix the setup cell in place; return a problem the tool cannot fix, else None."""
    cell = next((c for c in nb.get("cells", [])
                 if c.get("cell_type") == "code" and MARKER in _text(c)), None)
    if cell is None:
        return f"no setup cell (a code cell containing '{MARKER}'); start from --print-setup"
    text = _text(cell)
    lines = text.split("\n")
    want = install_line(slug, branch)
    try:
        i = next(k for k, ln in enumerate(lines) if ln.strip() == COLAB_IF)
    except StopIteration:
        m = next(k for k, ln in enumerate(lines) if MARKER in ln)
        block = ["import sys", "", COLAB_IF, want, ""]
        if any(ln.strip() == "import sys" for ln in lines[:m + 1]):
            block = block[2:]
        lines[m + 1:m + 1] = block
    else:
        if not any(ln.strip() == "import sys" for ln in lines[:i]):
            lines.insert(i, "import sys")
            i += 1
        end = i + 1  # the indented block under the if runs to the next unindented line
        while end < len(lines) and (lines[end][:1] in (" ", "\t") or not lines[end].strip()):
            end += 1
        pip = [k for k in range(i + 1, end) if PIP_RE.match(lines[k]) and "git+" in lines[k]]
        if pip:
            lines[pip[0]] = want
        else:
            lines.insert(i + 1, want)
    new = "\n".join(lines)
    if new != text:
        _set_text(cell, new)
    return None


def dumps(nb: dict) -> str:
    """Serialize exactly as nbformat does (``nbformat.writes`` + the trailing newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "),
                      ensure_ascii=False) + "\n"


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in root.glob("0*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def sync_notebook(path: Path, root: Path, slug: str, branch: str) -> tuple[str, str, str | None]:
    """``(old_text, new_text, unfixable_problem)`` for one notebook."""
    old = path.read_text(encoding="utf-8")
    nb = json.loads(old)
    sync_badge(nb, path.relative_to(root).as_posix(), slug, branch)
    problem = sync_setup(nb, slug, branch)
    new = old if json.loads(old) == nb else dumps(nb)  # unchanged: keep it byte for byte
    return old, new, problem


# ----------------------------------------------------------------------------- README
def sync_readme(text: str, slug: str, branch: str) -> str:
    """Point the README's Colab, Binder, CI and clone/install links at ``slug``/``branch``."""
    text = re.sub(r"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/"
                  r"[\w./-]+?/(?=0\d_)",
                  f"https://colab.research.google.com/github/{slug}/blob/{branch}/", text)
    text = re.sub(r"https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w.-]+",
                  f"https://mybinder.org/v2/gh/{slug}/{branch}", text)
    text = re.sub(r"https://github\.com/[\w.-]+/[\w.-]+/actions/",
                  f"https://github.com/{slug}/actions/", text)
    return re.sub(r"(git\+)?https://github\.com/[\w-]+/[\w.-]+?\.git(@[\w./-]*[\w-])?",
                  lambda m: (m[1] or "") + f"https://github.com/{slug}.git"
                  + (f"@{branch}" if m[2] else ""), text)


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="change nothing; list files out of sync and exit 1 if there are any")
    ap.add_argument("--print-setup", action="store_true", help="print the canonical setup cell")
    ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    root = args.root.resolve()
    slug, branch = config(root)
    if args.print_setup:
        print(setup_snippet(slug, branch))
        return 0

    stale, problems = [], []
    for path in notebooks(root):
        rel = path.relative_to(root).as_posix()
        old, new, problem = sync_notebook(path, root, slug, branch)
        if problem:
            problems.append(f"{rel}: {problem}")
        if new != old:
            stale.append(rel)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    readme = root / "README.md"
    if readme.exists():
        old = readme.read_text(encoding="utf-8")
        new = sync_readme(old, slug, branch)
        if new != old:
            stale.append("README.md")
            if not args.check:
                readme.write_text(new, encoding="utf-8")

    target = f"{slug}@{branch}"
    if args.check:
        for rel in stale:
            print(f"out of sync with {target}: {rel}")
    else:
        for rel in stale:
            print(f"rewrote for {target}: {rel}")
    for line in problems:
        print(f"cannot fix: {line}")
    if args.check and stale:
        print("run `python tools/sync_colab.py` to fix")
    return 1 if problems or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
