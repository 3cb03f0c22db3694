/* convlayer: accessible names the theme, myst-nb and the ipywidgets HTML
   manager leave out. Jupyter Book 1 adds every .js in _static/ to every page,
   which is what this small script wants (tests/test_site_a11y.py runs axe-core
   on every page after the widgets render).

   - Font Awesome icons (<i class="fa-...">, drawn by _static/icons.css) are
     decorative: hidden from screen readers, as fontawesome.js (which the
     site does not load, see _templates/static/webpack-macros.html) did.
   - The search button is named by its visible text ("Search Ctrl+K"), not by
     an aria-label that leaves out the shortcut.
   - Solution toggles: myst-nb gives every hidden cell's <summary> the label
     "Toggle hidden content", which hides its visible text ("Show the
     solution") from screen readers; the summary is named by its text instead.
   - Widget sliders (ipywidgets 8 draws a noUiSlider handle with role
     "slider") are named by the slider's description (or its tooltip).
   - Widget images get an alt text made of what the widget shows around them:
     its sliders' and dropdowns' descriptions with their current values and
     its captions. It is rewritten whenever the widget changes.
   - Boxes that scroll sideways (wide tables, display math, code) can be
     reached and scrolled with the keyboard, and say on which side more
     content lies (data-convlayer-more="left right"; the CSS fades that edge). */
