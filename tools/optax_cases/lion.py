"""optax reference cases for Lion (helpers/optimizers/adam_family.py)."""
import optax

# (id, helpers optimizer, helpers hyper, objective, objective kwargs, steps, schedule)
CASES = [
    ("lion_rosenbrock", "lion", dict(lr=2e-3, weight_decay=0.0), "rosenbrock", {}, 200, None),
    ("lion_default_decay_beale", "lion", dict(lr=1e-2), "beale", {}, 150, None),
    ("lion_betas_wd_himmelblau", "lion", dict(lr=0.01, beta1=0.5, beta2=0.9, weight_decay=0.5),
     "himmelblau", {}, 150, None),
    ("lion_rosenbrock_10d", "lion", dict(lr=5e-3, weight_decay=0.1), "rosenbrock", dict(n=10),
     100, None),
]


def _lion(h):
    tx = optax.lion(learning_rate=h["lr"], b1=h["beta1"], b2=h["beta2"],
                    weight_decay=h["weight_decay"])
    text = (f"optax.lion(learning_rate={h['lr']!r}, b1={h['beta1']!r}, b2={h['beta2']!r}, "
            f"weight_decay={h['weight_decay']!r})")
    return tx, text


OPTAX = {"lion": _lion}
