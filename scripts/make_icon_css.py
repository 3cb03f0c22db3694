#!/usr/bin/env python3
"""Write _static/icons.css: the few Font Awesome icons the theme shows, as CSS masks.

    .venv/bin/python scripts/make_icon_css.py

pydata-sphinx-theme draws its icons (<i class="fa-solid fa-rocket">) with
the Font Awesome web fonts: fa-solid-900.woff2 (156 kB) and
fa-brands-400.woff2 (118 kB) on every page, for about twenty icons. This
script takes those icons' SVG paths from the Font Awesome copy the theme
ships (static/scripts/fontawesome.js, Font Awesome Free, icons CC BY 4.0)
and writes one CSS rule per icon that draws it as a mask in the text colour,
so no icon font is downloaded. tests/test_site_a11y.py checks that every
icon on the built pages is covered (add new ones to ICONS and run this
again after a theme upgrade).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_static" / "icons.css"

# icon names as in the theme's class attributes (fa-<name>), by Font Awesome pack
ICONS = {
    "solid": [
        "angle-left",
        "angle-right",
        "arrow-up",
        "bars",
        "circle-half-stroke",
        "compress",
        "download",
        "expand",
        "file",
        "file-pdf",
        "list",
        "magnifying-glass",
        "moon",
        "outdent",
        "rocket",
        "sun",
        "xmark",
    ],
    "brands": ["github"],
}

# the icon pydata-sphinx-theme (and sphinx-exercise) put after each kind of
# admonition title, drawn from a font glyph in CSS (`content: "\\f05a"`);
# "" is the default for kinds not listed
ADMONITION_ICONS = {
    "": "bell",
    "note": "circle-info",
    "error": "circle-xmark",
    "exercise": "pencil",
    "admonition-todo": "pencil",
    "hint": "lightbulb",
    "tip": "lightbulb",
    "seealso": "share",
    "attention": "circle-exclamation",
    "important": "circle-exclamation",
    "caution": "triangle-exclamation",
    "warning": "triangle-exclamation",
    "danger": "triangle-exclamation",
}

# how fontawesome.js registers each pack: d("fas", p), d("fab", p)
PACK_PREFIX = {"solid": "fas", "brands": "fab"}
ICON_RE = re.compile(r'(?:"([a-z0-9-]+)"|([a-z0-9]+)):\[(\d+),(\d+),\[[^\]]*\],"[^"]*","([^"]+)"\]')


def fontawesome_js() -> Path:
    import pydata_sphinx_theme

    return (
        Path(pydata_sphinx_theme.__file__).parent
        / "theme"
        / "pydata_sphinx_theme"
        / "static"
        / "scripts"
        / "fontawesome.js"
    )


def packs(js: str) -> dict[str, dict[str, tuple[int, int, str]]]:
    """{prefix: {icon name: (width, height, path)}} for every pack defined in fontawesome.js."""
    found = {}
    start = 0
    for m in re.finditer(r'd\("(fa[a-z]*)",p\)', js):
        body = js[start : m.start()]
        begin = body.rfind("var p={")
        icons = {}
        for im in ICON_RE.finditer(body[begin:]):
            icons[im.group(1) or im.group(2)] = (int(im.group(3)), int(im.group(4)), im.group(5))
        found.setdefault(m.group(1), icons)
        start = m.end()
    return found


def svg_url(width: int, height: int, path: str) -> str:
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}'><path d='{path}'/></svg>"
    return 'url("data:image/svg+xml,' + quote(svg, safe=" /:=',.-") + '")'


def icon_rule(name: str, width: int, height: int, path: str) -> str:
    return f"html .fa-{name}::before {{ --convlayer-icon: {svg_url(width, height, path)}; --convlayer-icon-width: {width / height:.4g}em; }}"


# admonition titles: every kind but the solutions (sphinx-exercise shows no icon there)
ADMONITION_TITLE = "html body div.admonition{kind}:not(.solution) > p.admonition-title::after"


def main() -> int:
    js = fontawesome_js().read_text(encoding="utf-8")
    version = re.search(
        r"Font Awesome Free (\d+\.\d+\.\d+)",
        fontawesome_js().with_name("fontawesome.js.LICENSE.txt").read_text(),
    )
    available = packs(js)
    rules, names = [], []
    for pack, icons in ICONS.items():
        defined = available[PACK_PREFIX[pack]]
        for name in icons:
            if name not in defined:
                sys.exit(
                    f"make_icon_css: fa-{name} is not in the {pack} pack of {fontawesome_js()}"
                )
            rules.append(icon_rule(name, *defined[name]))
            names.append(f".fa-{name}")
    solid = available[PACK_PREFIX["solid"]]
    admonition_rules = []
    for kind, name in ADMONITION_ICONS.items():
        if name not in solid:
            sys.exit(
                f"make_icon_css: fa-{name} (admonition {kind or 'default'}) is not in the solid pack"
            )
        selector = ADMONITION_TITLE.format(kind=f".{kind}" if kind else "")
        admonition_rules.append(f"{selector} {{ --convlayer-icon: {svg_url(*solid[name])}; }}")
    selector = ",\n".join(f"html {n}::before" for n in names)
    elements = ",\n".join(f"html {n}" for n in names)
    css = (
        f"""/* Written by scripts/make_icon_css.py: do not edit by hand.
   The theme's Font Awesome icons drawn as CSS masks in the text colour, so that
   no icon font (274 kB) is downloaded; also the icons after admonition titles. Icons: Font Awesome Free {version.group(1) if version else ""}
   by Fonticons, Inc., CC BY 4.0 (https://fontawesome.com/license/free). */
{elements} {{
  font-family: inherit;  /* the icon font is not needed, not even for the line height */
}}
{selector},
{ADMONITION_TITLE.format(kind="")} {{
  content: "";
  font-family: inherit;
  display: inline-block;
  width: var(--convlayer-icon-width, 1em);
  height: 1em;
  vertical-align: -0.125em;
  background-color: currentColor;
  -webkit-mask: var(--convlayer-icon) center / contain no-repeat;
  mask: var(--convlayer-icon) center / contain no-repeat;
}}
"""
        + "\n".join(rules + admonition_rules)
        + "\n"
    )
    OUT.write_text(css, encoding="utf-8")
    print(f"make_icon_css: wrote {OUT.relative_to(ROOT)} ({len(names)} icons, {len(css):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
