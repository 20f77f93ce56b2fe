"""Measured figures of the tests."""

import sys


def figure(name, value):
    """A measured figure, printed so that the ctest log keeps it."""
    sys.stderr.write("FIGURE %s: %s\n" % (name, value))
