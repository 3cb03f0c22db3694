// convlayer: helpers shared by every browser explorer (convlib/widgets/js/common.js).
//
// Python (convlib/widgets/_browser.py) builds each widget's ES module as this
// file followed by the chapter's own file (invariance.js, locality.js, ...),
// so everything declared here is in scope there. No bundler, no imports:
// plain functions on typed arrays and DOM elements.
//
// Conventions
// - Images are row-major Float64Arrays with their height H and width W
//   ("frames" {data, H, W}); grey levels are uint8 / 255, as in convlib.
// - The arithmetic follows convlib's tap order (see correlate2d), in float64,
//   so the page shows the numbers convlib computes.
// - Every control has a visible <label> that is also its accessible name, and
//   data-lm-suppress-shortcuts="true" so that JupyterLab leaves its keys alone.
// - Test hook: publishFrame() puts the last frame's numbers on the explorer's
//   root element (root.convlayerFrame) and increments root.dataset.frame.

// ---------------------------------------------------------------------------
// DOM basics

let idCounter = 0;

/** A page-unique element id (several explorers, and several views of one, share a page). */
export function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}-${idCounter}`;
}

/** Create an element with a class name, optionally appended to a parent. */
export function element(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * The explorer's root element inside anywidget's `el`; carries the test hook:
 * root.convlayerModel is the widget model (the browser tests read the synced
 * traits from it and rebuild the same state in Python).
 */
export function explorerRoot(el, name, title, model) {
  const root = element("div", "convlayer-explorer", el);
  root.dataset.explorer = name;
  root.dataset.frame = "0";
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", title);
  root.convlayerModel = model;
  return root;
}

/** Call `fn` whenever one of the model's `traits` changes; returns the function that stops listening. */
export function listen(model, traits, fn) {
  const handler = () => fn();
  for (const trait of traits) model.on(`change:${trait}`, handler);
  return () => {
    for (const trait of traits) model.off(`change:${trait}`, handler);
  };
}

/** The bytes of a synced `traitlets.Bytes` value (a DataView in anywidget, an ArrayBuffer or typed array elsewhere). */
export function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value && ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

/** A grey image from its uint8 bytes and shape [H, W]: values u8 / 255 in float64, as convlib's image_from_bytes. */
export function imageFromBytes(value, shape) {
  const bytes = bytesOf(value);
  const [H, W] = shape;
  const data = new Float64Array(H * W);
  for (let p = 0; p < data.length; p++) data[p] = bytes[p] / 255;
  return { data, H, W };
}

// ---------------------------------------------------------------------------
// Controls. Each builder takes {label, value, onInput, ...} and returns
// {element, input, setValue(v)}; bindTrait() ties one to a model trait.

function controlRow(kind, label, id) {
  const row = element("div", `convlayer-control convlayer-${kind}`);
  const text = element("label", "convlayer-label", row);
  text.htmlFor = id;
  text.textContent = label;
  return row;
}

function suppressLabShortcuts(input) {
  // JupyterLab handles arrow keys in command mode unless the focused element says otherwise.
  input.setAttribute("data-lm-suppress-shortcuts", "true");
}

/**
 * A range slider with its value written next to it.
 * Arrow keys move by `step`, PageUp/PageDown by `pageStep`, Home/End to the ends.
 */
export function slider({ label, min, max, step = 1, pageStep, value, format = String, onInput }) {
  const id = uniqueId("convlayer-slider");
  const row = controlRow("slider", label, id);
  const input = element("input", "convlayer-range", row);
  Object.assign(input, { type: "range", id, min: String(min), max: String(max), step: String(step) });
  suppressLabShortcuts(input);
  const shown = element("output", "convlayer-value", row);
  shown.setAttribute("for", id);
  shown.setAttribute("aria-hidden", "true"); // the slider itself announces the value (aria-valuetext)
  const decimals = (String(step).split(".")[1] || "").length;
  const snap = (v) => Math.min(max, Math.max(min, Number((Math.round(v / step) * step).toFixed(decimals))));
  const setValue = (v) => {
    input.value = String(v);
    const text = format(Number(input.value));
    shown.textContent = text;
    input.setAttribute("aria-valuetext", text);
  };
  const emit = () => onInput && onInput(Number(input.value));
  input.addEventListener("input", () => {
    setValue(Number(input.value));
    emit();
  });
  if (pageStep) {
    input.addEventListener("keydown", (event) => {
      if (event.key !== "PageUp" && event.key !== "PageDown") return;
      event.preventDefault();
      const sign = event.key === "PageUp" ? 1 : -1;
      setValue(snap(Number(input.value) + sign * pageStep));
      emit();
    });
  }
  setValue(value);
  return { element: row, input, setValue };
}

/** A number field (typed entry); out-of-range or empty input is clipped / ignored, never thrown on. */
export function numberInput({ label, min, max, step = "any", value, onInput }) {
  const id = uniqueId("convlayer-number");
  const row = controlRow("number", label, id);
  const input = element("input", "convlayer-numberinput", row);
  Object.assign(input, { type: "number", id, step: String(step) });
  if (min !== undefined) input.min = String(min);
  if (max !== undefined) input.max = String(max);
  suppressLabShortcuts(input);
  const setValue = (v) => {
    if (Number(input.value) !== v || input.value === "") input.value = String(v);
  };
  input.addEventListener("input", () => {
    if (input.value === "" || !Number.isFinite(Number(input.value))) return;
    let v = Number(input.value);
    if (min !== undefined) v = Math.max(min, v);
    if (max !== undefined) v = Math.min(max, v);
    if (onInput) onInput(v);
  });
  input.addEventListener("change", () => setValue(input.value === "" ? 0 : Number(input.value)));
  setValue(value);
  return { element: row, input, setValue };
}

/** A drop-down; `options` is a list of {value, text}; onInput receives the option's value (any type). */
export function select({ label, options, value, onInput }) {
  const id = uniqueId("convlayer-select");
  const row = controlRow("select", label, id);
  const input = element("select", "convlayer-choice", row);
  input.id = id;
  suppressLabShortcuts(input);
  options.forEach((option, index) => {
    const node = element("option", "", input);
    node.value = String(index);
    node.textContent = option.text;
  });
  const setValue = (v) => {
    const index = options.findIndex((option) => option.value === v);
    if (index >= 0) input.value = String(index);
  };
  input.addEventListener("change", () => onInput && onInput(options[Number(input.value)].value));
  setValue(value);
  return { element: row, input, setValue };
}

/** A check box (Space toggles it); onInput receives true/false. */
export function toggle({ label, value, onInput }) {
  const id = uniqueId("convlayer-toggle");
  const row = element("div", "convlayer-control convlayer-toggle");
  const input = element("input", "convlayer-checkbox", row);
  Object.assign(input, { type: "checkbox", id });
  suppressLabShortcuts(input);
  const text = element("label", "convlayer-label", row);
  text.htmlFor = id;
  text.textContent = label;
  const setValue = (v) => {
    input.checked = Boolean(v);
  };
  input.addEventListener("change", () => onInput && onInput(input.checked));
  setValue(value);
  return { element: row, input, setValue };
}

/**
 * Build a control with `builder` (slider, numberInput, select, toggle) bound to the model's `trait`:
 * user input sets the trait (and syncs it to Python when a kernel is there);
 * a change from Python moves the control.
 */
export function bindTrait(model, trait, builder, options) {
  const control = builder({
    ...options,
    value: model.get(trait),
    onInput: (v) => {
      model.set(trait, v);
      model.save_changes();
    },
  });
  listen(model, [trait], () => control.setValue(model.get(trait)));
  return control;
}

// ---------------------------------------------------------------------------
// Arithmetic: convlib's corr2d / conv2d, same tap order, float64.

/**
 * Valid cross-correlation Y[i, j] = sum_{a, b} K[a, b] x[i + a, j + b].
 * Summed tap by tap in row-major order of K, starting from the product with
 * K[0, 0], exactly as convlib's shifted-slice accumulation does, so the
 * float64 results agree bit for bit.
 */
export function corr2dValid(x, H, W, k, kh, kw) {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  const out = new Float64Array(Math.max(0, Ho) * Math.max(0, Wo));
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      let s = x[i * W + j] * k[0];
      for (let a = 0; a < kh; a++) {
        const row = (i + a) * W + j;
        for (let b = a === 0 ? 1 : 0; b < kw; b++) s += x[row + b] * k[a * kw + b];
      }
      out[i * Wo + j] = s;
    }
  }
  return { data: out, H: Ho, W: Wo };
}

/** x surrounded by zeros: `top`, `bottom` rows and `left`, `right` columns. */
export function pad2d(x, H, W, top, bottom, left, right) {
  const Hp = H + top + bottom;
  const Wp = W + left + right;
  const out = new Float64Array(Hp * Wp);
  for (let i = 0; i < H; i++) out.set(x.subarray(i * W, (i + 1) * W), (i + top) * Wp + left);
  return { data: out, H: Hp, W: Wp };
}

/** The kernel rotated by 180 degrees (K[k_h-1-a, k_w-1-b]). */
export function flipKernel(k, kh, kw) {
  const out = new Float64Array(kh * kw);
  for (let p = 0; p < kh * kw; p++) out[p] = k[kh * kw - 1 - p];
  return out;
}

/** Zero padding [before, after] of one axis for convlib's modes (see convlib.correlate._padding). */
function padding(n, mode, flipped) {
  if (mode === "valid") return [0, 0];
  if (mode === "full") return [n - 1, n - 1];
  return flipped ? [Math.floor(n / 2), Math.floor((n - 1) / 2)] : [Math.floor((n - 1) / 2), Math.floor(n / 2)];
}

/**
 * convlib's corr2d(x, V, mode) (flip = false) or conv2d(x, V, mode) (flip = true):
 * pad with zeros for the mode, then a valid correlation (with the flipped kernel for conv2d).
 */
export function correlate2d(x, H, W, k, kh, kw, mode = "valid", flip = false) {
  const [top, bottom] = padding(kh, mode, flip);
  const [left, right] = padding(kw, mode, flip);
  const padded = top || bottom || left || right ? pad2d(x, H, W, top, bottom, left, right) : { data: x, H, W };
  return corr2dValid(padded.data, padded.H, padded.W, flip ? flipKernel(k, kh, kw) : k, kh, kw);
}

/** Index and value of the largest entry (the first one on ties, like numpy.argmax). */
export function argmax(data) {
  let best = 0;
  for (let p = 1; p < data.length; p++) if (data[p] > data[best]) best = p;
  return { index: best, value: data[best] };
}

// ---------------------------------------------------------------------------
// Colour mapping to RGBA bytes. A level v in 0..255 becomes floor(v + 0.5), clipped.

export function toByte(v) {
  return Math.min(255, Math.max(0, Math.floor(v + 0.5)));
}

/** Grey levels: lo -> black, hi -> white. */
export function greyRGBA(data, lo = 0, hi = 1) {
  const rgba = new Uint8ClampedArray(data.length * 4);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let p = 0; p < data.length; p++) {
    const g = toByte((data[p] - lo) * scale);
    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = g;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

const NEGATIVE = [33, 102, 172]; // blue for -limit
const POSITIVE = [178, 24, 43]; // red for +limit

/** Signed values: -limit blue, 0 white, +limit red (linear in between, clipped outside). */
export function divergingRGBA(data, limit) {
  const rgba = new Uint8ClampedArray(data.length * 4);
  const inv = limit > 0 ? 1 / limit : 0;
  for (let p = 0; p < data.length; p++) {
    const t = Math.max(-1, Math.min(1, data[p] * inv));
    const end = t < 0 ? NEGATIVE : POSITIVE;
    const u = Math.abs(t);
    for (let c = 0; c < 3; c++) rgba[4 * p + c] = toByte(255 + (end[c] - 255) * u);
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/** Largest |value| (at least `floor`), for symmetric diverging limits. */
export function maxAbs(data, floor = 1e-12) {
  let m = floor;
  for (let p = 0; p < data.length; p++) m = Math.max(m, Math.abs(data[p]));
  return m;
}

// ---------------------------------------------------------------------------
// Canvas panels: a visible caption, a pixelated canvas with role="img" and an
// aria-label describing what it currently shows.

const PANEL_PIXELS = 256; // drawing-buffer side the image is scaled up to (whole multiples)
export const MARKER_COLOUR = "#ffb000"; // amber: a marker's line (on a dark halo), distinct from red and blue
export const HALO_COLOUR = "#000000";

/**
 * A figure with a canvas (role="img", an aria-label that follows the state), its colour bar and a caption.
 * `main: true` marks the explorer's main picture (the one its controls change most; the phone-layout
 * test measures from the first control to the bottom of this picture).
 */
export function canvasPanel(parent, { title, main = false }) {
  const figure = element("figure", "convlayer-panel", parent);
  if (main) figure.dataset.main = "true";
  const canvas = element("canvas", "convlayer-canvas", figure);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", title);
  const bar = colourBar(figure);
  const caption = element("figcaption", "convlayer-caption", figure);
  caption.textContent = title;
  const scratch = document.createElement("canvas");
  const panel = {
    figure,
    canvas,
    caption,
    scale: 1,
    /**
     * Show the colour scale under the picture: legend({kind: "signed", limit}) for a diverging map
     * (blue -limit, white 0, red +limit), legend({kind: "grey", lo, hi}) for intensities,
     * legend({kind: "rgb"}) for a colour photo (no scale: the picture's own colours).
     */
    legend(spec) {
      bar.show(spec);
    },
    /** Show an H x W RGBA image, each pixel a `scale` x `scale` block. */
    draw(rgba, H, W) {
      const scale = Math.max(1, Math.floor(PANEL_PIXELS / Math.max(H, W)));
      if (canvas.width !== W * scale || canvas.height !== H * scale) {
        canvas.width = W * scale;
        canvas.height = H * scale;
        canvas.style.maxWidth = `${Math.max(W * scale, 160)}px`;
      }
      scratch.width = W;
      scratch.height = H;
      scratch.getContext("2d").putImageData(new ImageData(rgba, W, H), 0, 0);
      const ctx = canvas.getContext("2d");
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(scratch, 0, 0, W * scale, H * scale);
      panel.scale = scale;
    },
    /**
     * Outline image rows r0..r1 and columns c0..c1 (inclusive, image coordinates): a bright line on a
     * dark halo, so that it stays visible on black, white and coloured pixels alike.
     */
    outline(r0, c0, r1, c1, colour = MARKER_COLOUR) {
      const s = panel.scale;
      const ctx = canvas.getContext("2d");
      const width = Math.max(2, Math.min(6, s / 6));
      const box = [c0 * s + 1, r0 * s + 1, (c1 - c0 + 1) * s - 2, (r1 - r0 + 1) * s - 2];
      ctx.strokeStyle = HALO_COLOUR;
      ctx.lineWidth = width + 3;
      ctx.strokeRect(...box);
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(...box);
    },
    /** A plus-shaped marker centred on pixel (r, c): long arms, a dark halo under a bright line. */
    marker(r, c, colour = MARKER_COLOUR) {
      const s = panel.scale;
      const ctx = canvas.getContext("2d");
      const x = (c + 0.5) * s;
      const y = (r + 0.5) * s;
      const arm = Math.max(12, 3 * s);
      const gap = Math.max(2, s / 2); // the marked pixel itself stays visible
      const width = Math.max(3, s / 2.5);
      const strokes = () => {
        ctx.beginPath();
        for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
          ctx.moveTo(x + dx * gap, y + dy * gap);
          ctx.lineTo(x + dx * arm, y + dy * arm);
        }
        ctx.stroke();
      };
      ctx.lineCap = "round";
      ctx.strokeStyle = HALO_COLOUR;
      ctx.lineWidth = width + 3;
      strokes();
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      strokes();
      ctx.lineCap = "butt";
    },
    /** The drawing-buffer font size that shows as `cssPx` CSS pixels at the canvas's displayed width. */
    fontPx(cssPx) {
      const shown = canvas.clientWidth || canvas.width;
      return Math.ceil((cssPx * canvas.width) / shown);
    },
    /** The accessible description of what the canvas shows now. */
    describe(text) {
      canvas.setAttribute("aria-label", text);
    },
  };
  return panel;
}

/** A container for panels that sit side by side and stack on narrow screens. */
export function panelsBox(parent) {
  return element("div", "convlayer-panels", parent);
}

/** A container for controls that wrap onto several lines when the column is narrow. */
export function controlsBox(parent) {
  return element("div", "convlayer-controls", parent);
}


// ---------------------------------------------------------------------------
// Numbers as text and steps that fit them

/** Drop trailing zeros (and a trailing point) of a fixed-point number. */
export function stripZeros(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** A number with `digits` significant digits, without trailing zeros ("0.00297", "-1", "0.5"). */
export function formatNumber(v, digits = 3) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v === 0 ? 0 : v);
  const text = stripZeros(Number(v.toPrecision(digits)).toString());
  return text === "-0" ? "0" : text;
}

/** The "nice" step (1, 2 or 5 times a power of ten) closest below `size` (> 0). */
export function niceStep(size) {
  if (!(size > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(size) + 1e-9);
  const mantissa = size / power;
  return (mantissa >= 5 ? 5 : mantissa >= 2 ? 2 : 1) * power;
}

/** Decimal places of a nice step (0.05 -> 2), to keep stepped values free of binary round-off. */
function decimalsOf(step) {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * The next value on the grid of multiples of `step` above (direction +1) or below (-1) `v`, clipped
 * to [min, max]. A preset's exact weight 0.00297 goes to 0.01 (up) or 0 (down): every key press
 * changes the value by at most one step and lands on round numbers.
 */
export function stepValue(v, step, direction, min, max) {
  const q = v / step;
  const n = direction > 0 ? Math.floor(q + 1e-9) + 1 : Math.ceil(q - 1e-9) - 1;
  const next = Number((n * step).toFixed(decimalsOf(step)));
  return Math.min(max, Math.max(min, next));
}

// ---------------------------------------------------------------------------
// Colour bars: every map says what its colours mean, with numbers

const NEGATIVE_CSS = "rgb(33, 102, 172)";
const POSITIVE_CSS = "rgb(178, 24, 43)";

/**
 * A colour bar (the gradient with its numeric range written at the ends, and 0 in the middle for
 * signed maps), placed in `parent` (a panel's figure). show(spec) draws it for a spec as in
 * panel.legend(); the bar has role="img" and an aria-label with the same numbers.
 */
export function colourBar(parent) {
  const box = element("div", "convlayer-colourbar", parent);
  box.setAttribute("role", "img");
  box.hidden = true;
  const ramp = element("div", "convlayer-colourbar-ramp", box);
  const ticks = element("div", "convlayer-colourbar-ticks", box);
  const low = element("span", "convlayer-colourbar-lo", ticks);
  const mid = element("span", "convlayer-colourbar-mid", ticks);
  const high = element("span", "convlayer-colourbar-hi", ticks);
  let shown = "";
  return {
    element: box,
    show({ kind, limit = 1, lo = 0, hi = 1, format = formatNumber, text = "" }) {
      const key = `${kind} ${limit} ${lo} ${hi} ${text}`;
      if (key === shown) return;
      shown = key;
      box.hidden = false;
      box.dataset.kind = kind;
      if (kind === "rgb") {
        // three thin ramps, black to full red, green and blue: each channel from 0 to 1
        ramp.style.background =
          "linear-gradient(to right, #000, #ff0000) top / 100% 34% no-repeat, " +
          "linear-gradient(to right, #000, #00c000) center / 100% 33% no-repeat, " +
          "linear-gradient(to right, #000, #0000ff) bottom / 100% 34% no-repeat";
        low.textContent = "0";
        mid.textContent = text || "R, G, B channels";
        high.textContent = "1";
        box.dataset.lo = "0";
        box.dataset.hi = "1";
        box.setAttribute("aria-label", `colour scale: ${mid.textContent}, each from 0 (black) to 1 (full colour)`);
        return;
      }
      if (kind === "signed") {
        ramp.style.background = `linear-gradient(to right, ${NEGATIVE_CSS}, #ffffff, ${POSITIVE_CSS})`;
        low.textContent = `\u2212${format(limit)}`;
        mid.textContent = "0";
        high.textContent = `+${format(limit)}`;
        box.dataset.lo = String(-limit);
        box.dataset.hi = String(limit);
        box.setAttribute("aria-label", `colour scale: blue ${low.textContent}, white 0, red ${high.textContent}${text ? `; ${text}` : ""}`);
      } else {
        ramp.style.background = "linear-gradient(to right, #000000, #ffffff)";
        low.textContent = format(lo).replace(/^-/, "\u2212");
        mid.textContent = text;
        high.textContent = format(hi).replace(/^-/, "\u2212");
        box.dataset.lo = String(lo);
        box.dataset.hi = String(hi);
        box.setAttribute("aria-label", `colour scale: black ${low.textContent}, white ${high.textContent}${text ? `; ${text}` : ""}`);
      }
    },
  };
}

