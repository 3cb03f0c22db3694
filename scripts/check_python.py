"""Stop at once, in one line, when a Python outside the course's range would build the environment.

    python3 scripts/check_python.py            # exit 0 in range; else one line on stderr, exit 1
    python3 scripts/check_python.py --range    # print the range, e.g. "3.10 to 3.13"

The range is pyproject.toml's ``requires-python`` (">=3.10,<3.14"). The
Makefile runs this before pip, so an unsupported Python never gets as far as
a resolver error. Written to run on any Python, 2.7 included (no f-strings,
no tomllib), since its job is to reject old ones politely.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def supported_range():
    """``((3, 10), (3, 14))``: lowest supported and first unsupported (major, minor), from pyproject.toml."""
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        text = f.read()
    spec = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M).group(1)
    low = re.search(r">=\s*(\d+)\.(\d+)", spec)
    high = re.search(r"<\s*(\d+)\.(\d+)", spec)
    return (int(low.group(1)), int(low.group(2))), (int(high.group(1)), int(high.group(2)))


def range_text():
    (lo_major, lo_minor), (hi_major, hi_minor) = supported_range()
    return "%d.%d to %d.%d" % (lo_major, lo_minor, hi_major, hi_minor - 1)


def main(argv):
    if "--range" in argv:
        print(range_text())
        return 0
    low, high = supported_range()
    here = tuple(sys.version_info[:2])
    if low <= here < high:
        return 0
    sys.stderr.write(
        "setup: Python %s (%s) is not supported: convlayer needs Python %s; "
        "run make again with PYTHON=python3.X for a 3.X in that range\n"
        % (sys.version.split()[0], sys.executable or "python", range_text())
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
