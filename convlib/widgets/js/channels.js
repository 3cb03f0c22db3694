// convlayer, chapter 4: the channel explorer of "Channels"
// (convlib/widgets/js/channels.js, appended to common.js by Python;
// Python: convlib.widgets.channels.ChannelExplorer).
//
// Two parts on one RGB photo x[i, j, c] (shipped once as uint8, used as u8 / 255):
// - the 1 x 1 channel mixer, h[i, j] = sum_c K[0, 0, c, 0] x[i, j, c], with the
//   three weights (w_R, w_G, w_B) set in common.js's kernel editor (a 1 x 3
//   grid of cells and one slider for the selected weight) or by a preset;
// - the multi-output view: output channel k of a fixed 3 x 3 layer from RGB to
//   six channels, its kernel slices K[:, :, c, k] and its feature map
//   h[:, :, k] = sum_{a, b, c} K[a, b, c, k] x[i + a, j + b, c].
// publishFrame() exposes the numbers ("mixed", "kernel", "feature_map") for the
// browser tests, which compare them with ChannelExplorer.reference_frame().

const CHANNELS_STYLE = `
.convlayer-channel-parts {
  display: flex;
  flex-wrap: wrap;
  gap: 0.5rem 2rem;
}
.convlayer-channel-part {
  flex: 1 1 18rem;
  min-width: 0;
}
.convlayer-channel-part .convlayer-panel {
  flex-basis: 8.5rem; /* the mixer's input and output side by side */
  max-width: 12rem; /* and the feature map the same size as they are */
}
.convlayer-part-title {
  font-weight: bold;
  margin: 0.25rem 0;
}
.convlayer-slices {
  display: flex;
  flex-wrap: wrap;
  gap: 0.5rem 1rem;
  margin: 0.25rem 0 0.5rem;
}
.convlayer-slice {
  border-collapse: collapse;
  font-variant-numeric: tabular-nums;
  font-size: 13px;
}
.convlayer-slice caption {
  caption-side: top;
  text-align: left;
  padding-bottom: 0.15rem;
}
.convlayer-slice td {
  border: 1px solid var(--cl-border);
  min-width: 3.2em;
  text-align: right;
  padding: 0.05em 0.3em;
}
`;

const CHANNEL_NAMES = ["R", "G", "B"];

/** A weight as text with 3 significant digits ("0.299", "-1", "0", "0.333"). */
const formatWeight = (v) => formatNumber(v, 3);

/** The RGB photo: its bytes for drawing and its channels as float64 (u8 / 255), channels last. */
function rgbImage(model) {
  const bytes = bytesOf(model.get("pixels"));
  const [H, W, C] = model.get("pixels_shape");
  const data = new Float64Array(H * W * C);
  for (let p = 0; p < data.length; p++) data[p] = bytes[p] / 255;
  const rgba = new Uint8ClampedArray(H * W * 4);
  for (let p = 0; p < H * W; p++) {
    for (let c = 0; c < 3; c++) rgba[4 * p + c] = bytes[p * C + c];
    rgba[4 * p + 3] = 255;
  }
  return { data, rgba, H, W, C };
}

/** 1 x 1 convolution from C channels to one: h[i, j] = sum_c w[c] x[i, j, c] (c in order, as convlib's sum). */
function mixChannels(x, weights) {
  const out = new Float64Array(x.H * x.W);
  for (let p = 0; p < out.length; p++) {
    let s = x.data[p * x.C] * weights[0];
    for (let c = 1; c < x.C; c++) s += x.data[p * x.C + c] * weights[c];
    out[p] = s;
  }
  return { data: out, H: x.H, W: x.W };
}

/**
 * Valid multi-input cross-correlation with one kernel K[a, b, c] (row-major, shape kh x kw x C):
 * h[i, j] = sum_{a, b, c} K[a, b, c] x[i + a, j + b, c], taps in row-major order of K.
 */