/** A visually hidden live region: screen readers hear each text set with say(). */
export function liveRegion(parent) {
  const node = element("p", "convlayer-sr-only", parent);
  node.setAttribute("aria-live", "polite");
  return {
    element: node,
    say(text) {
      node.textContent = text;
    },
  };
}

// ---------------------------------------------------------------------------
// The kernel editor: one reusable piece for every explorer that edits weights

/**
 * A direct editor of a small weight matrix K (k_h x k_w, at most maxRows x maxCols).
 *
 * - A grid of cells, one text field per weight, named by cellName(a, b) (default "K[a, b]"): click or
 *   Tab to a cell, type a number (Enter or leaving the cell rounds nothing: the typed value is kept
 *   exactly), or press ArrowUp / ArrowDown for one step, Shift+Arrow or PageUp / PageDown for ten.
 *   The cells show 3 significant digits; the model keeps the exact numbers (a preset's 0.0029690...).
 * - One slider for the selected weight beside the grid (the last cell focused), so that sliding still
 *   explores the kernel; its keys step like the cell's (no snapping of exact values to a grid).
 * - With `resizable`, two steppers "kernel rows" and "kernel columns" (1..maxRows, 1..maxCols).
 * - Each change is announced in a live region: "K[1, 2] = 0.5".
 *
 * The step fits the values: niceStep(max |K| / 10) of the kernel last loaded with rescale = true (a
 * preset), at least `minStep`; coarse steps are ten steps.
 *
 * Options: {label, rows, cols, weights (row-major rows x cols), min, max, maxRows, maxCols, resizable,
 * cellName(a, b), colNames, rowNames, minStep, onInput({rows, cols, weights})}.
 * Returns {element, setValue({rows, cols, weights}, rescale), step(), cells(), selected()}.
 */
