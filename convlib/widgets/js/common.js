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

export function canvasPanel(parent, { title }) {
  const figure = element("figure", "convlayer-panel", parent);
  const canvas = element("canvas", "convlayer-canvas", figure);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", title);
  const caption = element("figcaption", "convlayer-caption", figure);
  caption.textContent = title;
  const scratch = document.createElement("canvas");
  const panel = {
    figure,
    canvas,
    caption,
    scale: 1,
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
    /** Outline image rows r0..r1 and columns c0..c1 (inclusive, image coordinates). */
    outline(r0, c0, r1, c1, colour = "#00b7ff") {
      const s = panel.scale;
      const ctx = canvas.getContext("2d");
      ctx.strokeStyle = colour;
      ctx.lineWidth = Math.max(2, s / 3);
      ctx.strokeRect(c0 * s + 1, r0 * s + 1, (c1 - c0 + 1) * s - 2, (r1 - r0 + 1) * s - 2);
    },
    /** A plus-shaped marker centred on pixel (r, c). */
    marker(r, c, colour = "#00b7ff") {
      const s = panel.scale;
      const ctx = canvas.getContext("2d");
      const x = (c + 0.5) * s;
      const y = (r + 0.5) * s;
      const arm = Math.max(6, 2 * s);
      ctx.strokeStyle = colour;
      ctx.lineWidth = Math.max(2, s / 3);
      ctx.beginPath();
      ctx.moveTo(x - arm, y);
      ctx.lineTo(x + arm, y);
      ctx.moveTo(x, y - arm);
      ctx.lineTo(x, y + arm);
      ctx.stroke();
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
// Redraw scheduling and colour limits (added by W2 for chapters 3 and 4)

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
 * Returns {rgba, text}; `text` describes the mapping for an aria-label.
 */
export function signedOrGreyRGBA(data, q, format = (v) => v.toPrecision(3)) {
  const { lo, hi } = valueRange(data);
  if (lo < -1e-9 * Math.max(1, Math.abs(hi))) {
    const limit = data.length > 100 ? quantileAbs(data, q) : maxAbs(data);
    return { rgba: divergingRGBA(data, limit), text: `blue negative, white zero, red positive (limits plus or minus ${format(limit)})` };
  }
  const top = hi > lo ? hi : lo + 1e-12;
  return { rgba: greyRGBA(data, lo, top), text: `grey from ${format(lo)} (black) to ${format(hi)} (white)` };
}
