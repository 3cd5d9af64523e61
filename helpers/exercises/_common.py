"""What every exercise check shares: the not-attempted reminder and the verdict."""


def attempted(value, what):
    """False (with a reminder) while the learner's function is still the stub."""
    if value is None:
        print(f"{what}: not attempted yet — fill in the function above, then run this cell.")
        return False
    return True


def report(what):
    print(f"{what}: correct ✓")
    return True