function corr2dMultiIn(x, k, kh, kw) {
  const Ho = x.H - kh + 1;
  const Wo = x.W - kw + 1;
  const C = x.C;
  const out = new Float64Array(Ho * Wo);
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      let s = 0;
      for (let a = 0; a < kh; a++) {
        const row = ((i + a) * x.W + j) * C;
        for (let t = 0; t < kw * C; t++) s += x.data[row + t] * k[a * kw * C + t];
      }
      out[i * Wo + j] = s;
    }
  }
  return { data: out, H: Ho, W: Wo };
}

/** Kernel slice K[:, :, :, k] of the layer (flat, row-major (k_h, k_w, C_in, C_out)) as (k_h, k_w, C_in). */
function kernelSlice(layer, shape, k) {
  const [kh, kw, cin, cout] = shape;
  const out = new Float64Array(kh * kw * cin);
  for (let t = 0; t < out.length; t++) out[t] = layer[t * cout + k];
  return out;
}

/** Three small tables K[:, :, c, k], one per input channel c. */
function sliceTables(parent, kh, kw) {
  const box = element("div", "convlayer-slices", parent);
  return CHANNEL_NAMES.map(() => {
    const table = element("table", "convlayer-slice", box);
    const caption = element("caption", "", table);
    const body = element("tbody", "", table);
    const cells = [];
    for (let a = 0; a < kh; a++) {
      const tr = element("tr", "", body);
      for (let b = 0; b < kw; b++) cells.push(element("td", "", tr));
    }
    return { caption, cells };
  });
}

