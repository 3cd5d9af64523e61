"""Test-session settings shared by the unit tests and the nbval notebook runs.

pytest runs two xdist workers on a two-core machine, each notebook in its own kernel.
Multi-threaded BLAS in every one of those processes oversubscribes the cores, and the
curriculum's matrices (64×32, 11×442) are far too small to gain from threads; one BLAS
thread per process is both faster and steadier. Kernels inherit this environment.
"""
import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