(function () {
  "use strict";

  // Boxes that may scroll sideways: wide tables, display math (the theme's
  // div.math and MathJax's own container), math in a span.math (the theme
  // clips it with overflow hidden: a long formula in a solution lost its end),
  // code. A span.math counts only when its drawn formula is wider than the
  // span (by more than INLINE_SLACK px): inline formulas stick out by a pixel or
  // two, which is no reason to make each one a tab stop.
  var SCROLL_BOXES = ".pst-scrollable-table-container, div.math, div.math mjx-container, span.math, div.highlight pre";
  var INLINE_SLACK = 4;

  function overflows(box) {
    if (box.matches("span.math")) {
      // scrollWidth counts MathJax's hidden assistive MathML: compare the drawn formula instead
      var drawn = box.querySelector("mjx-math");
      return !!drawn && drawn.getBoundingClientRect().width > box.clientWidth + INLINE_SLACK;
    }
    return box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
  }

  function text(el) {
    return el ? (el.textContent || "").replace(/\s+/g, " ").trim() : "";
  }

  function hideIcons(root) {
    root.querySelectorAll('i[class*="fa-"]:not([aria-hidden])').forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
    });
  }

  function nameSearchButton(root) {
    root.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
  }

  function nameSolutionToggles(root) {
    root.querySelectorAll('details.hide > summary[aria-label="Toggle hidden content"]').forEach(function (s) {
      s.removeAttribute("aria-label");
    });
  }

  // A slider's description, or (when the description is empty, e.g. in a
  // grid of kernel weights) its tooltip, which ipywidgets puts in the
  // hidden label's title.
  function sliderName(label) {
    var title = label.getAttribute("title");
    return text(label) || (title && title !== "null" ? title : "");
  }

  function nameSliders(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var label = slider.querySelector(".widget-label");
      var name = label ? sliderName(label) : "";
      if (!name) return;
      slider.querySelectorAll('[role="slider"]').forEach(function (handle) {
        if (handle.getAttribute("aria-label") !== name) handle.setAttribute("aria-label", name);
      });
    });
  }

  function describeWidget(area) {
    var parts = [];
    area.querySelectorAll(".widget-slider, .widget-dropdown").forEach(function (control) {
      var label = control.querySelector(".widget-label");
      label = label ? sliderName(label) : "";
      var select = control.querySelector("select");
      var value = select ? text(select.options[select.selectedIndex]) : text(control.querySelector(".widget-readout"));
      if (label || value) parts.push(label && value ? label + ": " + value : label || value);
    });
    area.querySelectorAll(".widget-html-content").forEach(function (caption) {
      if (caption.checkVisibility && !caption.checkVisibility()) return;
      var t = text(caption);
      if (t) parts.push(t);
    });
    return parts.join("; ");
  }

  function describeWidgetImages(root) {
    root.querySelectorAll(".widget-subarea").forEach(function (area) {
      var images = area.querySelectorAll("img.widget-image");
      if (!images.length) return;
      var about = describeWidget(area);
      images.forEach(function (img, i) {
        var alt = "Picture " + (i + 1) + " of " + images.length + " drawn by this widget" + (about ? ". " + about : "");
        if (img.getAttribute("alt") !== alt) img.setAttribute("alt", alt);
      });
    });
  }

  // Which sides of a box that scrolls sideways hide more content: the CSS
  // (_static/convlayer.css) fades those edges, a visible cue that it scrolls.
  function markScrollEdges(box) {
    var left = box.scrollLeft > 1;
    var right = box.scrollLeft + box.clientWidth < box.scrollWidth - 1;
    var edges = (left ? "left" : "") + (left && right ? " " : "") + (right ? "right" : "");
    if (box.getAttribute("data-convlayer-more") !== edges) box.setAttribute("data-convlayer-more", edges);
  }

  function onScrollBoxScroll(event) {
    markScrollEdges(event.currentTarget);
  }

  function labelScrollBoxes(root) {
    root.querySelectorAll(SCROLL_BOXES).forEach(function (box) {
      var scrolls = overflows(box);
      if (scrolls && !box.hasAttribute("data-convlayer-scrollbox")) {
        if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
        box.setAttribute("data-convlayer-scrollbox", "");
        box.addEventListener("scroll", onScrollBoxScroll, { passive: true });
      } else if (!scrolls && box.hasAttribute("data-convlayer-scrollbox")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-convlayer-scrollbox");
        box.removeAttribute("data-convlayer-more");
        box.removeEventListener("scroll", onScrollBoxScroll);
      }
      if (scrolls) markScrollEdges(box);
    });
  }

  function fixAll() {
    hideIcons(document);
    nameSearchButton(document);
    nameSolutionToggles(document);
    nameSliders(document);
    describeWidgetImages(document);
    labelScrollBoxes(document);
  }

  // Widgets render after the "load" event and redraw on every change: redo
  // the (cheap, idempotent) fixes once per animation frame after a change.
  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      fixAll();
    });
  }

  function start() {
    fixAll();
    new MutationObserver(schedule).observe(document.body, {
      childList: true, subtree: true, characterData: true,
      attributes: true, attributeFilter: ["src", "aria-valuenow", "class"],
    });
    window.addEventListener("resize", schedule);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* convlayer: explorers on paper (with _static/print.css). Jupyter Book 1 adds
   every .js in _static/ to every page.

   An explorer prints as its current frame, without its controls (print.css
   hides them). This script gives each explorer a caption, shown only in
   print, that names it and says where it is live:
     "Explorer: Padding and stride explorer, shown in one representative
      state; it is live, with its controls, at <page address>."
   The address is this page's (location.href) when a reader prints from the
   browser; `make handout` (scripts/make_handout.py) sets
   window.convlayerPrintBase to the published site's address (or to "", which
   names the page's path on the course website) and calls
   window.convlayerPrintCaptions(). Captions are written before printing
   ("beforeprint") and whenever explorers appear. */
(function () {
  "use strict";

  function pageAddress() {
    var base = window.convlayerPrintBase;
    if (base === undefined || base === null) return window.location.href.split("#")[0];
    var path = window.location.pathname;
    var at = path.lastIndexOf("/chapters/");
    var page = at >= 0 ? path.slice(at + 1) : path.replace(/^\//, "");
    // "" (make handout without SITE_URL): the page's path on the course website
    return base ? base.replace(/\/?$/, "/") + page : "the course website, page " + page;
  }

  function captions() {
    var address = pageAddress();
    document.querySelectorAll(".convlayer-explorer").forEach(function (root) {
      var caption = root.querySelector(":scope > .convlayer-print-caption");
      if (!caption) {
        caption = document.createElement("p");
        caption.className = "convlayer-print-caption";
        caption.setAttribute("aria-hidden", "true");
        root.appendChild(caption);
      }
      var name = root.getAttribute("aria-label") || "interactive figure";
      var text = "Explorer: " + name + ", shown in one representative state; it is live, with its controls, at " +
        address + ".";
      if (caption.textContent !== text) caption.textContent = text;
    });
    return document.querySelectorAll(".convlayer-print-caption").length;
  }

  window.convlayerPrintCaptions = captions;
  window.addEventListener("beforeprint", captions);
  function start() {
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      setTimeout(function () { pending = false; captions(); }, 200);
    }).observe(document.body, { childList: true, subtree: true });
    captions();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
