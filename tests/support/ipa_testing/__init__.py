"""What the Python tests and the bench share: the sandbox engines, the built binary,
registries and their entries, /proc figures, and the Python side that writes the
registry as iris-devtester does (devtester.py, run with /usr/bin/python3).

ctest puts tests/support on PYTHONPATH for every Python test, bench/run exports it.
"""
