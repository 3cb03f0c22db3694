#!/usr/bin/env bash
# Install the browser used by tests/test_site.py: Debian's chromium at
# /usr/bin/chromium (Playwright's own browser download is not used, so the
# test also works on machines that can only reach the Debian archive).
#
#   scripts/install_chromium.sh     (also run by `make browser` / `make test`)
#
# Does nothing if /usr/bin/chromium exists. Otherwise runs apt-get, as root or
# through sudo. Fonts are installed explicitly so that screenshots of a fresh
# machine show real text.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
# poppler-utils: pdftotext/pdftoppm read the handout PDF in tests/test_handout.py
PACKAGES=(chromium fonts-liberation fonts-dejavu-core poppler-utils)

if [ -x "$CHROMIUM" ] && command -v pdftoppm >/dev/null 2>&1; then
    echo "install_chromium: $CHROMIUM and poppler-utils are present"
    exit 0
fi

fail() {
    cat >&2 <<EOF
install_chromium: ERROR: $1
The browser test (tests/test_site.py) needs Chromium at $CHROMIUM.
Install it yourself, e.g. on Debian/Ubuntu-with-Debian-packages:
    sudo apt-get update && sudo apt-get install -y ${PACKAGES[*]}
EOF
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian-based system)."

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    if sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    elif [ -t 0 ]; then
        echo "install_chromium: installing ${PACKAGES[*]} with sudo (it may ask for your password)"
        SUDO=(sudo)
    else
        fail "not root, and sudo needs a password but there is no terminal to ask for it."
    fi
else
    fail "not root and sudo is not available."
fi

# time-outs: offline, apt-get gives up after ~15 s instead of retrying for minutes
APT_NET=(-o Acquire::http::Timeout=15 -o Acquire::https::Timeout=15 -o Acquire::Retries=0)
echo "install_chromium: apt-get install ${PACKAGES[*]}"
"${SUDO[@]}" timeout 120 apt-get "${APT_NET[@]}" update -qq \
    || fail "apt-get update could not reach the Debian archive: connect to the internet (or set http_proxy) and run make browser again."
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    timeout 600 apt-get "${APT_NET[@]}" install -y -qq --no-install-recommends "${PACKAGES[@]}" \
    || fail "apt-get install ${PACKAGES[*]} failed (network?)."

[ -x "$CHROMIUM" ] || fail "the chromium package did not provide $CHROMIUM (on Ubuntu it is a snap wrapper; use a Debian chromium build)."
echo "install_chromium: installed $CHROMIUM"
