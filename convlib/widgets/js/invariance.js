// convlayer, chapter 1 (translation invariance): the shift explorer (convlib/widgets/invariance.py).
//
// State (Python traits): row_shift, col_shift, shift_limit, home = [row, col]
// of the plus before any shift, the scene (background with the distractor)
// and the plus pattern as uint8 images. Each frame: paste the plus at
// home + shift, h = corr2d(x, V, "same") with V = the plus, its peak and
// maximum; the same numbers as convlib.widgets.invariance.shift_frame.

/** The scene with the pattern pasted so that its centre pixel lands on `center` (convlib's place_pattern). */
function placePattern(scene, pattern, center) {
  const out = { data: Float64Array.from(scene.data), H: scene.H, W: scene.W };
  const top = center[0] - Math.floor((pattern.H - 1) / 2);
  const left = center[1] - Math.floor((pattern.W - 1) / 2);
  for (let a = 0; a < pattern.H; a++) {
    for (let b = 0; b < pattern.W; b++) {
      const r = top + a;
      const c = left + b;
      if (r >= 0 && r < out.H && c >= 0 && c < out.W) out.data[r * out.W + c] = pattern.data[a * pattern.W + b];
    }
  }
  return out;
}

/** Input x, response h, peak (row, col) and maximum for a shift of the plus. */
function shiftFrame(scene, pattern, home, rowShift, colShift) {
  const center = [home[0] + rowShift, home[1] + colShift];
  const x = placePattern(scene, pattern, center);
  const h = correlate2d(x.data, x.H, x.W, pattern.data, pattern.H, pattern.W, "same");
  const best = argmax(h.data);
  const peak = [Math.floor(best.index / h.W), best.index % h.W];
  return { center, x, h, peak, max: best.value };
}

const fmt = (p) => `(${p[0]}, ${p[1]})`;

export default {
  render({ model, el }) {
    const root = explorerRoot(el, "invariance", "Translation explorer", model);
    const controls = controlsBox(root);
    const limit = model.get("shift_limit");
    for (const [trait, label] of [["row_shift", "row shift"], ["col_shift", "col shift"]]) {
      const control = bindTrait(model, trait, slider, { label, min: 0, max: limit, step: 1, pageStep: 5 });
      controls.appendChild(control.element);
    }
    const panels = panelsBox(root);
    const inputPanel = canvasPanel(panels, { title: "input x: the plus moves, the cross stays" });
    const kernelPanel = canvasPanel(panels, { title: "filter V (7 x 7 plus)" });
    const responsePanel = canvasPanel(panels, { title: "response h = corr2d(x, V, same)", main: true });
    const readout = element("p", "convlayer-readout", root);
    readout.setAttribute("aria-live", "polite");

    const scene = imageFromBytes(model.get("scene"), model.get("scene_shape"));
    const pattern = imageFromBytes(model.get("pattern"), model.get("pattern_shape"));
    const home = model.get("home");
    const homePeak = shiftFrame(scene, pattern, home, 0, 0).peak;
    let top = 0; // sum of |V|: the largest possible response, fixed colour scale
    for (const v of pattern.data) top += Math.abs(v);

    kernelPanel.draw(greyRGBA(pattern.data, 0, 1), pattern.H, pattern.W);
    kernelPanel.legend({ kind: "grey", lo: 0, hi: 1 });
    inputPanel.legend({ kind: "grey", lo: 0, hi: 1 });
    responsePanel.legend({ kind: "grey", lo: 0, hi: top });
    kernelPanel.describe(`Filter V: a ${pattern.H} by ${pattern.W} plus sign of ones on zeros.`);

    const redraw = () => {
      const shift = [model.get("row_shift"), model.get("col_shift")];
      const f = shiftFrame(scene, pattern, home, shift[0], shift[1]);
      const r = Math.floor((pattern.H - 1) / 2);
      inputPanel.draw(greyRGBA(f.x.data, 0, 1), f.x.H, f.x.W);
      inputPanel.outline(f.center[0] - r, f.center[1] - r, f.center[0] + r, f.center[1] + r);
      inputPanel.describe(`Input x, ${f.x.H} by ${f.x.W}: the plus is centred at row ${f.center[0]}, column ${f.center[1]} (outlined); the diagonal cross does not move.`);
      responsePanel.draw(greyRGBA(f.h.data, 0, top), f.h.H, f.h.W);
      responsePanel.marker(f.peak[0], f.peak[1]);
      responsePanel.describe(`Response h: peak at row ${f.peak[0]}, column ${f.peak[1]} (marked), maximum ${f.max.toFixed(2)}.`);
      const out = [f.peak[0] - homePeak[0], f.peak[1] - homePeak[1]];
      const same = out[0] === shift[0] && out[1] === shift[1];
      readout.textContent =
        `shift in ${fmt(shift)} ${same ? "=" : "\u2260"} shift out ${fmt(out)}: the peak of h moved from ${fmt(homePeak)} ` +
        `to ${fmt(f.peak)}. Max response ${f.max.toFixed(2)} (global max pooling: the same for every shift).`;
      publishFrame(root, {
        input: f.x,
        response: f.h,
        peak: { data: Float64Array.from(f.peak), H: 1, W: 2 },
        max: { data: Float64Array.of(f.max), H: 1, W: 1 },
      });
    };
    const stop = listen(model, ["row_shift", "col_shift"], redraw);
    redraw();
    return stop;
  },
};
