// convlayer, chapter 3: the explorers of "Convolution versus cross-correlation"
// (convlib/widgets/js/correlation.js, appended to common.js by Python).
//
// Two views, chosen by the model's `view` trait:
// - "steps": the worked example's window slid one output position at a time,
//   with the products K[a, b] x[i+a, j+b] and their sum written out
//   (Python: convlib.widgets.correlation.CorrelationSteps);
// - "playground": the kernel playground: the kernel editor of common.js
//   (kernelEditor: a grid of typed cells, size steppers, one slider for the
//   selected weight), presets, image, cross-correlation or convolution, and
//   |conv - corr| (Python: KernelPlayground).
// Both publish the numbers behind their pictures with publishFrame(); the
// browser tests compare them with reference_frame() in Python.

// ---------------------------------------------------------------------------
// Styles of this chapter's views (scoped by class names; common.css has the rest).

const CORRELATION_STYLE = `
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
  border: 1px solid var(--cl-border);
  min-width: 2.4em;
  height: 2.2em;
  text-align: center;
  padding: 0 0.3em;
}
.convlayer-numbers td.convlayer-in-window {
  background: var(--cl-window-bg);
  outline: 3px solid var(--cl-accent);
  outline-offset: -3px;
  font-weight: bold;
}
.convlayer-numbers td.convlayer-current {
  background: var(--cl-current-bg);
  outline: 3px solid var(--cl-current-line);
  outline-offset: -3px;
  font-weight: bold;
}
.convlayer-sum {
  font-family: monospace;
  font-size: 15px;
  overflow-wrap: anywhere;
}
.convlayer-key {
  font-size: 13px;
  line-height: 1.9;
  margin: 0.25rem 0 0;
}
.convlayer-key span {
  padding: 0 0.3em;
  margin: 0 0.2em 0 2px;
  font-weight: bold;
  white-space: nowrap;
}
.convlayer-key .convlayer-in-window {
  background: var(--cl-window-bg);
  outline: 2px solid var(--cl-accent);
}
.convlayer-key .convlayer-current {
  background: var(--cl-current-bg);
  outline: 2px solid var(--cl-current-line);
}
`;

function addStyle(root) {
  const style = element("style", "", root);
  style.textContent = CORRELATION_STYLE;
}

// ---------------------------------------------------------------------------
// Numbers as text

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
const formatShort = formatNumber;

// ---------------------------------------------------------------------------
// The sliding-window view of the worked example

