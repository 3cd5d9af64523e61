import numpy as np
import pytest

from helpers import data, mlp, objectives, spectrum


def integral(f, x):                       # trapezoidal rule (np.trapezoid needs numpy >= 2)
    return float(np.sum((f[1:] + f[:-1]) / 2 * np.diff(x)))


def matrix(eigenvalues, seed=0):
    Q = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(eigenvalues),) * 2))[0]
    return (Q * np.asarray(eigenvalues, dtype=float)) @ Q.T


@pytest.fixture(scope="module")
def spread():
    """A 200 × 200 indefinite matrix: bulk in [−1, 2], outliers 6, 8, 10."""
    lam = np.r_[np.random.default_rng(1).uniform(-1, 2, 197), 6.0, 8.0, 10.0]
    A = matrix(lam, seed=2)
    return A, np.linalg.eigvalsh(A)


def test_power_iteration_finds_lambda_max_with_a_residual_certificate(spread):
    A, exact = spread
    r = spectrum.power_iteration(lambda v: A @ v, 200, iters=500, tol=1e-14, rng=0)
    assert abs(r.eigenvalue - exact[-1]) < 1e-10 and r.converged
    assert abs(r.eigenvalue - exact[-1]) <= r.residual + 1e-15   # some eigenvalue within ‖r‖
    np.testing.assert_allclose(abs(r.eigenvector @ np.linalg.eigh(A)[1][:, -1]), 1, atol=1e-8)
    assert len(r.history) == r.iterations
    # for a PSD matrix the Rayleigh quotients of power iteration never decrease
    B = A - exact[0] * np.eye(200)
    h = spectrum.power_iteration(lambda v: B @ v, 200, iters=50, tol=0, rng=3).history
    assert np.all(np.diff(h) >= -1e-12 * h[-1]) and len(h) == 50


def test_power_iteration_warm_start_and_deflation(spread):
    A, exact = spread
    cold = spectrum.power_iteration(lambda v: A @ v, 200, iters=500, tol=1e-10, rng=0)
    warm = spectrum.power_iteration(lambda v: A @ v, 200, iters=500, tol=1e-10,
                                    v0=cold.eigenvector + 1e-3)
    assert warm.iterations < cold.iterations / 2
    second = spectrum.power_iteration(lambda v: A @ v, 200, iters=500, tol=1e-12, rng=1,
                                      orthogonal_to=[cold.eigenvector])
    assert abs(second.eigenvalue - exact[-2]) < 1e-6
    # power iteration finds the largest |λ|: negative here
    r = spectrum.power_iteration(lambda v: -A @ v, 200, iters=500, tol=1e-12, rng=0)
    assert abs(r.eigenvalue + exact[-1]) < 1e-8


def test_lanczos_is_orthonormal_tridiagonal_and_exact_at_full_size(spread):
    A, exact = spread
    lz = spectrum.lanczos(lambda v: A @ v, 200, 40, rng=0)
    np.testing.assert_allclose(lz.Q.T @ lz.Q, np.eye(40), atol=1e-13)
    np.testing.assert_allclose(lz.Q.T @ A @ lz.Q, lz.T, atol=1e-12)
    assert np.abs(lz.ritz_values[-3:] - exact[-3:]).max() < 1e-10      # outliers first
    assert np.isclose(lz.weights.sum(), 1) and np.all(lz.weights >= 0)
    u = lz.ritz_vectors[:, -1]
    np.testing.assert_allclose(A @ u, lz.ritz_values[-1] * u, atol=1e-8)
    small = matrix(np.arange(1.0, 13.0), seed=4)
    full = spectrum.lanczos(lambda v: small @ v, 12, 12, rng=1)
    np.testing.assert_allclose(full.ritz_values, np.arange(1.0, 13.0), atol=1e-12)


def test_lanczos_gauss_quadrature_is_exact_to_degree_2m_minus_1():
    A = matrix(np.linspace(0, 1, 200), seed=3)                 # no outliers: a hard quadrature
    q = np.random.default_rng(5).standard_normal(200)
    q /= np.linalg.norm(q)
    lz = spectrum.lanczos(lambda v: A @ v, 200, 3, v0=q)
    moments = [q @ np.linalg.matrix_power(A, k) @ q for k in range(7)]
    for k in range(6):                                         # degree ≤ 2m − 1 = 5: exact
        assert abs(lz.weights @ lz.ritz_values**k - moments[k]) < 1e-13
    assert abs(lz.weights @ lz.ritz_values**6 - moments[6]) > 1e-6   # degree 2m: not


def test_lanczos_stops_on_an_invariant_subspace():
    A = matrix(np.repeat([1.0, 2.0, 5.0], 10), seed=6)        # three distinct eigenvalues
    lz = spectrum.lanczos(lambda v: A @ v, 30, 10, rng=0)
    assert len(lz.ritz_values) == 3 and lz.Q.shape == (30, 3)
    np.testing.assert_allclose(lz.ritz_values, [1, 2, 5], atol=1e-12)


def test_reorthogonalization_removes_ghost_eigenvalues(spread):
    A, exact = spread
    plain = spectrum.lanczos(lambda v: A @ v, 200, 120, rng=0, reorthogonalize=False)
    full = spectrum.lanczos(lambda v: A @ v, 200, 120, rng=0)
    copies = [np.sum(np.abs(r.ritz_values - exact[-1]) < 1e-8) for r in (plain, full)]
    assert copies[0] >= 2 and copies[1] == 1


