"""Check functions for the notebooks' exercises, one module per notebook.

Each ``check_*`` takes the learner's answer (usually a function), tests it on cases it
makes itself, and returns ``True``; a wrong answer raises ``AssertionError`` with a hint.
An answer that is still the stub (returns ``None``) prints a reminder and returns
``None``, so a notebook runs top to bottom before its exercises are done::

    from helpers.exercises import gradient_descent as ex
    ex.check_max_stable_lr(max_stable_lr)
"""
