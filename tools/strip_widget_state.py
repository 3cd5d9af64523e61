#!/usr/bin/env python3
"""Remove saved ipywidgets state (``metadata.widgets``) from notebooks.

A pre-commit hook: for each notebook given, drop the notebook-level ``widgets``
metadata (megabytes of widget models that GitHub cannot render anyway) and nothing
else, so outputs and execution counts stay. Files are rewritten as nbformat writes
them (indent 1, sorted keys, trailing newline) and only when they held widget state.
Idempotent. Exits 1 if it changed a file (pre-commit's "files were modified"), else 0.

Usage: python tools/strip_widget_state.py NOTEBOOK.ipynb [...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def strip(path: Path) -> bool:
    """Strip ``metadata.widgets`` from the notebook at ``path``; True if the file changed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    if "widgets" not in nb.get("metadata", {}):
        return False
    del nb["metadata"]["widgets"]
    text = json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    changed = [p for p in map(Path, argv) if p.suffix == ".ipynb" and strip(p)]
    for p in changed:
        print(f"stripped widget state: {p}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
