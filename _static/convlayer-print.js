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
