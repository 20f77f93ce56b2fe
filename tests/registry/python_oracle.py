"""What Python makes of inputs the C++ side also reads: the oracle of
python_agreement_test.cpp.

Usage: python_oracle.py REQUESTS ANSWERS
Each line of REQUESTS is "KIND HEX [HEX]"; the matching line of ANSWERS is
the hex of Python's answer, or "-" when Python refuses the input:
  decimal HEX       the number, when it is decimal digits only in 1..65535
  fsdecode HEX      os.fsdecode(bytes) as UTF-8 with lone surrogates kept
  json HEX          json.dump(json.loads(text), indent=2), iris-devtester's write
  abspath HEX HEX   os.path.abspath(path) run in the directory CWD
"""

import json
import posixpath
import os
import re
import sys


def answer(kind, args):
    if kind == "decimal":
        text = args[0]
        if re.fullmatch(rb"[0-9]+", text) and 1 <= int(text) <= 65535:
            return str(int(text)).encode()
        return None
    if kind == "fsdecode":
        return os.fsdecode(args[0]).encode("utf-8", "surrogatepass")
    if kind == "json":
        try:
            data = json.loads(args[0].decode("utf-8"))
        except ValueError:
            return None
        return json.dumps(data, indent=2).encode()
    if kind == "abspath":
        path, cwd = args
        return posixpath.normpath(posixpath.join(cwd, path))
    raise ValueError(kind)


def main():
    with open(sys.argv[1]) as requests, open(sys.argv[2], "w") as answers:
        for line in requests:
            kind, *hexes = line.split()
            result = answer(kind, [bytes.fromhex(h) for h in hexes])
            answers.write("-\n" if result is None else result.hex() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
