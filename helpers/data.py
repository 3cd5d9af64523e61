"""Real data sets: those scikit-learn ships inside its package, and NIST StRD nonlinear
regression problems typed in with their certified values (nothing is downloaded)."""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

__all__ = ["diabetes", "diabetes_least_squares", "digits", "nist", "NistProblem"]


def _standardize(A):
    return (A - A.mean(axis=0)) / A.std(axis=0)


def diabetes():
    """442 patients × 10 standardized features plus a bias column; standardized target.

    Returns ``(X, y)`` with ``X`` of shape (442, 11) (last column all ones).
    """
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return np.c_[_standardize(X), np.ones(len(X))], _standardize(y)


def diabetes_least_squares(l2=0.0):
    """The diabetes regression as a finite-sum least-squares objective."""
    from .objectives import least_squares

    X, y = diabetes()
    return least_squares(X, y, l2=l2, name="diabetes_least_squares",
                         description="linear regression of disease progression, N=442, d=11")


def digits(test_size=0.25, seed=0):
    """8×8 handwritten digits (1,797 images), pixels scaled to [0, 1], split stratified.

    Returns ``(X_train, X_test, y_train, y_test)`` with integer labels 0–9.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=test_size, random_state=seed, stratify=y)


# ------------------------------------------------------------------ NIST StRD
_NIST = {
    "misra1a": dict(
        model="b1*(1 - exp(-b2*x))", difficulty="lower",
        url="https://www.itl.nist.gov/div898/strd/nls/data/LINKS/DATA/Misra1a.dat",
        description="Misra (1978), NIST dental research monomolecular adsorption study: "
                    "volume y against pressure x, 14 observations",
        y=(10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01, 66.40,
           75.47, 81.78),
        x=(77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1,
           689.1, 760.0),
        starts=((500.0, 1e-4), (250.0, 5e-4)),
        certified=(2.3894212918E+02, 5.5015643181E-04),
        certified_sd=(2.7070075241E+00, 7.2668688436E-06),
        residual_sum_of_squares=1.2455138894E-01, bounds=((100.0, 600.0), (5e-5, 1.2e-3))),
    "mgh09": dict(
        model="b1*(x**2 + x*b2) / (x**2 + x*b3 + b4)", difficulty="higher",
        url="https://www.itl.nist.gov/div898/strd/nls/data/LINKS/DATA/MGH09.dat",
        description="Kowalik & Osborne (1978), problem 15 of Moré, Garbow & Hillstrom (1981), "
                    "generated data, 11 observations; a local minimum at infinity",
        y=(1.957000E-01, 1.947000E-01, 1.735000E-01, 1.600000E-01, 8.440000E-02, 6.270000E-02,
           4.560000E-02, 3.420000E-02, 3.230000E-02, 2.350000E-02, 2.460000E-02),
        x=(4.000000E+00, 2.000000E+00, 1.000000E+00, 5.000000E-01, 2.500000E-01, 1.670000E-01,
           1.250000E-01, 1.000000E-01, 8.330000E-02, 7.140000E-02, 6.250000E-02),
        starts=((25.0, 39.0, 41.5, 39.0), (0.25, 0.39, 0.415, 0.39)),
        certified=(1.9280693458E-01, 1.9128232873E-01, 1.2305650693E-01, 1.3606233068E-01),
        certified_sd=(1.1435312227E-02, 1.9633220911E-01, 8.0842031232E-02, 9.0025542308E-02),
        residual_sum_of_squares=3.0750560385E-04, bounds=None),
}


class NistProblem(NamedTuple):
    """A NIST StRD nonlinear regression problem with its certified solution.

    ``model`` is a SymPy expression in ``x`` and the parameters ``params`` (b1, b2, …);
    ``starts`` are NIST's Start 1 and Start 2; ``certified`` the certified parameter values,
    ``certified_sd`` their standard deviations, ``residual_sum_of_squares`` the certified
    minimum of Σ (y − model)².
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    model: object
    params: tuple
    x_symbol: object
    starts: tuple
    certified: np.ndarray
    certified_sd: np.ndarray
    residual_sum_of_squares: float
    difficulty: str
    url: str
    description: str

    def predict(self, b, x=None):
        """The model's values at ``x`` (default: the data's x) for parameters ``b``."""
        import sympy as sp

        fn = sp.lambdify((self.x_symbol, *self.params), self.model, "numpy")
        return fn(self.x if x is None else np.asarray(x, dtype=float), *b)

    def objective(self, start=1):
        """``f(b) = Σ_i (model(x_i; b) − y_i)²`` as an :class:`~helpers.objectives.Objective`
        with ``residuals`` and ``jac``, started at NIST's Start ``start`` (1 or 2); its
        minimum is the certified solution, polished by Newton's method."""
        if start not in (1, 2):
            raise ValueError(f"start must be 1 or 2, got {start!r}")
        obj = _nist_objective(self.name)
        return type(obj)(**{**obj.__dict__, "name": f"{self.name} (start {start})",
                            "x0": np.array(self.starts[start - 1], dtype=float)})


