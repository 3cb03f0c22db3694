#!/usr/bin/env bash
# Install bubblewrap (`bwrap`), the sandbox the grader runs every student's
# code in (grading/grading/sandbox.py; tests/test_grading_hostile.py).
#
#   scripts/install_bwrap.sh     (also run by `make sandbox` / `make test`)
#
# Does nothing if bwrap is on the PATH. Otherwise runs apt-get (Debian's
# package `bubblewrap`), as root or through sudo. util-linux's setpriv is
# not needed: the grader switches user ids itself.
set -euo pipefail
source "$(dirname "$0")/apt_install.sh"

if command -v bwrap >/dev/null 2>&1; then
    echo "install_bwrap: $(command -v bwrap) is present ($(bwrap --version))"
    exit 0
fi

apt_install install_bwrap \
    "The grader (python -m grading) runs students' code only inside bubblewrap." \
    bubblewrap

command -v bwrap >/dev/null 2>&1 || { echo "install_bwrap: ERROR: the bubblewrap package did not provide bwrap." >&2; exit 1; }
echo "install_bwrap: installed $(command -v bwrap) ($(bwrap --version))"
