"""Prints, one line each, what datetime.now().isoformat() returns when the
clock reads each argument (nanoseconds since the epoch) in this process's TZ.

datetime.now() floors the clock to microseconds; integer arithmetic here keeps
float rounding out of the comparison.
"""

import sys
from datetime import datetime

for argument in sys.argv[1:]:
    nanoseconds = int(argument)
    instant = datetime.fromtimestamp(nanoseconds // 10**9)
    print(instant.replace(microsecond=nanoseconds % 10**9 // 1000).isoformat())
