// convlayer, chapter 3 (padding and stride): the explorer of convlib/widgets/padding.py.
//
// State (Python traits): p_h, p_w, s_h, s_w, the kernel side k, the selected
// output pixel (out_row, out_col), a small integer image (grid, grid_shape),
// the range of every setting (ranges: {trait: [lo, hi]}, the ranges Python
// validates) and the output lengths for every setting (output_lengths:
// {rows, cols}, each table[p][s - 1][k - 1] computed by convlib.output_size,
// 0 when no window fits), so this file restates neither.
// Each frame: the zero-padded image, the all-ones k x k correlation at stride
// (s_h, s_w), the window of the selected output pixel and the output-size
// formula: the same numbers as PaddingStrideExplorer.reference_frame().

const WINDOW_COLOUR = MARKER_COLOUR;

/** Every s_h-th row and s_w-th column of a valid correlation: the strided output. */
function strided(full, sh, sw, rows, cols) {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = full.data[i * sh * full.W + j * sw];
  }
  return { data: out, H: rows, W: cols };
}

/** Hatch the padding cells (diagonal lines) and write each cell's number, so padding is not told by colour only. */
function annotate(panel, values, H, W, isPadding) {
  const s = panel.scale;
  const ctx = panel.canvas.getContext("2d");
  // numbers drawn into the canvas: shrunk to a phone's width they must be resampled smoothly
  // (a pixelated shrink drops rows and columns of each digit's pixels)
  panel.canvas.style.imageRendering = "auto";
  ctx.save();
  ctx.font = `${Math.min(Math.floor(s * 0.8), Math.max(panel.fontPx(12), Math.floor(s * 0.5)))}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const x = c * s;
      const y = r * s;
      if (isPadding(r, c)) {
        ctx.fillStyle = "#f2f2f2"; // light, hatched: padding is not "the darkest pixel"
        ctx.fillRect(x, y, s, s);
        ctx.strokeStyle = "#aaa";
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (let d = -s; d < s; d += Math.max(4, s / 3)) {
          ctx.moveTo(x + Math.max(0, d), y + Math.max(0, -d));
          ctx.lineTo(x + Math.min(s, s + d), y + Math.min(s, s - d));
        }
        ctx.stroke();
      }
      ctx.strokeStyle = "#ccc";
      ctx.strokeRect(x + 0.5, y + 0.5, s - 1, s - 1);
      const v = values[r * W + c];
      ctx.fillStyle = v > 0.5 * panel.hi ? "#000" : "#fff";
      if (isPadding(r, c)) ctx.fillStyle = "#222";
      if (s >= 10) ctx.fillText(String(v), x + s / 2, y + s / 2);
    }
  }
  ctx.restore();
}

export default {
  render({ model, el }) {
    const root = explorerRoot(el, "padding", "Padding and stride explorer", model);
    const [H, W] = model.get("grid_shape");
    const x = Float64Array.from(model.get("grid"));
    const controls = controlsBox(root);
    const ranges = model.get("ranges");
    const lengths = model.get("output_lengths");
    const specs = [
      ["p_h", "padding p_h"],
      ["p_w", "padding p_w"],
      ["s_h", "stride s_h"],
      ["s_w", "stride s_w"],
      ["k", "kernel size k"],
      ["out_row", "output row i"],
      ["out_col", "output col j"],
    ];
    const sliders = {};
    for (const [trait, label] of specs) {
      const [min, max] = ranges[trait];
      sliders[trait] = bindTrait(model, trait, slider, { label, min, max, step: 1 });
      controls.appendChild(sliders[trait].element);
    }

    const panels = panelsBox(root);
    const inputPanel = canvasPanel(panels, { title: "zero-padded input" });
    const outputPanel = canvasPanel(panels, { title: "output", main: true });
    const readout = element("p", "convlayer-readout", root);
    readout.setAttribute("aria-live", "polite");
    let xMax = 1;
    for (const v of x) xMax = Math.max(xMax, v);

    const redraw = () => {
      const [ph, pw, sh, sw, k] = ["p_h", "p_w", "s_h", "s_w", "k"].map((t) => model.get(t));
      // no output at all when the kernel fits along one axis only (as output_size() in Python)
      const fits = lengths.rows[ph][sh - 1][k - 1] > 0 && lengths.cols[pw][sw - 1][k - 1] > 0;
      const rows = fits ? lengths.rows[ph][sh - 1][k - 1] : 0;
      const cols = fits ? lengths.cols[pw][sw - 1][k - 1] : 0;
      // The output-pixel sliders reach only the current output.
      for (const [trait, n] of [["out_row", rows], ["out_col", cols]]) {
        sliders[trait].input.max = String(Math.max(0, n - 1));
        sliders[trait].setValue(Math.min(model.get(trait), Math.max(0, n - 1)));
      }
      const i = Math.min(model.get("out_row"), Math.max(0, rows - 1));
      const j = Math.min(model.get("out_col"), Math.max(0, cols - 1));
      const padded = pad2d(x, H, W, ph, ph, pw, pw);
      const ones = new Float64Array(k * k).fill(1);
      const output = rows === 0 ? { data: new Float64Array(0), H: 0, W: 0 } : strided(corr2dValid(padded.data, padded.H, padded.W, ones, k, k), sh, sw, rows, cols);
      const window = [i * sh, j * sw, i * sh + k - 1, j * sw + k - 1];
      const value = rows === 0 ? 0 : output.data[i * cols + j];

      const isPadding = (r, c) => r < ph || r >= ph + H || c < pw || c >= pw + W;
      inputPanel.hi = xMax;
      inputPanel.draw(greyRGBA(padded.data, 0, xMax), padded.H, padded.W);
      annotate(inputPanel, padded.data, padded.H, padded.W, isPadding);
      inputPanel.legend({ kind: "grey", lo: 0, hi: xMax, text: "hatched: padding 0" });
      if (rows > 0) inputPanel.outline(window[0], window[1], window[2], window[3], WINDOW_COLOUR);
      inputPanel.caption.textContent = `input x (${H} x ${W}) with p_h = ${ph}, p_w = ${pw} zero rows/columns (hatched) on each side`;
      inputPanel.describe(
        `Padded input, ${padded.H} by ${padded.W}: the ${H} by ${W} image with ${ph} hatched zero rows above and below ` +
          `and ${pw} hatched zero columns left and right. Window of output (${i}, ${j}) outlined: padded rows ${window[0]} ` +
          `to ${window[2]}, columns ${window[1]} to ${window[3]}.`,
      );
      if (rows > 0) {
        let oMax = 1;
        for (const v of output.data) oMax = Math.max(oMax, v);
        outputPanel.hi = oMax;
        outputPanel.draw(greyRGBA(output.data, 0, oMax), rows, cols);
        annotate(outputPanel, output.data, rows, cols, () => false);
        outputPanel.legend({ kind: "grey", lo: 0, hi: oMax });
        outputPanel.outline(i, j, i, j, WINDOW_COLOUR);
      }
      outputPanel.caption.textContent = `output: ${rows} x ${cols} window sums (all-ones ${k} x ${k} kernel)`;
      outputPanel.describe(`Output, ${rows} by ${cols}; pixel (${i}, ${j}) outlined, value ${value}.`);
      readout.textContent =
        `Output size \u230a(H \u2212 k_h + 2p_h + s_h)/s_h\u230b \u00d7 \u230a(W \u2212 k_w + 2p_w + s_w)/s_w\u230b = ` +
        `\u230a(${H} \u2212 ${k} + 2\u00b7${ph} + ${sh})/${sh}\u230b \u00d7 \u230a(${W} \u2212 ${k} + 2\u00b7${pw} + ${sw})/${sw}\u230b = ` +
        `${rows} \u00d7 ${cols}. Multiply-adds: ${rows} \u00b7 ${cols} \u00b7 ${k}\u00b7${k} = ${rows * cols * k * k}. ` +
        `Output (${i}, ${j}) = ${value}, the sum of padded rows ${window[0]}\u2013${window[2]}, columns ${window[1]}\u2013${window[3]}.`;
      publishFrame(root, {
        output,
        shape: { data: Float64Array.of(rows, cols), H: 1, W: 2 },
        madds: { data: Float64Array.of(rows * cols * k * k), H: 1, W: 1 },
        window: { data: Float64Array.from(window), H: 1, W: 4 },
      });
    };
    const stop = listen(model, ["p_h", "p_w", "s_h", "s_w", "k", "out_row", "out_col"], coalesced(redraw));
    redraw();
    return stop;
  },
};