@functools.lru_cache(maxsize=None)
def _nist_objective(name):
    """The sum of squares of a NIST problem. The model m(x; b) is differentiated once by
    SymPy (∂m/∂b_k, ∂²m/∂b_k∂b_l) and evaluated on all data points at once: r = m − y,
    f = Σ r², ∇f = 2Jᵀr, ∇²f = 2JᵀJ + 2 Σ_i r_i ∇²m_i, exactly, and far faster than
    differentiating the expanded sum."""
    import sympy as sp

    from .objectives import Objective

    problem = nist(name)
    b, k = problem.params, len(problem.params)
    orders = ([problem.model], [sp.diff(problem.model, bk) for bk in b],
              [sp.diff(problem.model, bk, bl) for bk in b for bl in b])
    fns = [sp.lambdify((problem.x_symbol, *b), exprs, "numpy", cse=True) for exprs in orders]

    def parts(theta, order):       # theta (k, ...) → r (n, ...), J (n, k, ...), M (n, k, k, ...)
        theta = np.asarray(theta, dtype=float)
        if theta.shape[:1] != (k,):
            raise ValueError(f"expected a point with {k} coordinates on axis 0, got shape "
                             f"{theta.shape}")
        X = problem.x.reshape((-1,) + (1,) * (theta.ndim - 1))
        shape = np.broadcast_shapes(X.shape, theta.shape[1:])
        out = [np.broadcast_to(fns[0](X, *theta)[0], shape) - problem.y.reshape(X.shape)]
        if order >= 1:
            out.append(np.stack([np.broadcast_to(v, shape) for v in fns[1](X, *theta)], axis=1))
        if order >= 2:
            M = np.stack([np.broadcast_to(v, shape) for v in fns[2](X, *theta)], axis=1)
            out.append(M.reshape((shape[0], k, k) + shape[1:]))
        return out

    def f(theta):
        r = parts(theta, 0)[0]
        out = np.sum(r**2, axis=0)
        return float(out) if out.ndim == 0 else out

    def grad(theta):
        r, J = parts(theta, 1)
        return 2 * np.einsum("i...,ik...->k...", r, J)

    def hess(theta):
        r, J, M = parts(theta, 2)
        return 2 * (np.einsum("ik...,il...->kl...", J, J) + np.einsum("i...,ikl...->kl...", r, M))

    b_star = np.array(problem.certified, dtype=float)
    for _ in range(20):                # Newton's method: the certified values to full precision
        step = np.linalg.solve(hess(b_star), grad(b_star))
        b_star = b_star - step
        if np.all(np.abs(step) <= 1e-15 * np.abs(b_star)):
            break
    residuals = [problem.model.subs(problem.x_symbol, sp.Float(xi)) - sp.Float(yi)
                 for xi, yi in zip(problem.x, problem.y)]
    return Objective(
        name=name, expr=sp.Add(*[r**2 for r in residuals]), symbols=b, f=f, grad=grad,
        hess=hess, x0=np.array(problem.starts[0], dtype=float), minima=(b_star,),
        f_min=f(b_star), bounds=_NIST[name]["bounds"], log_scale=True,
        description=problem.description, params={"nist": name},
        residuals=lambda theta: parts(theta, 0)[0], jac=lambda theta: parts(theta, 1)[1])


def nist(name):
    """A NIST StRD nonlinear least-squares problem: ``"misra1a"`` (lower difficulty, 2
    parameters) or ``"mgh09"`` (higher difficulty, 4 parameters), typed in from the data
    files at https://www.itl.nist.gov/div898/strd/nls/nls_main.shtml (URL in ``.url``).

    Returns a :class:`NistProblem`; ``.objective(start)`` makes it an objective.
    """
    import sympy as sp

    key = str(name).strip().lower()
    if key not in _NIST:
        raise ValueError(f"unknown NIST problem {name!r}; available: {', '.join(_NIST)}")
    d = _NIST[key]
    x_symbol = sp.Symbol("x", real=True)
    k = len(d["certified"])
    params = sp.symbols(f"b1:{k + 1}", real=True)
    model = sp.sympify(d["model"], locals={"x": x_symbol, **{str(b): b for b in params}})
    return NistProblem(key, np.array(d["x"]), np.array(d["y"]), model, params, x_symbol,
                       tuple(tuple(s) for s in d["starts"]), np.array(d["certified"]),
                       np.array(d["certified_sd"]), d["residual_sum_of_squares"],
                       d["difficulty"], d["url"], d["description"])
