// convlayer, chapter 3: the explorers of "Convolution versus cross-correlation"
// (convlib/widgets/js/correlation.js, appended to common.js by Python).
//
// Two views, chosen by the model's `view` trait:
// - "steps": the worked example's window slid one output position at a time,
//   with the products K[a, b] x[i+a, j+b] and their sum written out
//   (Python: convlib.widgets.correlation.CorrelationSteps);
// - "playground": the kernel playground: a 5 x 5 weight grid (slider and typed
//   entry per weight), kernel size, presets, image, cross-correlation or
//   convolution, and |conv - corr| (Python: KernelPlayground).
// Both publish the numbers behind their pictures with publishFrame(); the
// browser tests compare them with reference_frame() in Python.

// ---------------------------------------------------------------------------
// Styles of this chapter's views (scoped by class names; common.css has the rest).

const CORRELATION_STYLE = `
.convlayer-weights {
  display: grid;
  grid-template-columns: repeat(5, minmax(0, 6.5rem));
  gap: 0.35rem 0.5rem;
  margin: 0.25rem 0 0.5rem;
}
.convlayer-weight {
  display: flex;
  flex-direction: column;
  align-items: stretch;
  gap: 0.1rem;
  min-width: 0;
  font-size: 13px;
}
.convlayer-weight .convlayer-numberinput {
  width: 100%;
  min-width: 0;
}
.convlayer-weight .convlayer-range {
  width: 100%;
  min-width: 0;
  flex: none;
}
.convlayer-weight.convlayer-unused .convlayer-label {
  text-decoration: line-through;
}
.convlayer-explorer[data-explorer="playground"] .convlayer-panel {
  flex-basis: 9.5rem; /* the four pictures share one row of the book's column */
}
.convlayer-legend {
  margin: 0.25rem 0 0;
}
.convlayer-steps-tables {
  display: flex;
  flex-wrap: wrap;
  gap: 0.75rem 1.5rem;
  align-items: flex-start;
}
.convlayer-numbers {
  border-collapse: collapse;
  font-variant-numeric: tabular-nums;
  margin: 0;
}
.convlayer-numbers caption {
  caption-side: top;
  text-align: left;
  font-size: 13px;
  padding-bottom: 0.2rem;
}
.convlayer-numbers td {
  border: 1px solid #6b6b6b;
  min-width: 2.4em;
  height: 2.2em;
  text-align: center;
  padding: 0 0.3em;
}
.convlayer-numbers td.convlayer-in-window {
  background: #d7e9ff;
  outline: 3px solid #0b5cad;
  outline-offset: -3px;
  font-weight: bold;
}
.convlayer-numbers td.convlayer-current {
  background: #ffe3c2;
  outline: 3px solid #9a4a00;
  outline-offset: -3px;
  font-weight: bold;
}
.convlayer-sum {
  font-family: monospace;
  font-size: 15px;
  overflow-wrap: anywhere;
}
`;

function addStyle(root) {
  const style = element("style", "", root);
  style.textContent = CORRELATION_STYLE;
}

// ---------------------------------------------------------------------------
// Numbers as text