export function kernelEditor(options) {
  const {
    label = "kernel K",
    min = -5,
    max = 5,
    maxRows = 5,
    maxCols = 5,
    resizable = false,
    cellName = (a, b) => `K[${a}, ${b}]`,
    colNames = null,
    rowNames = null,
    minStep = 0.001,
    onInput,
  } = options;
  let state = { rows: options.rows, cols: options.cols, weights: options.weights.slice() };
  let step = 0.1;
  let selected = 0;

  const box = element("div", "convlayer-kernel-editor");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", label);
  const head = element("div", "convlayer-kernel-head", box);
  element("span", "convlayer-kernel-title", head).textContent = label;
  const stepNote = element("span", "convlayer-kernel-step", head);
  let rowsControl = null;
  let colsControl = null;
  const emit = (next) => {
    state = next;
    if (onInput) onInput({ rows: next.rows, cols: next.cols, weights: next.weights.slice() });
  };
  const resize = (rows, cols) => {
    // weights keep their (a, b); new cells start at 0
    const weights = new Array(rows * cols).fill(0);
    for (let a = 0; a < Math.min(rows, state.rows); a++) {
      for (let b = 0; b < Math.min(cols, state.cols); b++) weights[a * cols + b] = state.weights[a * state.cols + b];
    }
    selected = 0;
    emit({ rows, cols, weights });
    build();
  };
  if (resizable) {
    const sizes = element("div", "convlayer-kernel-sizes", head);
    const stepper = (text, maxN, which) =>
      numberInput({
        label: text,
        min: 1,
        max: maxN,
        step: 1,
        value: state[which],
        onInput: (v) => {
          const n = Math.min(maxN, Math.max(1, Math.round(v)));
          if (n !== state[which]) resize(which === "rows" ? n : state.rows, which === "cols" ? n : state.cols);
        },
      });
    rowsControl = stepper("kernel rows", maxRows, "rows");
    colsControl = stepper("kernel columns", maxCols, "cols");
    sizes.append(rowsControl.element, colsControl.element);
  }

  const body = element("div", "convlayer-kernel-body", box);
  const grid = element("div", "convlayer-kernel-grid", body);
  const side = element("div", "convlayer-kernel-side", body);
  const sliderId = uniqueId("convlayer-kernel-slider");
  const sliderLabel = element("label", "convlayer-label", side);
  sliderLabel.htmlFor = sliderId;
  const bar = element("input", "convlayer-range convlayer-kernel-range", side);
  Object.assign(bar, { type: "range", id: sliderId, min: String(min), max: String(max), step: "any" });
  suppressLabShortcuts(bar);
  const live = liveRegion(box);
  let inputs = [];

  const nameOf = (p) => cellName(Math.floor(p / state.cols), p % state.cols);
  const show = (input, v) => {
    input.value = formatNumber(v, 3);
    input.dataset.value = String(v);
  };
  function syncSlider() {
    const v = state.weights[selected];
    const name = nameOf(selected);
    sliderLabel.textContent = name.startsWith("weight") ? `selected ${name}` : `selected weight ${name}`;
    bar.value = String(v);
    bar.setAttribute("aria-valuetext", `${name} = ${formatNumber(v, 3)}`);
    inputs.forEach((input, p) => input.classList.toggle("convlayer-selected", p === selected));
  }
  function setWeight(p, v, from) {
    const clipped = Math.min(max, Math.max(min, v));
    const weights = state.weights.slice();
    weights[p] = clipped;
    selected = p;
    if (from !== inputs[p]) show(inputs[p], clipped);
    syncSlider();
    live.say(`${nameOf(p)} = ${formatNumber(clipped, 3)}`);
    emit({ ...state, weights });
  }
  /** Arrow / Page / Home / End keys on a cell or the slider; true if the key was ours. */
  function stepKey(event, p, upKeys, downKeys) {
    const coarse = event.shiftKey || event.key === "PageUp" || event.key === "PageDown";
    let direction = 0;
    if (upKeys.includes(event.key) || event.key === "PageUp") direction = 1;
    if (downKeys.includes(event.key) || event.key === "PageDown") direction = -1;
    let v;
    if (direction) v = stepValue(state.weights[p], coarse ? 10 * step : step, direction, min, max);
    else if (event.key === "Home") v = min;
    else if (event.key === "End") v = max;
    else return false;
    event.preventDefault();
    if (v !== state.weights[p]) setWeight(p, v, null);
    return true;
  }

  function build() {
    grid.textContent = "";
    const { rows, cols } = state;
    grid.style.gridTemplateColumns = `auto repeat(${cols}, minmax(3.2em, 4.6em))`;
    element("span", "convlayer-kernel-corner", grid).setAttribute("aria-hidden", "true");
    for (let b = 0; b < cols; b++) {
      const headCell = element("span", "convlayer-kernel-index", grid);
      headCell.textContent = colNames ? colNames[b] : String(b);
      headCell.setAttribute("aria-hidden", "true");
    }
    inputs = [];
    for (let a = 0; a < rows; a++) {
      const rowHead = element("span", "convlayer-kernel-index", grid);
      rowHead.textContent = rowNames ? rowNames[a] : String(a);
      rowHead.setAttribute("aria-hidden", "true");
      for (let b = 0; b < cols; b++) {
        const p = a * cols + b;
        const input = element("input", "convlayer-kernel-cell", grid);
        Object.assign(input, { type: "text", inputMode: "decimal", autocomplete: "off", spellcheck: false });
        input.setAttribute("aria-label", cellName(a, b));
        suppressLabShortcuts(input);
        show(input, state.weights[p]);
        input.addEventListener("focus", () => {
          selected = p;
          syncSlider();
        });
        input.addEventListener("keydown", (event) => {
          if (event.key === "Enter") {
            show(input, state.weights[p]);
            return;
          }
          stepKey(event, p, ["ArrowUp"], ["ArrowDown"]);
        });
        input.addEventListener("input", () => {
          const text = input.value.trim().replace(/\u2212/g, "-");
          if (text === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return; // not a number yet
          setWeight(p, Number(text), input);
        });
        input.addEventListener("change", () => show(input, state.weights[p]));
        inputs.push(input);
      }
    }
    if (rowsControl) rowsControl.setValue(rows);
    if (colsControl) colsControl.setValue(cols);
    selected = Math.min(selected, rows * cols - 1);
    syncSlider();
  }

  bar.addEventListener("keydown", (event) => {
    stepKey(event, selected, ["ArrowUp", "ArrowRight"], ["ArrowDown", "ArrowLeft"]);
  });
  bar.addEventListener("input", () => {
    // dragging: the pointer's value, rounded to the step grid (keys are handled above)
    const v = Number((Math.round(Number(bar.value) / step) * step).toFixed(decimalsOf(step)));
    setWeight(selected, v, null);
  });

  function rescale() {
    let top = 0;
    for (const v of state.weights) top = Math.max(top, Math.abs(v));
    step = Math.max(minStep, niceStep((top || Math.max(Math.abs(min), Math.abs(max))) / 10));
    stepNote.textContent = `step ${formatNumber(step)}, Shift ${formatNumber(10 * step)}`;
    box.dataset.step = String(step);
  }

  rescale();
  build();
  return {
    element: box,
    /** Show a kernel set from outside (a preset, Python); `rescale` also refits the step to it. */
    setValue({ rows, cols, weights }, rescaleStep = false) {
      const sameShape = rows === state.rows && cols === state.cols;
      state = { rows, cols, weights: weights.slice() };
      if (rescaleStep) rescale();
      if (!sameShape) {
        build();
        return;
      }
      inputs.forEach((input, p) => {
        if (input.dataset.value !== String(weights[p]) && document.activeElement !== input) show(input, weights[p]);
      });
      syncSlider();
    },
    step: () => step,
    cells: () => inputs.slice(),
    slider: bar,
  };
}

// ---------------------------------------------------------------------------
// Test hook

/**
 * Publish the numbers behind the current picture: root.convlayerFrame =
 * {name: {shape: [H, W], data: Float64Array}} and root.dataset.frame += 1.
 * The browser tests read them and compare with the widget's reference_frame()
 * in Python.
 */
export function publishFrame(root, frames) {
  const published = {};
  for (const [name, frame] of Object.entries(frames)) {
    published[name] = { shape: [frame.H, frame.W], data: frame.data };
  }
  root.convlayerFrame = published;
  root.dataset.frame = String(Number(root.dataset.frame || "0") + 1);
}

// ---------------------------------------------------------------------------
// Redraw scheduling and colour limits: one frame per batch of trait changes, and the value ranges
// that set an explorer's colour scale

/**
 * `fn` deferred to the end of the current task and run once however often it was asked for:
 * one model.set() of several traits fires one change event per trait, but must give one frame
 * (else a test could read a half-updated frame). Use as listen(model, traits, coalesced(redraw)).
 */
export function coalesced(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      fn();
    });
  };
}

