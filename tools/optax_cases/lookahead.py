"""Reference cases for helpers.optimizers.lookahead, recorded from optax.lookahead.

optax's parameters are ``optax.LookaheadParams(fast, slow)``; the runner records the
**fast** weights, which is what ``helpers.optimizers.lookahead``'s ``update`` returns (its
slow weights live in ``state.slow``; they coincide with the fast ones after every sync).
The runner asserts that optax's slow weights equal its fast ones after each sync step.
"""
import jax.numpy as jnp
import numpy as np
import optax

# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
CASES = [
    ("lookahead_sgd_rosenbrock", "lookahead",
     dict(inner="sgd", lr=1e-3, k=5, alpha=0.5), "rosenbrock", {}, 150, None),
    ("lookahead_momentum_k7_valley", "lookahead",
     dict(inner="momentum", lr=0.05, k=7, alpha=0.3, inner_hyper=dict(momentum=0.9)),
     "elongated_valley", {}, 120, None),
    ("lookahead_adam_beale", "lookahead",
     dict(inner="adam", lr=0.05, k=5, alpha=0.5, inner_hyper=dict(beta1=0.8, beta2=0.99)),
     "beale", {}, 120, None),
    ("lookahead_adam_reset_himmelblau", "lookahead",
     dict(inner="adam", lr=0.1, k=4, alpha=0.8, reset_state=True), "himmelblau", {}, 100, None),
]


def _inner(h):
    ih = h["inner_hyper"]
    if h["inner"] == "sgd" and not (ih["momentum"] or ih["weight_decay"] or ih["dampening"]):
        return optax.sgd(h["lr"]), f"optax.sgd({h['lr']!r})"
    if h["inner"] == "momentum" and not (ih["weight_decay"] or ih["dampening"]):
        return (optax.sgd(h["lr"], momentum=ih["momentum"]),
                f"optax.sgd({h['lr']!r}, momentum={ih['momentum']!r})")
    if h["inner"] == "adam" and not (ih["weight_decay"] or ih["amsgrad"]):
        # torch's ε sits outside the root after bias correction: optax.adam's eps, eps_root=0
        return (optax.adam(h["lr"], b1=ih["beta1"], b2=ih["beta2"], eps=ih["eps"]),
                f"optax.adam({h['lr']!r}, b1={ih['beta1']!r}, b2={ih['beta2']!r}, "
                f"eps={ih['eps']!r})")
    raise ValueError(f"no optax counterpart for lookahead inner {h['inner']!r} with {ih}")


def _lookahead(h):
    tx, text = _inner(h)
    return (optax.lookahead(tx, sync_period=h["k"], slow_step_size=h["alpha"],
                            reset_state=h["reset_state"]),
            f"optax.lookahead({text}, sync_period={h['k']}, slow_step_size={h['alpha']!r}, "
            f"reset_state={h['reset_state']}) [fast weights]")


def run_lookahead(tx, x0, grad, steps):
    """Fast weights of optax.lookahead at every step (slow ones checked equal after syncs)."""
    params = optax.LookaheadParams.init_synced(jnp.asarray(x0, dtype=jnp.float64))
    state, xs = tx.init(params), [np.asarray(params.fast)]
    for _ in range(steps):
        g = jnp.asarray(grad(np.asarray(params.fast)))
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
        if int(state.steps_since_sync) == 0:
            assert np.allclose(params.fast, params.slow, rtol=0, atol=1e-14)
        xs.append(np.asarray(params.fast))
    return np.array(xs)


OPTAX = {"lookahead": _lookahead}
RUNNERS = {"lookahead": run_lookahead}
