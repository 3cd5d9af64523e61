"""Real data sets that scikit-learn ships inside its package (nothing is downloaded)."""
from __future__ import annotations

import numpy as np

__all__ = ["diabetes", "diabetes_least_squares", "digits"]


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
