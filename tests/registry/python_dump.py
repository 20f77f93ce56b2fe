"""Prints a JSON file the way iris-devtester writes the registry.

Usage: python_dump.py FILE
Reads FILE with json.load and writes json.dump(data, stdout, indent=2),
the reference that Registry::serialize() must match byte for byte.
"""

import json
import sys


def main() -> int:
    with open(sys.argv[1], "r") as f:
        data = json.load(f)
    json.dump(data, sys.stdout, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