/** Drop trailing zeros (and a trailing point) of a fixed-point mantissa. */
function stripZeros(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/**
 * A number as Python's convlib writes it in the worked sums (correlation._fmt):
 * integers without a decimal point, anything else like Python's format(v, "g").
 */
export function formatSum(v) {
  if (Number.isInteger(v)) return String(v === 0 ? 0 : v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  const [mantissa, exponentText] = v.toExponential(5).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${stripZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return stripZeros(v.toFixed(5 - exponent));
}

/** A weight or a result with about `digits` significant digits, for labels and readouts. */
function formatShort(v, digits = 3) {
  if (Number.isInteger(v)) return String(v === 0 ? 0 : v);
  return stripZeros(Number(v.toPrecision(digits)).toString());
}

// ---------------------------------------------------------------------------
// The sliding-window view of the worked example

function numberTable(parent, caption, values, H, W) {
  const table = element("table", "convlayer-numbers", parent);
  element("caption", "", table).textContent = caption;
  const body = element("tbody", "", table);
  const cells = [];
  for (let r = 0; r < H; r++) {
    const tr = element("tr", "", body);
    for (let c = 0; c < W; c++) {
      const td = element("td", "", tr);
      td.textContent = values ? formatSum(values[r * W + c]) : "";
      cells.push(td);
    }
  }
  return cells;
}

function renderSteps(model, el) {
  const root = explorerRoot(el, "steps", "Sliding window of the cross-correlation", model);
  addStyle(root);
  const xRows = model.get("x");
  const kRows = model.get("kernel");
  const H = xRows.length;
  const W = xRows[0].length;
  const kh = kRows.length;
  const kw = kRows[0].length;
  const x = Float64Array.from(xRows.flat());
  const k = Float64Array.from(kRows.flat());
  const output = corr2dValid(x, H, W, k, kh, kw);
  const Ho = output.H;
  const Wo = output.W;
  const positionName = (p) => `Y[${Math.floor(p / Wo)}, ${p % Wo}]`;

  const controls = controlsBox(root);
  const position = bindTrait(model, "position", slider, {
    label: "window position",
    min: 0,
    max: Ho * Wo - 1,
    step: 1,
    format: positionName,
  });
  controls.appendChild(position.element);

  const tables = element("div", "convlayer-steps-tables", root);
  const xCells = numberTable(tables, "input x", x, H, W);
  numberTable(tables, "kernel V", k, kh, kw);
  const hCells = numberTable(tables, "output h", null, Ho, Wo);
  const sum = element("p", "convlayer-readout convlayer-sum", root);

  function redraw() {
    const p = Math.min(Ho * Wo - 1, Math.max(0, Math.round(model.get("position"))));
    const i = Math.floor(p / Wo);
    const j = p % Wo;
    const window = new Float64Array(kh * kw);
    const products = new Float64Array(kh * kw);
    const terms = [];
    xCells.forEach((td) => td.classList.remove("convlayer-in-window"));
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const v = x[(i + a) * W + (j + b)];
        window[a * kw + b] = v;
        products[a * kw + b] = v * k[a * kw + b];
        terms.push(`${formatSum(v)}*${formatSum(k[a * kw + b])}`);
        xCells[(i + a) * W + (j + b)].classList.add("convlayer-in-window");
      }
    }
    const value = output.data[p];
    hCells.forEach((td, q) => {
      td.textContent = q <= p ? formatSum(output.data[q]) : "";
      td.classList.toggle("convlayer-current", q === p);
    });
    sum.textContent = `Y[${i}, ${j}] = ${terms.join(" + ")} = ${formatSum(value)}`;
    publishFrame(root, {
      window: { data: window, H: kh, W: kw },
      products: { data: products, H: kh, W: kw },
      value: { data: Float64Array.of(value), H: 1, W: 1 },
    });
  }

  const stop = listen(model, ["position"], coalesced(redraw));
  redraw();
  return stop;
}

// ---------------------------------------------------------------------------
// The kernel playground

const MAX_KERNEL = 5;

/** Image `name` out of the concatenated uint8 bytes of every playground image. */
function playgroundImage(model, name) {
  const names = model.get("image_names");
  const shapes = model.get("image_shapes");
  const bytes = bytesOf(model.get("pixels"));
  let index = names.indexOf(name);
  if (index < 0) index = 0;
  let offset = 0;
  for (let n = 0; n < index; n++) offset += shapes[n][0] * shapes[n][1];
  const [H, W] = shapes[index];
  return imageFromBytes(bytes.subarray(offset, offset + H * W), [H, W]);
}

/** The kernel V: the top-left rows x cols block of the 5 x 5 weight grid (row-major). */
function kernelOf(weights, rows, cols) {
  const k = new Float64Array(rows * cols);
  for (let a = 0; a < rows; a++) for (let b = 0; b < cols; b++) k[a * cols + b] = weights[a * MAX_KERNEL + b];
  return k;
}

/**
 * corr2d(x, K) and conv2d(x, K) (valid) in one pass over the image: each output pixel's
 * window is read once for both sums. Each sum runs over the taps in row-major order of its
 * kernel (V, or V flipped for conv2d), exactly as corr2dValid and convlib do, so both agree
 * with convlib bit for bit.
 */
function corrAndConv(x, H, W, k, kh, kw) {
  const flipped = flipKernel(k, kh, kw);
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  const taps = kh * kw;
  const offsets = new Int32Array(taps); // where tap (a, b) lies relative to the window's corner
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) offsets[a * kw + b] = a * W + b;
  const corr = new Float64Array(Ho * Wo);
  const conv = new Float64Array(Ho * Wo);
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      const corner = i * W + j;
      let s = x[corner] * k[0];
      let t = x[corner] * flipped[0];
      for (let q = 1; q < taps; q++) {
        const v = x[corner + offsets[q]];
        s += v * k[q];
        t += v * flipped[q];
      }
      corr[i * Wo + j] = s;
      conv[i * Wo + j] = t;
    }
  }
  return { corr: { data: corr, H: Ho, W: Wo }, conv: { data: conv, H: Ho, W: Wo }, flipped };
}

