import math

import numpy as np
import pytest

from helpers.exercises import initialization as exercises


def test_leaky_relu_gain_accepts_the_derivation_and_rejects_near_misses(capsys):
    assert exercises.check_leaky_relu_gain(lambda a: np.sqrt(2 / (1 + a**2)))
    with pytest.raises(AssertionError, match="α"):
        exercises.check_leaky_relu_gain(lambda a: math.sqrt(2))           # ReLU's gain for every α
    with pytest.raises(AssertionError):
        exercises.check_leaky_relu_gain(lambda a: np.sqrt(2 / (1 + a)))   # forgot to square α
    assert exercises.check_leaky_relu_gain(lambda a: None) is None
    assert "not attempted" in capsys.readouterr().out


def test_relu_second_moment_checks_the_first_layer_and_the_halving():
    assert exercises.check_relu_second_moment(lambda q, g, L: g**2 * q * (g**2 / 2) ** (L - 1))
    with pytest.raises(AssertionError, match="recursion"):   # halves at layer 1 too
        exercises.check_relu_second_moment(lambda q, g, L: q * (g**2 / 2) ** L)
    with pytest.raises(AssertionError):                      # forgets the ReLU halving
        exercises.check_relu_second_moment(lambda q, g, L: q * g ** (2 * L))
    assert exercises.check_relu_second_moment(lambda q, g, L: None) is None


def test_forget_bias_for_halflife_is_the_logit_of_the_kth_root():
    def exact(k):
        p = 0.5 ** (1 / k)
        return math.log(p / (1 - p))

    assert exercises.check_forget_bias_for_halflife(exact)
    with pytest.raises(AssertionError, match="keeps"):
        exercises.check_forget_bias_for_halflife(lambda k: 1.0)             # the usual default
    with pytest.raises(AssertionError):
        exercises.check_forget_bias_for_halflife(lambda k: math.log(k))  # 0 at k = 1, then wrong
    assert exercises.check_forget_bias_for_halflife(lambda k: None) is None
