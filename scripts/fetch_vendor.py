#!/usr/bin/env python3
"""Fetch the JavaScript the website needs so that it works without any CDN.

    python3 scripts/fetch_vendor.py          # fetch if vendor/ is missing or stale
    python3 scripts/fetch_vendor.py --force  # fetch again

What it does, reproducibly:

1. ``npm pack mathjax@3.2.2 @jupyter-widgets/html-manager@1.0.15`` into a
   temporary directory (without npm: the same tarballs straight from the npm
   registry, ``$NPM_CONFIG_REGISTRY`` or https://registry.npmjs.org/).
2. Verifies each tarball against the sha512 (npm "integrity") and sha1 (npm
   "shasum") pinned below; any mismatch aborts and leaves vendor/ untouched.
3. Copies only what the pages load into ``vendor/_static/`` (about 11 MB),
   next to each package's licence, and writes ``vendor/_static/THIRD-PARTY.txt``
   and a small MathJax 2 -> 3 shim for the widget manager (see below).

``vendor/`` is git-ignored and listed in ``html_extra_path`` (_config.yml), so
Sphinx copies it verbatim into the built site: the files end up under
``_build/html/_static/mathjax/`` and ``_build/html/_static/jupyter-widgets/``,
which is where ``mathjax_path`` and ``nb_ipywidgets_js`` point. It is *not*
an ``html_static_path`` entry on purpose: Jupyter Book 1 injects every .js/.css
found in the static paths into every page (hundreds of MathJax components).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "vendor"
STATIC = VENDOR / "_static"
STAMP = VENDOR / ".fetched.json"
VENDOR_TEST = ROOT / "vendor-test"

# name, version, tarball file name from `npm pack`, npm integrity (sha512,
# base64), npm shasum (sha1, hex), SPDX licence. Values as published on the
# npm registry (`npm view <pkg>@<version> dist`), checked 2026-11-25.
PACKAGES = {
    "mathjax": dict(
        version="3.2.2",
        tarball="mathjax-3.2.2.tgz",
        integrity="sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        shasum="c754d7b46a679d7f3fa03543d6b8bf124ddf9f6b",
        license="Apache-2.0",
        homepage="https://www.mathjax.org/ (https://github.com/mathjax/MathJax)",
    ),
    "@jupyter-widgets/html-manager": dict(
        version="1.0.15",
        tarball="jupyter-widgets-html-manager-1.0.15.tgz",
        integrity="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        shasum="3d82fba512edcab82512e679be25c917f1b83fd1",
        license="BSD-3-Clause",
        homepage="https://github.com/jupyter-widgets/ipywidgets",
    ),
    # test-only (tests/test_site_a11y.py injects it into each page): fetched
    # into vendor-test/, which is git-ignored and never published
    "axe-core": dict(
        version="4.14.1",
        tarball="axe-core-4.14.1.tgz",
        integrity="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        shasum="14d8a6f3f085afd126b8b5ca1e42e50e17fb1d99",
        license="MPL-2.0",
        homepage="https://github.com/dequelabs/axe-core",
        test_only=True,
    ),
}

# The html-manager npm tarball ships no LICENSE file; this is the licence of
# the jupyter-widgets/ipywidgets repository it is built from (identical to the
# LICENSE in the ipywidgets wheel).
JUPYTER_WIDGETS_LICENSE = """\
Copyright (c) 2015 Project Jupyter Contributors
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

# @jupyter-widgets/html-manager 1.0.15 typesets widget labels with the
# MathJax 2 API (`MathJax.Hub.Queue(["Typeset", MathJax.Hub, el])`); the site
# loads MathJax 3, which has no `Hub`, so every label would throw "Cannot read
# properties of undefined (reading 'Queue')". This small shim, loaded right
# before embed.js (see nb_ipywidgets_js in _config.yml), maps that call onto
# MathJax 3's typesetPromise, one element at a time.
MATHJAX3_COMPAT_JS = """\
/* convlayer: MathJax 2 -> 3 shim for @jupyter-widgets/html-manager (written by
   scripts/fetch_vendor.py). The widget manager calls MathJax.Hub.Queue(["Typeset",
   MathJax.Hub, element]); MathJax 3 has typesetPromise([element]) instead. */
(function () {
  "use strict";
  var queue = null;
  function install() {
    var MJ = window.MathJax;
    if (!MJ || !MJ.version || MJ.Hub) return;  // only once MathJax 3 itself is loaded
    queue = (MJ.startup && MJ.startup.promise) || Promise.resolve();
    MJ.Hub = {
      Queue: function (job) {
        var el = job && job[2];
        if (!el || !MJ.typesetPromise) return;
        queue = queue
          .then(function () { return MJ.typesetPromise([el]); })
          .catch(function (err) { console.warn("MathJax: could not typeset a widget label", err); });
      }
    };
  }
  install();
  // MathJax is loaded with `defer`: deferred scripts have run by DOMContentLoaded,
  // and the widget manager renders on window "load", after it.
  document.addEventListener("DOMContentLoaded", install);
})();
"""

# What is copied, relative to the unpacked "package/" directory -> target
# directory under vendor/_static/.
MATHJAX_FILES = [
    # combined TeX + MathML input, CommonHTML output, menu, assistive MathML
    "es5/tex-mml-chtml.js",
    # loaded on demand by the above
    "es5/output/chtml/fonts/woff-v2",  # the CHTML web fonts
    "es5/input/tex/extensions",  # autoloaded TeX packages (\boldsymbol, ...)
    "es5/ui",  # lazy/menu/safe
    "es5/a11y",  # explorer etc. (menu > accessibility)
    "es5/sre",  # speech rule engine used by a11y, with its locale maps
    "LICENSE",
]
HTML_MANAGER_FILES = [
    # standalone bundle: no require.js needed; its CSS is inlined, its web
    # fonts (Font Awesome etc.) are loaded relative to the script's own URL
    "dist/embed.js",
    "dist/embed.js.LICENSE.txt",  # notices of the libraries bundled in embed.js
    "dist/*.woff2",
    "dist/*.woff",
    "dist/*.ttf",
    "dist/*.eot",
    "dist/*.svg",
]


