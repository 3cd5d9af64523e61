"""What the reference-trace recorders share: write the traces, or compare with the stored file."""
import json

import numpy as np


def write_or_check(out, library, versions, cases, check, root):
    """Write ``{"library", "versions", "cases"}`` to ``out``; with ``check``, print the largest
    difference between the stored iterates and the fresh ones instead."""
    if check:
        old = json.loads(out.read_text())
        worst = max(np.max(np.abs(np.array(a["xs"]) - np.array(b["xs"])))
                    for a, b in zip(old["cases"], cases, strict=True))
        print(f"max deviation between stored and fresh {library} traces: {worst:.3g}")
        return
    data = dict(library=library, versions=versions, cases=cases)
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    size = out.stat().st_size / 1e3
    print(f"wrote {len(cases)} cases to {out.relative_to(root)} ({size:.0f} kB)")
