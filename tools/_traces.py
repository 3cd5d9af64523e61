"""What the reference-trace recorders share: the case record, the command line, and writing
the traces or comparing them with the stored file."""
import argparse
import json

import numpy as np


def write_or_check(out, library, versions, cases, check, root, values="xs", **extra):
    """Write ``{"library", **extra, "versions", "cases"}`` to ``out``; with ``check``, print
    the largest difference between the stored ``values`` of each case and the fresh ones
    instead. Returns that difference (0 after writing)."""
    if check:
        old = json.loads(out.read_text())
        worst = max(np.max(np.abs(np.array(a[values]) - np.array(b[values])))
                    for a, b in zip(old["cases"], cases, strict=True))
        print(f"max deviation between stored and fresh {library} traces: {worst:.3g}")
        return float(worst)
    data = dict(library=library, **extra, versions=versions, cases=cases)
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    size = out.stat().st_size / 1e3
    print(f"wrote {len(cases)} cases to {out.relative_to(root)} ({size:.0f} kB)")
    return 0.0


def parse_args(doc):
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the stored file instead")
    return ap.parse_args()


def case_record(library, case_id, name, hyper, schedule, objective, obj_kwargs, x0, steps, text,
                xs):
    """One case as stored: both spellings of the run and every iterate (all finite)."""
    xs = np.asarray(xs)
    if not np.all(np.isfinite(xs)):
        raise RuntimeError(f"{case_id}: the {library} run diverged; pick another case")
    return dict(id=case_id, optimizer=name, hyper=hyper, schedule=schedule, objective=objective,
                objective_kwargs=obj_kwargs, x0=list(map(float, x0)), steps=steps,
                reference=text, xs=xs.tolist())
