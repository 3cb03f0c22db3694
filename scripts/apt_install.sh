#!/usr/bin/env bash
# Shared by scripts/install_chromium.sh and scripts/install_bwrap.sh: install
# Debian packages with apt-get, as root or through sudo, with network
# time-outs so that an offline machine fails in seconds, not minutes.
#
#   source scripts/apt_install.sh
#   apt_install <caller name> <hint for the error message> <package>...
#
# On failure it prints "<caller>: ERROR: ..." with the command to run by hand
# and exits 1.

apt_install() {
    local caller=$1 hint=$2
    shift 2
    local packages=("$@")

    _apt_fail() {
        cat >&2 <<MSG
$caller: ERROR: $1
$hint
Install it yourself, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y ${packages[*]}
MSG
        exit 1
    }

    command -v apt-get >/dev/null 2>&1 || _apt_fail "apt-get not found (not a Debian-based system)."

    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            _apt_fail "not root and sudo is not available."
        elif sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        elif [ -t 0 ]; then
            echo "$caller: installing ${packages[*]} with sudo (it may ask for your password)"
            sudo=(sudo)
        else
            _apt_fail "not root, and sudo needs a password but there is no terminal to ask for it."
        fi
    fi

    # time-outs: offline, apt-get gives up after ~15 s instead of retrying for minutes
    local net=(-o Acquire::http::Timeout=15 -o Acquire::https::Timeout=15 -o Acquire::Retries=0)
    echo "$caller: apt-get install ${packages[*]}"
    "${sudo[@]}" timeout 120 apt-get "${net[@]}" update -qq \
        || _apt_fail "apt-get update could not reach the Debian archive: connect to the internet (or set http_proxy) and try again."
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        timeout 600 apt-get "${net[@]}" install -y -qq --no-install-recommends "${packages[@]}" \
        || _apt_fail "apt-get install ${packages[*]} failed (network?)."
}
