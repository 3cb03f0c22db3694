#!/usr/bin/env python3
"""Fetch and verify the JavaScript the website needs so that it works without any CDN.

    python3 scripts/fetch_vendor.py          # verify vendor/; repair or fetch what is missing or wrong
    python3 scripts/fetch_vendor.py --check  # verify only (exit 1 and name the first bad file)
    python3 scripts/fetch_vendor.py --force  # fetch the tarballs again

What it does, reproducibly:

1. Every run (``make vendor``, hence every ``make course`` and ``make test``)
   verifies each file under ``vendor/_static/`` against the pinned packages:
   the cached npm tarballs (``~/.cache/convlayer/npm-tarballs/``, or
   ``$CONVLAYER_VENDOR_CACHE``) must match the sha512
   (npm "integrity") and sha1 (npm "shasum") pinned in :data:`PACKAGES`, and
   every vendored file must equal, byte for byte, its member of that tarball
   (or the text this script writes). A missing, truncated or altered file is
   named and restored from the cached tarballs, without network access.
2. Only when a tarball is missing or wrong is the network used: ``npm pack``
   (without npm: the same tarballs from the npm registry,
   ``$NPM_CONFIG_REGISTRY`` or https://registry.npmjs.org/), each step with
   a time-out. Offline it stops within about 30 s with one line saying what
   it could not reach and what to do; a tarball with the wrong checksum is
   refused and vendor/ is left as it was.
3. Copies only what the pages and the slides load into ``vendor/_static/`` (about 12 MB),
   next to each package's licence, and writes ``vendor/_static/THIRD-PARTY.txt``
   and a small MathJax 2 -> 3 shim for the widget manager (see below).

``vendor/`` is git-ignored and listed in ``html_extra_path`` (_config.yml), so
Sphinx copies it verbatim into the built site (which is why the tarballs are
cached elsewhere): the files end up under ``_build/html/_static/mathjax/``
and ``_build/html/_static/jupyter-widgets/``, which is where ``mathjax_path``
and ``nb_ipywidgets_js`` point. It is *not* an ``html_static_path`` entry on
purpose: Jupyter Book 1 injects every .js/.css found in the static paths into
every page (hundreds of MathJax components).

To vendor another npm package, add an entry to :data:`PACKAGES` (version,
tarball, checksums, licence, ``dest`` folder, ``root`` inside the package and
the ``files`` to copy); fetching, verification and THIRD-PARTY.txt follow.
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
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
# verified tarballs are kept outside vendor/ (Sphinx would publish them with it)
CACHE = Path(
    os.environ.get("CONVLAYER_VENDOR_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "convlayer"
    / "npm-tarballs"
)

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
    # its CSS is inlined, its web fonts (Font Awesome etc.) are loaded
    # relative to the script's own URL
    "dist/embed-amd.js",  # the AMD flavour, which can load anywidget (see AMD_CONFIG_JS)
    "dist/embed.js.LICENSE.txt",  # notices of the libraries bundled in embed.js and embed-amd.js
    "dist/*.woff2",
    "dist/*.woff",
    "dist/*.ttf",
    "dist/*.eot",
    "dist/*.svg",
]


# name, version, tarball file name from `npm pack`, npm integrity (sha512,
# base64), npm shasum (sha1, hex), SPDX licence. Values as published on the
# npm registry (`npm view <pkg>@<version> dist`), checked 2026-11-25.
# What is copied: `files` (glob patterns inside the package) go to
# vendor/_static/<dest>/; a file keeps its name, a directory keeps its path
# below `root`.
PACKAGES = {
    "mathjax": dict(
        version="3.2.2",
        tarball="mathjax-3.2.2.tgz",
        integrity="sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        shasum="c754d7b46a679d7f3fa03543d6b8bf124ddf9f6b",
        license="Apache-2.0",
        homepage="https://www.mathjax.org/ (https://github.com/mathjax/MathJax)",
        dest="mathjax",
        root="es5",
        files=MATHJAX_FILES,
    ),
    "@jupyter-widgets/html-manager": dict(
        version="1.0.15",
        tarball="jupyter-widgets-html-manager-1.0.15.tgz",
        integrity="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        shasum="3d82fba512edcab82512e679be25c917f1b83fd1",
        license="BSD-3-Clause",
        homepage="https://github.com/jupyter-widgets/ipywidgets",
        dest="jupyter-widgets",
        root="dist",
        files=HTML_MANAGER_FILES,
    ),
    # the front end of convlib's explorers (an AMD module on @jupyter-widgets/base)
    "anywidget": dict(
        version="0.11.0",
        tarball="anywidget-0.11.0.tgz",
        integrity="sha512-LHZgW2j5UjyerZSZcO+BtZPXGMSORQV2bUT480hOR5x/BXS8sOradi/71amJfMueSEnKX0dqPwTfsOGHTsyZpQ==",
        shasum="cd254e0b9c3eedb14abb5db131f612435b4d7b7d",
        license="MIT",
        homepage="https://anywidget.dev/ (https://github.com/manzt/anywidget)",
        dest="anywidget",
        root="dist",
        files=["dist/index.js", "LICENSE"],
    ),
    # the AMD loader embed-amd.js needs to load anywidget
    "requirejs": dict(
        version="2.3.8",
        tarball="requirejs-2.3.8.tgz",
        integrity="sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        shasum="bca0614b618ab2122462597e44878db7558bbba3",
        license="MIT",
        license_note="in the header of _static/requirejs/require.js",
        homepage="https://requirejs.org/ (https://github.com/requirejs/requirejs)",
        dest="requirejs",
        root="",
        files=["require.js"],
    ),
    # the lecture slides (scripts/make_slides.py, nbconvert's reveal.js
    # template; reveal.js 4.x: 5.x+ moved the plugin paths nbconvert expects).
    # Files keep their names under _static/reveal.js/; the white theme loads
    # its web font from fonts/source-sans-pro/ next to it.
    "reveal.js": dict(
        version="4.0.2",
        tarball="reveal.js-4.0.2.tgz",
        integrity="sha512-LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw==",
        shasum="2e5e9f8ed0fa239924b448f21d4238c5aa6e852e",
        license="MIT",
        homepage="https://revealjs.com/ (https://github.com/hakimel/reveal.js)",
        dest="reveal.js",
        root="dist/theme",
        files=[
            "dist/reveal.js",
            "dist/reveal.css",
            "dist/reset.css",
            "dist/theme/white.css",
            "dist/theme/fonts/source-sans-pro",
            "plugin/notes/notes.js",
            "LICENSE",
        ],
    ),
    # nbconvert's slides template loads jQuery before the widget manager
    "jquery": dict(
        version="2.2.4",
        tarball="jquery-2.2.4.tgz",
        integrity="sha512-lBHj60ezci2u1v2FqnZIraShGgEXq35qCzMv4lITyHGppTnA13rwR0MgwyNJh9TnDs3aXUvd1xjAotfraMHX/Q==",
        shasum="2c89d6889b5eac522a7eea32c14521559c6cbf02",
        license="MIT",
        license_note="see _static/jquery/LICENSE.txt",
        homepage="https://jquery.com/ (https://github.com/jquery/jquery)",
        dest="jquery",
        root="dist",
        files=["dist/jquery.min.js", "LICENSE.txt"],
    ),
    # test-only (tests/test_site_a11y.py injects it into each page): written to
    # vendor-test/, which is git-ignored and never published
    "axe-core": dict(
        version="4.14.1",
        tarball="axe-core-4.14.1.tgz",
        integrity="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        shasum="14d8a6f3f085afd126b8b5ca1e42e50e17fb1d99",
        license="MPL-2.0",
        homepage="https://github.com/dequelabs/axe-core",
        dest="axe-core",
        root="",
        files=["axe.min.js", "LICENSE"],
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
# before embed-amd.js (see nb_ipywidgets_js in _config.yml), maps that call onto
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

NETWORK_TIMEOUT = 15  # seconds for one connection or read; npm gets twice that in all
DEFAULT_REGISTRY = "https://registry.npmjs.org/"


class VendorError(Exception):
    """Something this script cannot repair on its own; the message is one line saying what to do."""


# Widgets that are not part of ipywidgets (convlib's anywidget explorers) need
# the AMD flavour of the widget manager: require.js, this configuration, then
# embed-amd.js (order set in nb_ipywidgets_js, _config.yml). The folder of the
# files is taken from this script's own URL, so it works at any page depth and
# under a sub-path; the "CDN" embed-amd falls back to is a local folder, so an
# unknown widget module is a local 404 and never a request to another host.
AMD_CONFIG_JS = """\
/* convlayer: require.js configuration for @jupyter-widgets/html-manager's embed-amd.js
   (written by scripts/fetch_vendor.py). Loaded after require.js, before embed-amd.js. */
