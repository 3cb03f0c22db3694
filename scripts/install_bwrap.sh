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

PACKAGES=(bubblewrap)

if command -v bwrap >/dev/null 2>&1; then
    echo "install_bwrap: $(command -v bwrap) is present ($(bwrap --version))"
    exit 0
fi

fail() {
    cat >&2 <<MSG
install_bwrap: ERROR: $1
The grader (python -m grading) runs students' code only inside bubblewrap.
Install it yourself, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y ${PACKAGES[*]}
MSG
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian-based system)."

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    fail "not root, and sudo is not available without a password."
fi

# time-outs: offline, apt-get gives up after ~15 s instead of retrying for minutes
APT_NET=(-o Acquire::http::Timeout=15 -o Acquire::https::Timeout=15 -o Acquire::Retries=0)
echo "install_bwrap: apt-get install ${PACKAGES[*]}"
"${SUDO[@]}" timeout 120 apt-get "${APT_NET[@]}" update -qq \
    || fail "apt-get update could not reach the Debian archive: connect to the internet (or set http_proxy) and run make sandbox again."
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    timeout 300 apt-get "${APT_NET[@]}" install -y -qq --no-install-recommends "${PACKAGES[@]}" \
    || fail "apt-get install ${PACKAGES[*]} failed (network?)."

command -v bwrap >/dev/null 2>&1 || fail "the bubblewrap package did not provide bwrap."
echo "install_bwrap: installed $(command -v bwrap) ($(bwrap --version))"