function numberTable(parent, caption, values, H, W) {
  const table = element("table", "convlayer-numbers", parent);
  table.dataset.name = caption;
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
  numberTable(tables, "kernel K", k, kh, kw);
  const hCells = numberTable(tables, "output Y", null, Ho, Wo);
  hCells[0].closest("table").dataset.main = "true";
  const key = element("p", "convlayer-key", root);
  key.innerHTML =
    '<span class="convlayer-in-window">bold, blue</span> the window x[i + a, j + b] under K; ' +
    '<span class="convlayer-current">bold, orange</span> the output Y[i, j] it gives.';
  const sum = element("p", "convlayer-readout convlayer-sum", root);
  sum.setAttribute("aria-live", "polite");

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

/** The kernel V: the top-left rows x cols block of the side x side weight grid (row-major). */
function kernelOf(weights, side, rows, cols) {
  const k = new Float64Array(rows * cols);
  for (let a = 0; a < rows; a++) for (let b = 0; b < cols; b++) k[a * cols + b] = weights[a * side + b];
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
function matchingPreset(presets, side, rows, cols, weights) {
  for (const [name, rowsOfV] of Object.entries(presets)) {
    if (rowsOfV.length !== rows || rowsOfV[0].length !== cols) continue;
    if (rowsOfV.every((line, a) => line.every((v, b) => v === weights[a * side + b]))) return name;
  }
  return "custom";
}

/**
 * Draw the weights slid over the image (rows x cols) as coloured cells with their values written in,
 * at least 12 CSS px tall at the canvas's displayed size (2 significant digits, 1 if 2 do not fit).
 */
function drawWeights(panel, slid, rows, cols) {
  const limit = 1.5 * maxAbs(slid); // pale colours keep the numbers readable
  panel.draw(divergingRGBA(slid, limit), rows, cols);
  panel.legend({ kind: "signed", limit, format: formatShort });
  const ctx = panel.canvas.getContext("2d");
  panel.canvas.style.imageRendering = "auto"; // numbers, shrunk smoothly on a phone (not pixelated)
  const s = panel.scale;
  const size = Math.max(panel.fontPx(12.5), Math.min(28, Math.floor(s / 3.2)));
  ctx.fillStyle = "#000000";
  ctx.font = `${size}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b < cols; b++) {
      const v = slid[a * cols + b];
      let text = formatShort(v, 2);
      if (ctx.measureText(text).width > 0.96 * s) text = formatShort(v, 1);
      ctx.fillText(text, (b + 0.5) * s, (a + 0.5) * s);
    }
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
  const side = model.get("max_side"); // the largest kernel side, and the row length of the weight grid

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
        const weights = new Array(side * side).fill(0);
        V.forEach((line, a) => line.forEach((v, b) => (weights[a * side + b] = v)));
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
    const name = matchingPreset(model.get("presets"), side, state.rows, state.cols, state.weights);
    if (name === "custom") customKernel = state;
    model.set({ ...changes, preset: name });
    model.save_changes();
  }
  for (const control of [preset, image, convolve]) controls.appendChild(control.element);

  // -- the kernel editor (common.js): cells, size steppers, one slider for the selected weight --
  const currentKernel = () => {
    const kh = model.get("rows");
    const kw = model.get("cols");
    return { rows: kh, cols: kw, weights: Array.from(kernelOf(model.get("weights"), side, kh, kw)) };
  };
  const editor = kernelEditor({
    label: "kernel K",
    ...currentKernel(),
    min: -limit,
    max: limit,
    maxRows: side,
    maxCols: side,
    resizable: true,
    onInput: ({ rows: kh, cols: kw, weights: w }) => {
      const weights = new Array(side * side).fill(0);
      for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) weights[a * side + b] = w[a * kw + b];
      setKernel({ rows: kh, cols: kw, weights });
    },
  });
  root.appendChild(editor.element);
  let editorPreset = model.get("preset");

  // -- pictures ----------------------------------------------------------------
  const panels = panelsBox(root);
  const inputPanel = canvasPanel(panels, { title: "input x" });
  const outputPanel = canvasPanel(panels, { title: "output", main: true });
  const weightsPanel = canvasPanel(panels, { title: "weights slid over x" });
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
    const kh = Math.min(side, Math.max(1, Math.round(model.get("rows"))));
    const kw = Math.min(side, Math.max(1, Math.round(model.get("cols"))));
    const weights = model.get("weights");
    const isConv = model.get("operation") === operations[1];

    // controls follow the model (a change may come from Python or from another view)
    preset.setValue(model.get("preset"));
    image.setValue(name);
    convolve.setValue(isConv);
    // a new preset refits the editor's step to its weights (0.01 for the Gaussian, 0.1 for Sobel)
    const presetNow = model.get("preset");
    editor.setValue(currentKernel(), presetNow !== editorPreset && presetNow !== "custom");
    editorPreset = presetNow;

    // the numbers: convlib's corr2d and conv2d (valid), and their difference
    const V = kernelOf(weights, side, kh, kw);
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
      inputPanel.legend({ kind: "grey", lo: 0, hi: 1 });
      drawnImage = name;
    }
    drawWeights(weightsPanel, slid, kh, kw);
    weightsPanel.caption.textContent = isConv ? "weights slid: K flipped" : "weights slid: K";
    const slidText = [];
    for (let a = 0; a < kh; a++) slidText.push(Array.from(slid.subarray(a * kw, (a + 1) * kw), (v) => formatShort(v, 3)).join(", "));
    weightsPanel.describe(`${isConv ? "K flipped by 180 degrees" : "K"}, ${kh} by ${kw}: rows ${slidText.join("; ")}`);
    const outColours = signedOrGreyRGBA(out.data, 0.98, formatShort);
    outputPanel.draw(outColours.rgba, out.H, out.W);
    outputPanel.legend(outColours.legend);
    outputPanel.caption.textContent = isConv ? "conv2d(x, K)" : "corr2d(x, K)";
    outputPanel.describe(`${isConv ? "conv2d" : "corr2d"}(x, K), ${out.H} by ${out.W} (valid), ${outColours.text}`);
    differencePanel.draw(greyRGBA(difference, 0, Math.max(maxDifference, 1e-12)), out.H, out.W);
    differencePanel.legend({ kind: "grey", lo: 0, hi: maxDifference, format: formatShort });
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
