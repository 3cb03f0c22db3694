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
source "$(dirname "$0")/apt_install.sh"

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ] && command -v pdftoppm >/dev/null 2>&1; then
    echo "install_chromium: $CHROMIUM and poppler-utils are present"
    exit 0
fi

# poppler-utils: pdftotext/pdftoppm read the handout PDF in tests/test_handout.py
apt_install install_chromium \
    "The browser tests (tests/test_site*.py) need Chromium at $CHROMIUM." \
    chromium fonts-liberation fonts-dejavu-core poppler-utils

[ -x "$CHROMIUM" ] || { echo "install_chromium: ERROR: the chromium package did not provide $CHROMIUM (on Ubuntu it is a snap wrapper; use a Debian chromium build)." >&2; exit 1; }
echo "install_chromium: installed $CHROMIUM"