/** The preset whose kernel equals rows x cols weights exactly, or "custom". */
function matchingPreset(presets, rows, cols, weights) {
  for (const [name, rowsOfV] of Object.entries(presets)) {
    if (rowsOfV.length !== rows || rowsOfV[0].length !== cols) continue;
    if (rowsOfV.every((line, a) => line.every((v, b) => v === weights[a * MAX_KERNEL + b]))) return name;
  }
  return "custom";
}

/** One weight cell: visible label K[a, b], a number field labelled by it and a slider with the same name. */
function weightCell(parent, a, b, limit, onInput) {
  const label = `K[${a}, ${b}]`;
  const number = numberInput({ label, min: -limit, max: limit, step: 0.1, value: 0, onInput });
  const cell = number.element;
  cell.classList.add("convlayer-weight");
  parent.appendChild(cell);
  const bar = element("input", "convlayer-range", cell);
  Object.assign(bar, { type: "range", min: String(-limit), max: String(limit), step: "0.1" });
  bar.setAttribute("aria-label", label);
  suppressLabShortcuts(bar);
  const snap = (v) => Math.min(limit, Math.max(-limit, Math.round(v * 10) / 10));
  bar.addEventListener("input", () => onInput(snap(Number(bar.value))));
  bar.addEventListener("keydown", (event) => {
    // a weight moves 0.1 per arrow key (the range's step) and 1 per PageUp / PageDown
    if (event.key !== "PageUp" && event.key !== "PageDown") return;
    event.preventDefault();
    onInput(snap(Number(bar.value) + (event.key === "PageUp" ? 1 : -1)));
  });
  let shown = null;
  let usedNow = null;
  return {
    // both setters touch the DOM only on a change (25 cells are refreshed on every frame)
    setValue(v) {
      if (shown === v) return;
      shown = v;
      number.setValue(v);
      bar.value = String(v);
      bar.setAttribute("aria-valuetext", formatShort(v, 4));
    },
    setUsed(used) {
      if (usedNow === used) return;
      usedNow = used;
      number.input.disabled = !used;
      bar.disabled = !used;
      cell.classList.toggle("convlayer-unused", !used);
    },
  };
}