def test_hutchinson_is_unbiased_with_the_predicted_variance():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 30))
    H = A + A.T + np.diag(rng.uniform(0, 5, 30))
    for distribution, var in (("rademacher", 2 * (np.sum(H**2) - np.sum(np.diag(H)**2))),
                              ("gaussian", 2 * np.sum(H**2))):
        est = spectrum.hutchinson_trace(lambda v: H @ v, 30, 20000, rng=1,
                                        distribution=distribution)
        assert abs(est.trace - np.trace(H)) < 4 * np.sqrt(var / 20000)
        assert 0.9 < est.samples.var() / var < 1.1
        assert np.isclose(est.stderr, est.samples.std(ddof=1) / np.sqrt(20000))
    D = np.diag(rng.uniform(-2, 3, 30))                       # random signs: exact on a diagonal
    est = spectrum.hutchinson_trace(lambda v: D @ v, 30, 5, rng=2)
    np.testing.assert_allclose(est.samples, np.trace(D), rtol=1e-12)


def test_slq_density_integrates_to_one_and_matches_the_smoothed_spectrum(spread):
    A, exact = spread
    grid = np.linspace(-3, 12, 1500)
    d = spectrum.slq_density(lambda v: A @ v, 200, m=60, probes=30, rng=0, grid=grid, sigma=0.3)
    assert d.nodes.shape == d.weights.shape == (30, 60)
    np.testing.assert_allclose(d.weights.sum(axis=1), 1, atol=1e-12)
    assert abs(integral(d.density, grid) - 1) < 1e-6
    truth = spectrum.smoothed_density(exact, np.full(200, 1 / 200), grid, 0.3)
    assert integral(np.abs(d.density - truth), grid) < 0.1
    assert abs(d.expect(lambda x: x) - np.trace(A) / 200) < 0.1
    assert abs(d.expect(lambda x: x**2) - np.trace(A @ A) / 200) < 0.1 * np.trace(A @ A) / 200
    default = spectrum.slq_density(lambda v: A @ v, 200, m=30, rng=0)
    assert default.grid.shape == (200,) and default.sigma > 0
    assert default.grid[0] < exact[0] and default.grid[-1] > exact[-1]


def test_spectrum_tools_on_a_test_function_and_a_network():
    rosen = objectives.get("rosenbrock")
    x = np.array([-0.5, 1.5])                                  # indefinite, |λ_min| > λ_max
    exact = np.linalg.eigvalsh(rosen.hess(x))
    r = spectrum.power_iteration(lambda v: rosen.hvp(x, v), 2, iters=200, tol=1e-14, rng=0)
    assert exact[-1] < -exact[0] and abs(r.eigenvalue - exact[0]) < 1e-9 * abs(exact[0])
    top = spectrum.power_iteration(lambda v: rosen.hvp(rosen.minima[0], v), 2, iters=200,
                                   tol=1e-14, rng=0)
    assert abs(top.eigenvalue - np.linalg.eigvalsh(rosen.hess(rosen.minima[0]))[-1]) < 1e-9 * 1002
    np.testing.assert_allclose(spectrum.lanczos(lambda v: rosen.hvp(x, v), 2, 2, rng=0).ritz_values,
                               exact, rtol=1e-12)
    Xtr, _, ytr, _ = data.digits()
    net = mlp.MLP((64, 4, 10), "tanh")
    theta, X, y = net.init(1), Xtr[:100], ytr[:100]
    eig = np.linalg.eigvalsh(net.hessian(theta, X, y))
    lz = spectrum.lanczos(lambda v: net.hvp(theta, X, y, v), net.size, 80, rng=0)
    assert np.abs(lz.ritz_values[-3:] - eig[-3:]).max() < 1e-9 * eig[-1]
    assert abs(lz.ritz_values[0] - eig[0]) < 1e-9 * eig[-1]
    tr = spectrum.hutchinson_trace(lambda v: net.hvp(theta, X, y, v), net.size, 300, rng=0)
    assert abs(tr.trace - eig.sum()) < 4 * tr.stderr


@pytest.mark.parametrize("call, bad", [
    (lambda: spectrum.power_iteration(lambda v: v, 0), "n"),
    (lambda: spectrum.power_iteration(lambda v: v, 3, iters=0), "iters"),
    (lambda: spectrum.power_iteration(lambda v: v, 3, iters=2.5), "iters"),
    (lambda: spectrum.power_iteration(lambda v: v, 3, tol=-1.0), "tol"),
    (lambda: spectrum.power_iteration(lambda v: v, 3, v0=np.zeros(3)), "v0"),
    (lambda: spectrum.power_iteration(lambda v: v, 3, v0=np.ones(4)), "v0"),
    (lambda: spectrum.power_iteration("H", 3), "hvp"),
    (lambda: spectrum.lanczos(lambda v: v, 3, 4), "m"),
    (lambda: spectrum.lanczos(lambda v: v, 3, 0), "m"),
    (lambda: spectrum.hutchinson_trace(lambda v: v, 3, 0), "samples"),
    (lambda: spectrum.hutchinson_trace(lambda v: v, 3, 5, distribution="uniform"), "distribution"),
    (lambda: spectrum.slq_density(lambda v: v, 3, m=2, probes=0), "probes"),
    (lambda: spectrum.slq_density(lambda v: v, 3, m=2, sigma=0.0), "sigma"),
    (lambda: spectrum.slq_density(lambda v: v, 3, m=2, grid=1), "grid"),
    (lambda: spectrum.smoothed_density([1.0], [1.0], [0.0], sigma=-1.0), "sigma"),
])
def test_invalid_arguments_name_themselves(call, bad):
    with pytest.raises(ValueError, match=f"invalid {bad}"):
        call()
