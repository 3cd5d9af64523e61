#!/usr/bin/env python3
"""Record reference trajectories from optax into helpers/reference/optax.json.

Maintainers only: needs JAX and optax (``pip install jax optax``), which nothing else in
the project imports. Same format as tools/make_reference_traces.py, so
``helpers.reference.cases("optax")`` replays them. Runs in float64, feeding optax the
gradient of the helpers objective. Run from the repository root:

    python tools/make_optax_traces.py            # rewrite the file
    python tools/make_optax_traces.py --check    # compare with the stored file

Each module of tools/optax_cases/ holds one family's ``CASES`` (tuples of id, helpers
optimizer, helpers hyper, objective, objective kwargs, steps, schedule — as for torch)
and ``OPTAX``, mapping a helpers optimizer name and its complete hyper-parameters to
``(optax GradientTransformation, text)``. A module may also give ``RUNNERS``: name ->
``run(transformation, x0, grad, steps) -> iterates`` for transformations whose
parameters are not a plain array (e.g. optax.lookahead's fast/slow pair).
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import jax
import numpy as np
import optax

jax.config.update("jax_enable_x64", True)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from _traces import case_record, parse_args, write_or_check  # noqa: E402

from helpers import objectives, optimizers  # noqa: E402

OUT = ROOT / "helpers" / "reference" / "optax.json"

CASES, OPTAX, RUNNERS = [], {}, {}
for _info in sorted(pkgutil.iter_modules([str(ROOT / "tools" / "optax_cases")]),
                    key=lambda m: m.name):
    _module = importlib.import_module(f"optax_cases.{_info.name}")
    CASES += _module.CASES
    OPTAX.update(_module.OPTAX)
    RUNNERS.update(getattr(_module, "RUNNERS", {}))


def plain_run(tx, x0, grad, steps):
    """Iterates of ``tx`` on a plain parameter array."""
    params = jax.numpy.asarray(x0, dtype=jax.numpy.float64)
    state, xs = tx.init(params), [np.asarray(params)]
    for _ in range(steps):
        g = jax.numpy.asarray(grad(np.asarray(params)))
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
        xs.append(np.asarray(params))
    return np.array(xs)


def record(case_id, name, hyper, objective, obj_kwargs, steps, schedule):
    if schedule:
        raise ValueError(f"{case_id}: schedules are not supported in optax cases")
    obj = objectives.get(objective, **obj_kwargs)
    full = dict(optimizers.get(name, **hyper).hyper)     # every hyper-parameter, defaults too
    tx, text = OPTAX[name](full)
    xs = RUNNERS.get(name, plain_run)(tx, obj.x0, obj.grad, steps)
    return case_record("optax", case_id, name, full, None, objective, obj_kwargs, obj.x0, steps,
                       text, xs)


def main():
    args = parse_args(__doc__)
    versions = {"optax": optax.__version__, "jax": jax.__version__, "numpy": np.__version__}
    write_or_check(OUT, "optax", versions, [record(*c) for c in CASES], args.check, ROOT)


if __name__ == "__main__":
    main()