/** Draw the weights slid over the image (rows x cols) as coloured cells with their values written in. */
function drawWeights(panel, slid, rows, cols) {
  const limit = 1.5 * maxAbs(slid); // pale colours keep the numbers readable
  panel.draw(divergingRGBA(slid, limit), rows, cols);
  const ctx = panel.canvas.getContext("2d");
  const s = panel.scale;
  ctx.fillStyle = "#000000";
  ctx.font = `${Math.max(14, Math.min(28, Math.floor(s / 3.2)))}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b < cols; b++) ctx.fillText(formatShort(slid[a * cols + b], 2), (b + 0.5) * s, (a + 0.5) * s);
  }
  ctx.strokeStyle = "#6b6b6b";
  ctx.lineWidth = 1;
  for (let a = 1; a < rows; a++) ctx.strokeRect(0, a * s, cols * s, 0);
  for (let b = 1; b < cols; b++) ctx.strokeRect(b * s, 0, 0, rows * s);
}

function renderPlayground(model, el) {
  const root = explorerRoot(el, "playground", "Kernel playground", model);
  addStyle(root);
  const operations = model.get("operations");
  const limit = model.get("weight_range");

  // -- controls: preset, image, operation, kernel size ----------------------
  const controls = controlsBox(root);
  const presetNames = [...Object.keys(model.get("presets")), "custom"];
  // the last kernel edited by hand: choosing "custom" after a preset brings it back
  const kernelState = () => ({ rows: model.get("rows"), cols: model.get("cols"), weights: model.get("weights").slice() });
  let customKernel = model.get("preset") === "custom" ? kernelState() : null;
  const preset = select({
    label: "preset",
    options: presetNames.map((name) => ({ value: name, text: name })),
    value: model.get("preset"),
    onInput: (name) => {
      const V = model.get("presets")[name];
      if (!V) {
        model.set({ preset: "custom", ...(customKernel || kernelState()) });
      } else {
        const weights = new Array(MAX_KERNEL * MAX_KERNEL).fill(0);
        V.forEach((line, a) => line.forEach((v, b) => (weights[a * MAX_KERNEL + b] = v)));
        model.set({ preset: name, rows: V.length, cols: V[0].length, weights });
      }
      model.save_changes();
    },
  });
  const image = bindTrait(model, "image", select, {
    label: "image",
    options: model.get("image_names").map((name) => ({ value: name, text: name })),
  });
  const convolve = toggle({
    label: "convolution (flip the kernel)",
    value: model.get("operation") === operations[1],
    onInput: (on) => {
      model.set("operation", operations[on ? 1 : 0]);
      model.save_changes();
    },
  });

  /** Change kernel size or weights; the preset follows (a preset's name while the kernel equals it, else "custom"). */
  function setKernel(changes) {
    const state = { ...kernelState(), ...changes };
    const name = matchingPreset(model.get("presets"), state.rows, state.cols, state.weights);
    if (name === "custom") customKernel = state;
    model.set({ ...changes, preset: name });
    model.save_changes();
  }
  const sizeInput = (trait, label) =>
    numberInput({
      label,
      min: 1,
      max: MAX_KERNEL,
      step: 1,
      value: model.get(trait),
      onInput: (v) => setKernel({ [trait]: Math.min(MAX_KERNEL, Math.max(1, Math.round(v))) }),
    });
  const rows = sizeInput("rows", "kernel rows");
  const cols = sizeInput("cols", "kernel columns");
  for (const control of [preset, image, convolve, rows, cols]) controls.appendChild(control.element);

  // -- the 5 x 5 weight grid -------------------------------------------------
  const legend = element("p", "convlayer-legend", root);
  legend.textContent = "Kernel weights K[a, b] (row a, column b); struck-out cells lie outside the kernel's size.";
  const grid = element("div", "convlayer-weights", root);
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", "kernel weights");
  const cells = [];
  for (let a = 0; a < MAX_KERNEL; a++) {
    for (let b = 0; b < MAX_KERNEL; b++) {
      const index = a * MAX_KERNEL + b;
      cells.push(
        weightCell(grid, a, b, limit, (v) => {
          const weights = model.get("weights").slice();
          weights[index] = v;
          setKernel({ weights });
        }),
      );
    }
  }

  // -- pictures ----------------------------------------------------------------
  const panels = panelsBox(root);
  const inputPanel = canvasPanel(panels, { title: "input x" });
  const weightsPanel = canvasPanel(panels, { title: "weights slid over x" });
  const outputPanel = canvasPanel(panels, { title: "output" });
  const differencePanel = canvasPanel(panels, { title: "|conv - corr|" });
  const readout = element("p", "convlayer-readout", root);

  let shownImage = null;
  let drawnImage = null;
  let x = null;

  function redraw() {
    const name = model.get("image");
    if (name !== shownImage) {
      x = playgroundImage(model, name);
      shownImage = name;
    }
    const kh = Math.min(MAX_KERNEL, Math.max(1, Math.round(model.get("rows"))));
    const kw = Math.min(MAX_KERNEL, Math.max(1, Math.round(model.get("cols"))));
    const weights = model.get("weights");
    const isConv = model.get("operation") === operations[1];

    // controls follow the model (a change may come from Python or from another view)
    preset.setValue(model.get("preset"));
    image.setValue(name);
    convolve.setValue(isConv);
    rows.setValue(kh);
    cols.setValue(kw);
    cells.forEach((cell, index) => {
      cell.setValue(weights[index]);
      cell.setUsed(Math.floor(index / MAX_KERNEL) < kh && index % MAX_KERNEL < kw);
    });

    // the numbers: convlib's corr2d and conv2d (valid), and their difference
    const V = kernelOf(weights, kh, kw);
    const { corr, conv, flipped } = corrAndConv(x.data, x.H, x.W, V, kh, kw);
    const difference = new Float64Array(corr.data.length);
    let maxDifference = 0;
    for (let p = 0; p < difference.length; p++) {
      difference[p] = Math.abs(conv.data[p] - corr.data[p]);
      if (difference[p] > maxDifference) maxDifference = difference[p];
    }
    const out = isConv ? conv : corr;
    const slid = isConv ? flipped : V;

    // the pictures
    if (drawnImage !== name) {
      inputPanel.draw(greyRGBA(x.data, 0, 1), x.H, x.W);
      inputPanel.describe(`input x: the ${name} image, ${x.H} by ${x.W} pixels, grey levels 0 to 1`);
      drawnImage = name;
    }
    drawWeights(weightsPanel, slid, kh, kw);
    weightsPanel.caption.textContent = isConv ? "weights slid: K flipped" : "weights slid: K";
    const slidText = [];
    for (let a = 0; a < kh; a++) slidText.push(Array.from(slid.subarray(a * kw, (a + 1) * kw), (v) => formatShort(v, 3)).join(", "));
    weightsPanel.describe(`${isConv ? "K flipped by 180 degrees" : "K"}, ${kh} by ${kw}: rows ${slidText.join("; ")}`);
    const outColours = signedOrGreyRGBA(out.data, 0.98, formatShort);
    outputPanel.draw(outColours.rgba, out.H, out.W);
    outputPanel.caption.textContent = isConv ? "conv2d(x, K)" : "corr2d(x, K)";
    outputPanel.describe(`${isConv ? "conv2d" : "corr2d"}(x, K), ${out.H} by ${out.W} (valid), ${outColours.text}`);
    differencePanel.draw(greyRGBA(difference, 0, Math.max(maxDifference, 1e-12)), out.H, out.W);
    differencePanel.caption.textContent = `|conv - corr|, max ${formatShort(maxDifference)}`;
    const same = maxDifference <= 1e-9 * Math.max(1, maxAbs(out.data));
    differencePanel.describe(
      `|conv2d - corr2d|, ${same ? "zero everywhere: black" : `grey from 0 (black) to ${formatShort(maxDifference)} (white)`}`,
    );
    readout.textContent =
      `kernel ${kh}×${kw}, image ${x.H}×${x.W}, output ${out.H}×${out.W} (valid); ` +
      `max |conv − corr| = ${formatShort(maxDifference)}: ` +
      (same
        ? "the kernel equals its flip, so convolution and cross-correlation coincide."
        : "the kernel differs from its flip, so convolution and cross-correlation differ.");

    publishFrame(root, {
      image: x,
      slid: { data: slid, H: kh, W: kw },
      output: out,
      difference: { data: difference, H: out.H, W: out.W },
    });
  }

  const stop = listen(model, ["image", "preset", "rows", "cols", "weights", "operation"], coalesced(redraw));
  redraw();
  return stop;
}

export default {
  render({ model, el }) {
    return model.get("view") === "steps" ? renderSteps(model, el) : renderPlayground(model, el);
  },
};
