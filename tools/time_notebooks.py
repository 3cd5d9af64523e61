#!/usr/bin/env python3
"""Execute notebooks top to bottom and report how long each takes.

Each notebook runs in a fresh kernel of the *current* Python environment (the one
running this script, whatever kernelspecs are installed), with the notebook's own
folder as working directory and at most 120 s per cell, one BLAS thread per kernel as
under pytest. MPLBACKEND is left alone: the kernel uses the inline backend, as in Jupyter.

With ``--write`` the executed notebook is saved back in place (outputs, execution
counts 1..N, no widget state, no timing metadata): the way to re-execute notebooks
before committing them. Exits 1 if any notebook raised an error.

Usage::

    python tools/time_notebooks.py                      # every 0*/*.ipynb
    python tools/time_notebooks.py 01_basics/01_gradient_descent.ipynb --write
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from ipykernel import kernelspec as ipykernel_spec
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
CURRENT_ENV = ":current-env"


class CurrentEnvKernelSpecs(KernelSpecManager):
    """Kernelspecs plus ``:current-env``, an ipykernel running on ``sys.executable``."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name == CURRENT_ENV:
            return self.kernel_spec_class(resource_dir=ipykernel_spec.RESOURCES,
                                          **ipykernel_spec.get_kernel_dict())
        return super().get_kernel_spec(kernel_name)


def execute(path: Path, timeout: int = 120) -> tuple[nbformat.NotebookNode, str | None]:
    """Run ``path``; return the executed notebook and an error message (None if it ran clean)."""
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=CURRENT_ENV, kernel_spec_manager=CurrentEnvKernelSpecs())
    client = NotebookClient(nb, km=km, timeout=timeout, record_timing=False,
                            # True: nbclient's Output-widget hook needs the state it stores
                            # (False raises KeyError); main() strips it before writing.
                            store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log, not cell output
    except CellExecutionError as err:
        lines = str(err).strip().splitlines()
        return nb, lines[-1] if lines else "error"
    except (CellTimeoutError, DeadKernelError) as err:
        return nb, f"{type(err).__name__}: {str(err).strip().splitlines()[0]}"
    return nb, None


def main(argv: list[str] | None = None) -> int:
    # the kernels inherit this: one BLAS thread each, as under pytest (see conftest.py)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every 0*/*.ipynb")
    ap.add_argument("--write", action="store_true", help="save executed notebooks in place")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted(p for p in ROOT.glob("0*/*.ipynb")
                                     if ".ipynb_checkpoints" not in p.parts)
    if not paths:
        print("no notebooks found")
        return 1

    rows, failed, total = [], 0, 0.0
    for path in paths:
        path = path.resolve()
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        print(f"running {name} ...", flush=True)
        start = time.perf_counter()
        nb, error = execute(path, args.timeout)
        seconds = time.perf_counter() - start
        total += seconds
        if error:
            failed += 1
            rows.append((name, seconds, f"FAILED: {error}"))
        else:
            if args.write:
                nb.metadata.pop("widgets", None)
                nbformat.write(nb, path)
            rows.append((name, seconds, "written" if args.write else "ok"))

    width = max(len(r[0]) for r in rows + [("notebook", 0, "")])
    print(f"\n{'notebook':<{width}}  {'seconds':>8}  status")
    for name, seconds, status in rows:
        print(f"{name:<{width}}  {seconds:8.1f}  {status}")
    print(f"{'total':<{width}}  {total:8.1f}  {len(rows) - failed} ok, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