(function () {
  "use strict";
  var script = document.currentScript;
  var widgets = script.src.replace(/[^/]*$/, "");          // .../_static/jupyter-widgets/
  var statics = widgets.replace(/jupyter-widgets\\/$/, ""); // .../_static/
  window.__jupyter_widgets_assets_path__ = widgets;         // embed-amd's web fonts
  script.setAttribute("data-jupyter-widgets-cdn", widgets + "no-cdn/");
  window.requirejs.config({
    paths: {
      anywidget: statics + "anywidget/index",
      "@jupyter-widgets/html-manager/dist": widgets.slice(0, -1),
    },
  });
})();
"""


def log(msg: str) -> None:
    print(f"fetch_vendor: {msg}", flush=True)


def generated_files() -> dict:
    """Files this script writes itself, by path under vendor/_static/ -> text."""
    lines = ["Third-party files shipped with this website (fetched by scripts/fetch_vendor.py)", ""]
    for name, p in PACKAGES.items():
        if p.get("test_only"):
            continue
        lines += [
            f"{name} {p['version']}  -  licence {p['license']}, "
            + p.get("license_note", f"see _static/{p['dest']}/LICENSE"),
            f"  {p['homepage']}",
            f"  npm tarball {p['tarball']}  integrity {p['integrity']}",
            "",
        ]
    lines.append(
        "jupyter-widgets/embed-amd.js bundles further libraries; their notices are in "
        "_static/jupyter-widgets/embed.js.LICENSE.txt"
    )
    return {
        "jupyter-widgets/LICENSE": JUPYTER_WIDGETS_LICENSE,
        "jupyter-widgets/mathjax3-compat.js": MATHJAX3_COMPAT_JS,
        "jupyter-widgets/amd-config.js": AMD_CONFIG_JS,
        "THIRD-PARTY.txt": "\n".join(lines) + "\n",
    }


def tarball_problem(path: Path, p: dict) -> str:
    """Empty if ``path`` is the pinned tarball, else what is wrong with it."""
    try:
        data = path.read_bytes()
    except OSError:
        return f"{path.name} is missing"
    sha512 = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if sha512 != p["integrity"] or hashlib.sha1(data).hexdigest() != p["shasum"]:
        return (
            f"{path.name} does not match its pinned checksum (expected {p['integrity']}, "
            f"got {sha512}, {len(data):,} bytes)"
        )
    return ""


def planned_files(tgz: Path, p: dict) -> dict:
    """What the package contributes: path under vendor/_static/ -> its bytes in the tarball."""
    planned = {}
    with tarfile.open(tgz) as tf:
        members = {m.name.removeprefix("package/"): m for m in tf.getmembers() if m.isfile()}
        for pattern in p["files"]:
            hits = [name for name in members if fnmatch.fnmatch(name, pattern)]
            below = [name for name in members if name.startswith(pattern.rstrip("/") + "/")]
            if not hits and not below:
                raise VendorError(
                    f"{pattern} not found in {tgz.name}: fix the `files` of {p['tarball']} in PACKAGES"
                )
            for name in hits:
                planned[f"{p['dest']}/{name.rsplit('/', 1)[-1]}"] = tf.extractfile(
                    members[name]
                ).read()
            for name in below:
                planned[f"{p['dest']}/{name.removeprefix(p['root'] + '/')}"] = tf.extractfile(
                    members[name]
                ).read()
    return planned


def expected_tree(tarballs: Path, *, test_only: bool = False) -> dict:
    """Every file of vendor/_static/ (or, with ``test_only``, of vendor-test/) -> its bytes, from the pinned tarballs.

    VendorError if a tarball is bad. Packages marked ``test_only`` (axe-core)
    go to vendor-test/, which the tests read and the site never publishes.
    """
    tree = {}
    for p in PACKAGES.values():
        problem = tarball_problem(tarballs / p["tarball"], p)
        if problem:
            raise VendorError(problem)
        if p.get("test_only", False) == test_only:
            tree.update(planned_files(tarballs / p["tarball"], p))
    if not test_only:
        tree.update({path: text.encode() for path, text in generated_files().items()})
    return tree


def tree_problems(static: Path, tree: dict) -> list:
    """Files of the folder ``static`` (vendor/_static or vendor-test) that are missing or differ from ``tree`` (and stray files)."""
    problems = []
    for rel, data in sorted(tree.items()):
        path = static / rel
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif (
            path.stat().st_size != len(data)
            or hashlib.sha256(path.read_bytes()).digest() != hashlib.sha256(data).digest()
        ):
            problems.append(
                f"{path} differs from the pinned package ({path.stat().st_size:,} bytes, expected {len(data):,})"
            )
    if static.is_dir():
        extra = sorted(str(f.relative_to(static)) for f in static.rglob("*") if f.is_file())
        problems += [
            f"{static / rel} is not part of any pinned package" for rel in extra if rel not in tree
        ]
    return problems


def registry() -> str:
    for var in ("NPM_CONFIG_REGISTRY", "npm_config_registry"):
        if os.environ.get(var):
            return os.environ[var].rstrip("/")
    return DEFAULT_REGISTRY.rstrip("/")


def proxy_note() -> str:
    proxies = [
        f"{v}={os.environ[v]}"
        for v in ("HTTPS_PROXY", "https_proxy", "npm_config_https_proxy", "npm_config_proxy")
        if os.environ.get(v)
    ]
    return f" (through {', '.join(proxies)})" if proxies else ""


def unreachable(how: str, reason: str) -> VendorError:
    reason = " ".join(str(reason).split())[:200]
    return VendorError(
        f"could not reach the npm registry {registry()}{proxy_note()} with {how}: {reason}. "
        "Connect to the internet (or fix the proxy, or set NPM_CONFIG_REGISTRY to a mirror) and run `make vendor` again."
    )


def npm_pack(workdir: Path) -> None:
    specs = [f"{name}@{p['version']}" for name, p in PACKAGES.items()]
    log("npm pack " + " ".join(specs))
    cmd = [
        "npm",
        "pack",
        "--loglevel=error",
        f"--fetch-timeout={NETWORK_TIMEOUT * 1000}",
        "--fetch-retries=0",
        *specs,
    ]
    try:
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=2 * NETWORK_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise unreachable("npm", f"no answer within {2 * NETWORK_TIMEOUT} s") from None
    if proc.returncode != 0:
        lines = [
            ln.removeprefix("npm error").removeprefix("npm ERR!").strip()
            for ln in proc.stderr.splitlines()
            if ln.strip()
        ]
        raise unreachable(
            "npm",
            next(
                (ln for ln in lines if "reason" in ln or "request to" in ln),
                lines[-1] if lines else f"exit code {proc.returncode}",
            ),
        )


def registry_download(workdir: Path) -> None:
    for name, p in PACKAGES.items():
        base = name.split("/")[-1]
        url = f"{registry()}/{name}/-/{base}-{p['version']}.tgz"
        log(f"downloading {url}")
        try:
            with (
                urllib.request.urlopen(url, timeout=NETWORK_TIMEOUT) as r,
                open(workdir / p["tarball"], "wb") as f,
            ):
                shutil.copyfileobj(r, f)
        except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts, refused connections
            raise unreachable("urllib", getattr(exc, "reason", None) or exc) from None


def fetch_tarballs(tarballs: Path, *, use_npm: bool) -> None:
    """Download the pinned tarballs into ``tarballs/`` (only those verified against their pins are kept)."""
    with tempfile.TemporaryDirectory(prefix="convlayer-vendor-") as tmp:
        tmp = Path(tmp)
        npm_pack(tmp) if use_npm else registry_download(tmp)
        for p in PACKAGES.values():
            problem = tarball_problem(tmp / p["tarball"], p)
            if problem:
                raise VendorError(
                    f"CHECKSUM MISMATCH: {problem}. Refusing to use it; vendor/ was not changed."
                )
            log(
                f"verified {p['tarball']} ({(tmp / p['tarball']).stat().st_size:,} bytes) sha1 {p['shasum']}"
            )
        tarballs.mkdir(parents=True, exist_ok=True)
        for p in PACKAGES.values():
            shutil.move(str(tmp / p["tarball"]), str(tarballs / p["tarball"]))


def install(static: Path, tree: dict) -> None:
    """Write ``tree`` as the folder ``static`` (built aside, then swapped in)."""
    staging = static.with_name(static.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    for rel, data in tree.items():
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shutil.rmtree(static, ignore_errors=True)
    static.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(static)


def ensure(
    vendor: Path,
    tarballs: Path = CACHE,
    *,
    force: bool = False,
    check_only: bool = False,
    use_npm: bool = True,
) -> int:
    """Verify (and restore or fetch) vendor/_static/ and, next to ``vendor``, the test-only vendor-test/."""
    for static, test_only in ((vendor / "_static", False), (vendor.parent / "vendor-test", True)):
        status = _ensure_folder(
            static,
            tarballs,
            test_only=test_only,
            force=force,
            check_only=check_only,
            use_npm=use_npm,
        )
        if status:
            return status
        force = False  # the tarballs were fetched for the first folder
    return 0


def _ensure_folder(
    static: Path, tarballs: Path, *, test_only: bool, force: bool, check_only: bool, use_npm: bool
) -> int:
    name = f"{static.parent.name}/{static.name}" if not test_only else static.name
    tree = None
    try:
        tree = None if force else expected_tree(tarballs, test_only=test_only)
    except VendorError as exc:
        if check_only:
            log(f"{exc}")
            return 1
        log(f"{exc}: fetching the pinned tarballs")
    except (
        OSError,
        tarfile.TarError,
    ) as exc:  # a tarball that passed its checksum but cannot be read
        log(f"cannot read the cached tarballs ({exc}): fetching them again")
    if tree is not None:
        problems = tree_problems(static, tree)
        if not problems:
            log(f"{name}/ verified: {len(tree)} files match the pinned packages")
            return 0
        log(f"{problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        if check_only:
            return 1
        log(f"restoring {name}/ from the verified tarballs (no network needed)")
    else:
        fetch_tarballs(tarballs, use_npm=use_npm)
        tree = expected_tree(tarballs, test_only=test_only)
    install(static, tree)
    problems = tree_problems(static, tree)
    if problems:
        raise VendorError(
            f"{problems[0]} even after writing it: is the disk full or vendor/ read-only?"
        )
    size = sum(len(d) for d in tree.values())
    log(f"wrote {name}/ ({len(tree)} files, {size / 1e6:.1f} MB), every file verified")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument(
        "--force",
        action="store_true",
        help="fetch the tarballs again even if the cached ones are fine",
    )
    ap.add_argument(
        "--check", action="store_true", help="only verify; exit 1 naming the first bad file"
    )
    ap.add_argument(
        "--vendor",
        type=Path,
        default=VENDOR,
        help="the vendor folder (default: vendor/ next to _config.yml)",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=CACHE,
        help=f"where the verified tarballs are kept (default: {CACHE})",
    )
    ap.add_argument(
        "--no-npm", action="store_true", help="download with Python even if npm is installed"
    )
    args = ap.parse_args(argv)
    try:
        return ensure(
            args.vendor,
            args.cache,
            force=args.force,
            check_only=args.check,
            use_npm=bool(shutil.which("npm")) and not args.no_npm,
        )
    except VendorError as exc:
        print(f"fetch_vendor: ERROR: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