def log(msg: str) -> None:
    print(f"fetch_vendor: {msg}", flush=True)


def want_stamp() -> dict:
    stamp = {name: {k: p[k] for k in ("version", "integrity")} for name, p in PACKAGES.items()}
    stamp["mathjax3-compat.js"] = hashlib.sha256(MATHJAX3_COMPAT_JS.encode()).hexdigest()
    return stamp


def up_to_date() -> bool:
    try:
        return json.loads(STAMP.read_text()) == want_stamp() and (
            STATIC / "mathjax" / "tex-mml-chtml.js"
        ).is_file() and (STATIC / "jupyter-widgets" / "embed.js").is_file() and (
            VENDOR_TEST / "axe-core" / "axe.min.js"
        ).is_file()
    except (OSError, ValueError):
        return False


def npm_pack(workdir: Path) -> None:
    specs = [f"{name}@{p['version']}" for name, p in PACKAGES.items()]
    log("npm pack " + " ".join(specs))
    subprocess.run(["npm", "pack", "--silent", *specs], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)


def registry_download(workdir: Path) -> None:
    registry = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/").rstrip("/")
    for name, p in PACKAGES.items():
        base = name.split("/")[-1]
        url = f"{registry}/{name}/-/{base}-{p['version']}.tgz"
        log(f"npm not found; downloading {url}")
        with urllib.request.urlopen(url, timeout=120) as r, open(workdir / p["tarball"], "wb") as f:
            shutil.copyfileobj(r, f)


def verify(path: Path, p: dict) -> None:
    data = path.read_bytes()
    sha512 = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    sha1 = hashlib.sha1(data).hexdigest()
    if sha512 != p["integrity"] or sha1 != p["shasum"]:
        sys.exit(
            f"fetch_vendor: CHECKSUM MISMATCH for {path.name}\n"
            f"  expected {p['integrity']} / sha1 {p['shasum']}\n"
            f"  got      {sha512} / sha1 {sha1}\n"
            "Refusing to use it; vendor/ was not changed."
        )
    log(f"verified {path.name} ({len(data):,} bytes) sha1 {sha1}")


def copy_items(pkg_root: Path, patterns: list[str], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for pattern in patterns:
        matches = sorted(pkg_root.glob(pattern))
        if not matches:
            sys.exit(f"fetch_vendor: {pattern} not found in the package")
        for src in matches:
            if src.is_dir():
                # keep the sub-path below es5/ so MathJax finds its components
                rel = src.relative_to(pkg_root / "es5")
                shutil.copytree(src, dest / rel)
            else:
                shutil.copy2(src, dest / src.name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="fetch even if vendor/ is up to date")
    args = ap.parse_args()
    if up_to_date() and not args.force:
        log("vendor/ is up to date (delete it or use --force to fetch again)")
        return 0

    with tempfile.TemporaryDirectory(prefix="convlayer-vendor-") as tmp:
        tmp = Path(tmp)
        if shutil.which("npm"):
            npm_pack(tmp)
        else:
            registry_download(tmp)
        unpacked = {}
        for name, p in PACKAGES.items():
            tgz = tmp / p["tarball"]
            verify(tgz, p)
            out = tmp / ("x-" + p["tarball"])
            with tarfile.open(tgz) as tf:
                if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
                    tf.extractall(out, filter="data")
                else:
                    tf.extractall(out)
            unpacked[name] = out / "package"

        staging = tmp / "vendor"
        st = staging / "_static"
        copy_items(unpacked["mathjax"], MATHJAX_FILES, st / "mathjax")
        copy_items(unpacked["@jupyter-widgets/html-manager"], HTML_MANAGER_FILES, st / "jupyter-widgets")
        (st / "jupyter-widgets" / "LICENSE").write_text(JUPYTER_WIDGETS_LICENSE)
        (st / "jupyter-widgets" / "mathjax3-compat.js").write_text(MATHJAX3_COMPAT_JS)
        copy_items(unpacked["axe-core"], ["axe.min.js", "LICENSE"], tmp / "vendor-test" / "axe-core")

        lines = [
            "Third-party files shipped with this website (fetched by scripts/fetch_vendor.py)",
            "",
        ]
        for name, p in PACKAGES.items():
            if p.get("test_only"):
                continue
            folder = "mathjax" if name == "mathjax" else "jupyter-widgets"
            lines += [
                f"{name} {p['version']}  -  licence {p['license']}, see _static/{folder}/LICENSE",
                f"  {p['homepage']}",
                f"  npm tarball {p['tarball']}  integrity {p['integrity']}",
                "",
            ]
        lines.append("jupyter-widgets/embed.js bundles further libraries; their notices are in "
                     "_static/jupyter-widgets/embed.js.LICENSE.txt")
        (st / "THIRD-PARTY.txt").write_text("\n".join(lines) + "\n")
        (staging / ".fetched.json").write_text(json.dumps(want_stamp(), indent=1) + "\n")

        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        shutil.move(str(staging), str(VENDOR))
        if VENDOR_TEST.exists():
            shutil.rmtree(VENDOR_TEST)
        shutil.move(str(tmp / "vendor-test"), str(VENDOR_TEST))

    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    count = sum(1 for f in VENDOR.rglob("*") if f.is_file())
    log(f"wrote {VENDOR.relative_to(ROOT)}/ ({count} files, {size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