/** Smallest and largest entry of an array. */
export function valueRange(data) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < data.length; p++) {
    if (data[p] < lo) lo = data[p];
    if (data[p] > hi) hi = data[p];
  }
  return { lo, hi };
}

/** The |value| below which a fraction q of the entries lie (256-bin histogram: it only sets colour limits). */
export function quantileAbs(data, q) {
  const top = maxAbs(data);
  const bins = new Uint32Array(256);
  for (let p = 0; p < data.length; p++) bins[Math.min(255, Math.floor((Math.abs(data[p]) / top) * 256))] += 1;
  const wanted = q * data.length;
  let seen = 0;
  for (let n = 0; n < 256; n++) {
    seen += bins[n];
    if (seen >= wanted) return Math.max(((n + 1) / 256) * top, 1e-12);
  }
  return top;
}

/**
 * Colours for a map as convlib's static figures choose them (widgets._common.signed_style):
 * diverging with symmetric limits at the q-quantile of |value| when it has negative values
 * (the largest |value| for maps of at most 100 entries), else grey from its minimum to its maximum.
 * Returns {rgba, text, legend}; `text` describes the mapping for an aria-label, `legend` is the
 * spec of its colour bar (panel.legend(legend)).
 */
export function signedOrGreyRGBA(data, q, format = (v) => v.toPrecision(3)) {
  const { lo, hi } = valueRange(data);
  if (lo < -1e-9 * Math.max(1, Math.abs(hi))) {
    const limit = data.length > 100 ? quantileAbs(data, q) : maxAbs(data);
    return {
      rgba: divergingRGBA(data, limit),
      text: `blue negative, white zero, red positive (limits plus or minus ${format(limit)})`,
      legend: { kind: "signed", limit, format },
    };
  }
  const top = hi > lo ? hi : lo + 1e-12;
  return {
    rgba: greyRGBA(data, lo, top),
    text: `grey from ${format(lo)} (black) to ${format(hi)} (white)`,
    legend: { kind: "grey", lo, hi, format },
  };
}
