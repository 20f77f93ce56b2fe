"""Runs devtester.py, the Python side of the registry, as its own process."""

import os
import subprocess

PYTHON = "/usr/bin/python3"  # Debian's, which has python3-filelock
DEVTESTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "devtester.py")


def devtester(*args):
    """The command line of one devtester.py command."""
    return [PYTHON, DEVTESTER, *[str(a) for a in args]]


def python_lock_holder(lock_path, seconds):
    """A Python process holding the registry lock the way iris-devtester does."""
    process = subprocess.Popen(devtester("hold", lock_path, seconds), stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "held"
    return process