function renderChannels(model, el) {
  const root = explorerRoot(el, "channels", "Channel mixer and output channels", model);
  element("style", "", root).textContent = CHANNELS_STYLE;
  const x = rgbImage(model);
  const shape = model.get("layer_shape");
  const [kh, kw, cin] = shape;
  const limit = model.get("weight_range");

  const parts = element("div", "convlayer-channel-parts", root);

  // -- left: the 1 x 1 mixer ---------------------------------------------------
  const mixerPart = element("div", "convlayer-channel-part", parts);
  element("p", "convlayer-part-title", mixerPart).textContent = "1×1 channel mixer";
  const mixerControls = controlsBox(mixerPart);
  const presets = model.get("presets");
  // the last weights set by hand: choosing "custom" after a preset brings them back
  let customWeights = model.get("preset") === "custom" ? model.get("weights").slice() : null;
  const preset = select({
    label: "mixer preset",
    options: [...Object.keys(presets), "custom"].map((name) => ({ value: name, text: name })),
    value: model.get("preset"),
    onInput: (name) => {
      const weights = presets[name] || customWeights || model.get("weights");
      model.set({ preset: presets[name] ? name : "custom", weights: weights.slice() });
      model.save_changes();
    },
  });
  mixerControls.appendChild(preset.element);
  const editor = kernelEditor({
    label: "mixer weights K[0, 0, c, 0]",
    rows: 1,
    cols: 3,
    weights: model.get("weights").slice(0, 3),
    min: -limit,
    max: limit,
    cellName: (a, b) => `weight of ${CHANNEL_NAMES[b]}`,
    colNames: CHANNEL_NAMES,
    rowNames: [""],
    minStep: 0.05, // one step changes a channel's share by 13 of 255 grey levels: visible
    onInput: ({ weights }) => {
      const match = Object.keys(presets).find((p) => presets[p].every((w, d) => w === weights[d]));
      if (!match) customWeights = weights;
      model.set({ weights, preset: match || "custom" });
      model.save_changes();
    },
  });
  mixerPart.appendChild(editor.element);
  let editorPreset = model.get("preset");
  const mixerPanels = panelsBox(mixerPart);
  const inputPanel = canvasPanel(mixerPanels, { title: "input x (RGB)" });
  const mixedPanel = canvasPanel(mixerPanels, { title: "mixer output", main: true });

  // -- right: one output channel of the 3 -> 6 layer ----------------------------
  const layerPart = element("div", "convlayer-channel-part", parts);
  element("p", "convlayer-part-title", layerPart).textContent = `3→${shape[3]} layer, ${kh}×${kw} kernels`;
  const layerControls = controlsBox(layerPart);
  const names = model.get("channel_names");
  const channel = bindTrait(model, "channel", select, {
    label: "output channel k",
    options: names.map((name, k) => ({ value: k, text: `${k}: ${name}` })),
  });
  layerControls.appendChild(channel.element);
  const tables = sliceTables(layerPart, kh, kw);
  const layerPanels = panelsBox(layerPart);
  const mapPanel = canvasPanel(layerPanels, { title: "feature map" });
  const readout = element("p", "convlayer-readout", root);

  inputPanel.draw(x.rgba, x.H, x.W);
  inputPanel.legend({ kind: "rgb", text: "R, G, B" });
  inputPanel.describe(`input x: the RGB photo, ${x.H} by ${x.W} pixels, 3 channels`);

  let lastChannel = -1;
  let feature = null;
  let kernel = null;

  function redraw() {
    const weights = model.get("weights").slice(0, 3);
    const k = Math.min(names.length - 1, Math.max(0, Math.round(model.get("channel"))));
    preset.setValue(model.get("preset"));
    const presetNow = model.get("preset");
    editor.setValue({ rows: 1, cols: 3, weights }, presetNow !== editorPreset && presetNow !== "custom");
    editorPreset = presetNow;
    channel.setValue(k);

    // mixer
    const mixed = mixChannels(x, weights);
    const mixedColours = signedOrGreyRGBA(mixed.data, 0.99, formatWeight);
    mixedPanel.draw(mixedColours.rgba, mixed.H, mixed.W);
    mixedPanel.legend(mixedColours.legend);
    const formula = weights.map((w, c) => `${formatWeight(w)}·${CHANNEL_NAMES[c]}`).join(" + ").replace(/\+ -/g, "− ");
    mixedPanel.caption.textContent = `1×1: h = ${formula}`;
    mixedPanel.describe(`mixer output h = ${formula}, ${mixed.H} by ${mixed.W}, ${mixedColours.text}`);

    // output channel k (recomputed only when k changes)
    if (k !== lastChannel) {
      kernel = kernelSlice(model.get("layer"), shape, k);
      feature = corr2dMultiIn(x, kernel, kh, kw);
      lastChannel = k;
      const mapColours = signedOrGreyRGBA(feature.data, 0.99, formatWeight);
      mapPanel.draw(mapColours.rgba, feature.H, feature.W);
      mapPanel.legend(mapColours.legend);
      mapPanel.caption.textContent = `h[:, :, ${k}]: ${names[k]}`;
      mapPanel.describe(`feature map h[:, :, ${k}] (${names[k]}), ${feature.H} by ${feature.W}, ${mapColours.text}`);
      tables.forEach((table, c) => {
        table.caption.textContent = `K[:, :, ${CHANNEL_NAMES[c]}, ${k}]`;
        table.cells.forEach((td, t) => (td.textContent = formatWeight(kernel[t * cin + c])));
      });
    }

    readout.textContent =
      `mixer: kernel shape (1, 1, 3, 1), h[i, j] = ${formula} at every pixel. ` +
      `Layer: kernel shape (${shape.join(", ")}); output channel ${k} (${names[k]}) sums ` +
      `${kh}×${kw}×${cin} = ${kh * kw * cin} weights per pixel.`;

    publishFrame(root, {
      mixed,
      kernel: { data: kernel, H: kh * kw, W: cin },
      feature_map: feature,
    });
  }

  const stop = listen(model, ["preset", "weights", "channel"], coalesced(redraw));
  redraw();
  return stop;
}

export default {
  render({ model, el }) {
    return renderChannels(model, el);
  },
};
