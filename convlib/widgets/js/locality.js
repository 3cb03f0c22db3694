// convlayer, chapter 2 (locality): the window explorer (convlib/widgets/locality.py).
//
// State (Python traits): delta, max_delta, the output pixel (row, col) and the
// image as uint8. Each frame: the (2 Delta + 1)^2 box blur
// h = corr2d(x, V, "same") with V[a, b] = 1 / (2 Delta + 1)^2, the window of
// h[row, col] on the input, h[row, col] itself and the three weight counts:
// the same numbers as convlib.widgets.locality.locality_frame.

/** Box-blur kernel of side n, every weight 1 / n^2 (convlib.box_kernel). */
function boxKernel(n) {
  return new Float64Array(n * n).fill(1 / (n * n));
}

/** Weight counts of one layer on an H x W image (convlib.param_counts, one channel in and out). */
function paramCounts(H, W, delta) {
  return {
    "fully connected": (H * W) ** 2,
    "translation invariant": (2 * H - 1) * (2 * W - 1),
    local: (2 * delta + 1) ** 2,
  };
}

const COUNT_LABELS = [
  ["fully connected", "fully connected (HW)\u00b2"],
  ["translation invariant", "translation invariant (2H\u22121)(2W\u22121)"],
  ["local", "local (2\u0394+1)\u00b2"],
];

/** Three labelled bars on a log scale, with the exact numbers written out. */
function countBars(parent) {
  const box = element("div", "convlayer-counts", parent);
  const heading = element("p", "convlayer-caption", box);
  heading.textContent = "weights of one layer (bars on a log scale)";
  const rows = COUNT_LABELS.map(([key, label]) => {
    const row = element("div", "convlayer-count", box);
    element("span", "convlayer-count-label", row).textContent = label;
    const track = element("span", "convlayer-count-track", row);
    track.setAttribute("aria-hidden", "true");
    const bar = element("span", "convlayer-count-bar", track);
    const number = element("span", "convlayer-count-number", row);
    return { key, bar, number };
  });
  return (counts) => {
    const top = Math.log10(counts["fully connected"] + 1);
    for (const { key, bar, number } of rows) {
      bar.style.width = `${Math.max(1, (100 * Math.log10(counts[key] + 1)) / top).toFixed(1)}%`;
      number.textContent = counts[key].toLocaleString("en-US");
    }
  };
}

export default {
  render({ model, el }) {
    const root = explorerRoot(el, "locality", "Locality explorer", model);
    const image = imageFromBytes(model.get("image"), model.get("image_shape"));
    const controls = controlsBox(root);
    const specs = [
      ["delta", { label: "\u0394", min: 0, max: model.get("max_delta"), step: 1, pageStep: 2 }],
      ["row", { label: "row i", min: 0, max: image.H - 1, step: 1, pageStep: 8 }],
      ["col", { label: "col j", min: 0, max: image.W - 1, step: 1, pageStep: 8 }],
    ];
    for (const [trait, options] of specs) controls.appendChild(bindTrait(model, trait, slider, options).element);

    const panels = panelsBox(root);
    const inputPanel = canvasPanel(panels, { title: "input x and the window of h[i, j]" });
    const outputPanel = canvasPanel(panels, { title: "output h: box blur", main: true });
    const showCounts = countBars(panels);
    const readout = element("p", "convlayer-readout", root);
    readout.setAttribute("aria-live", "polite");

    let lo = Infinity;
    let hi = -Infinity;
    for (const v of image.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }

    const redraw = () => {
      const delta = model.get("delta");
      const i = model.get("row");
      const j = model.get("col");
      const side = 2 * delta + 1;
      const h = correlate2d(image.data, image.H, image.W, boxKernel(side), side, side, "same");
      const value = h.data[i * h.W + j];
      const window = [i - delta, j - delta, i + delta, j + delta];
      const counts = paramCounts(image.H, image.W, delta);

      inputPanel.draw(greyRGBA(image.data, lo, hi), image.H, image.W);
      inputPanel.outline(window[0], window[1], window[2], window[3]);
      inputPanel.legend({ kind: "grey", lo, hi });
      inputPanel.describe(
        `Input x, ${image.H} by ${image.W}, with the ${side} by ${side} window of rows ${window[0]} to ${window[2]} ` +
          `and columns ${window[1]} to ${window[3]} outlined.`,
      );
      outputPanel.draw(greyRGBA(h.data, lo, hi), h.H, h.W);
      outputPanel.marker(i, j);
      outputPanel.legend({ kind: "grey", lo, hi });
      outputPanel.caption.textContent = `output h: ${side} x ${side} box blur (\u0394 = ${delta})`;
      outputPanel.describe(`Output h, a ${side} by ${side} box blur; pixel (${i}, ${j}) is marked, h[${i}, ${j}] = ${value.toFixed(3)}.`);
      showCounts(counts);
      readout.textContent =
        `\u0394 = ${delta}: h[${i}, ${j}] = ${value.toFixed(3)}, the mean of a ${side} x ${side} window ` +
        `(${side * side} input pixels). Weights for this ${image.H} x ${image.W} image: local ${counts.local.toLocaleString("en-US")}, ` +
        `translation invariant ${counts["translation invariant"].toLocaleString("en-US")}, ` +
        `fully connected ${counts["fully connected"].toLocaleString("en-US")}.`;
      publishFrame(root, {
        output: h,
        value: { data: Float64Array.of(value), H: 1, W: 1 },
        window: { data: Float64Array.from(window), H: 1, W: 4 },
        params: { data: Float64Array.of(counts["fully connected"], counts["translation invariant"], counts.local), H: 1, W: 3 },
      });
    };
    const stop = listen(model, ["delta", "row", "col"], redraw);
    redraw();
    return stop;
  },
};
