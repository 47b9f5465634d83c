/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The playground page: the state (from and to the URL), the controls, the
 * preview worker, and the page's status for automation —
 * `document.body.dataset.status` is `"done"` once the current state's result
 * is drawn on `#output`, `"error"` (with `data-error`) when it cannot be, and
 * `"loading"`/`"running"` before.
 *
 * @module
 */

import {
  coerceParam,
  FilterError,
  Image,
  type ImageFormat,
  imageFormats,
  type ParamSpec,
  registry,
  resolveParams,
} from "../mod.ts";
import { byId, h } from "./dom.ts";
import { encodeDownload, type Impulse, toRGBA, viewImage } from "./engine.ts";
import { buildForm, type Form } from "./form.ts";
import { acceptFiles, acceptList, Images } from "./images.ts";
import { renderLab } from "./lab.ts";
import { dataPanel, examplePrefill, filterList, stepsList } from "./panels.ts";
import { type LoadedPlugin, loadPlugin } from "./plugins.ts";
import type { WireImage, WireStep } from "./protocol.ts";
import { Cancelled, Runner } from "./runner.ts";
import {
  cloneState,
  formatCrop,
  formatQuery,
  parseCrop,
  parseQuery,
  type State,
  type Step,
} from "./state.ts";
import { Viewer } from "./view.ts";
import { commandContext, loadExampleIndex, renderCommands } from "./share.ts";

const workerUrl = new URL("./worker.js", import.meta.url);
const images = new Images();
const viewer = new Viewer();
const preview = new Runner(workerUrl);
const labRunner = new Runner(workerUrl);

let state: State = parseQuery(location.search);
let selected = 0;
let input: Image | undefined;
let inputRef: string | undefined;
let generation = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let labTimer: ReturnType<typeof setTimeout> | undefined;
let form: Form | undefined;
let formKey = "";
let result: { image?: Image; data: unknown[]; ms: number } | undefined;
let firstDone = true;
const plugins = new Map<string, LoadedPlugin>();

/** Plugin URLs as the workers import them: absolute. */
const absolute = (url: string) => new URL(url, location.href).href;

function setStatus(status: "loading" | "running" | "done" | "error", error?: string): void {
  document.body.dataset.status = status;
  if (error === undefined) delete document.body.dataset.error;
  else document.body.dataset.error = error;
  const line = byId("status");
  line.className = `status ${status}`;
  if (status === "error") line.textContent = error ?? "error";
  if (status === "done" && firstDone) {
    firstDone = false;
    document.body.dataset.firstDoneMs = performance.now().toFixed(0);
  }
}

function writeUrl(): void {
  history.replaceState(null, "", `?${formatQuery(state)}`);
}

function specsOf(filter: string): Readonly<Record<string, ParamSpec>> | undefined {
  return registry.has(filter)
    ? registry.get(filter).params as Record<string, ParamSpec>
    : undefined;
}

/** The library's errors for a step's values, by parameter ("" for one about no parameter). */
function stepErrors(step: Step): Record<string, string> {
  const errors: Record<string, string> = {};
  let specs;
  try {
    specs = registry.get(step.filter).params as Record<string, ParamSpec>;
  } catch (e) {
    return { "": (e as Error).message };
  }
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(step.params)) {
    const spec = specs[name];
    if (spec?.type === "image") {
      values[name] = Image.zeros(1, 1); // checked when it is loaded
      continue;
    }
    values[name] = value;
    if (!spec) continue;
    try {
      coerceParam(step.filter, name, spec, value);
    } catch (e) {
      errors[name] = (e as Error).message;
    }
  }
  if (Object.keys(errors).length === 0) {
    try {
      resolveParams(step.filter, specs, values);
    } catch (e) {
      const msg = (e as Error).message;
      const name = Object.keys(specs).find((n) => msg.startsWith(`${step.filter}: ${n} `));
      errors[name ?? ""] = msg;
    }
  }
  return errors;
}

/** A run's error, attached to the field it names when it names one. */
function placeError(message: string): { step: number; param?: string } {
  const m = /^(?:pipeline step (\d+) \([^)]*\): )?([a-z0-9-]+): ([a-zA-Z][a-zA-Z0-9]*) /.exec(
    message,
  );
  const step = m?.[1] ? Number(m[1]) - 1 : 0;
  const specs = state.steps[step] && specsOf(state.steps[step].filter);
  return { step, param: m && specs && m[3] in specs ? m[3] : undefined };
}

function wire(img: Image): WireImage {
  return { width: img.width, height: img.height, channels: img.channels, data: img.data };
}

/** A step with its image parameters loaded (samples, crops of the input, files). */
async function resolveStep(step: Step): Promise<WireStep> {
  const specs = specsOf(step.filter) ?? {};
  const params: WireStep["params"] = {};
  for (const [name, value] of Object.entries(step.params)) {
    if (specs[name]?.type !== "image") {
      params[name] = value;
      continue;
    }
    const crop = parseCrop(value);
    try {
      params[name] = wire(
        crop ? input!.crop(crop.x, crop.y, crop.width, crop.height) : await images.get(value),
      );
    } catch (e) {
      throw new FilterError("INVALID_PARAM", `${step.filter}: ${name} ${(e as Error).message}`);
    }
  }
  return { filter: step.filter, params };
}

function showFieldErrors(all: Record<string, string>[]): void {
  form?.showErrors(all[selected] ?? {});
  renderSteps(all.map((e) => Object.values(e)[0]));
}

/** Validates and runs the current state in the worker (cancelling a run under way). */
async function run(): Promise<void> {
  const gen = generation;
  if (!input) return;
  const all = state.steps.map(stepErrors);
  showFieldErrors(all);
  const first = all.findIndex((e) => Object.keys(e).length > 0);
  if (first >= 0) {
    setStatus("error", Object.values(all[first])[0]);
    return;
  }
  let steps: WireStep[];
  try {
    steps = await Promise.all(state.steps.map(resolveStep));
  } catch (e) {
    if (gen === generation) fail((e as Error).message);
    return;
  }
  if (gen !== generation) return;
  const progress = byId<HTMLProgressElement>("progress");
  const started = performance.now();
  const tick = setInterval(() => {
    byId("time").textContent = `running… ${((performance.now() - started) / 1000).toFixed(1)} s`;
  }, 200);
  progress.removeAttribute("value");
  document.body.classList.add("busy");
  try {
    const answer = await preview.run(
      { type: "run", plugins: state.plugins.map(absolute), image: wire(input), steps },
      (f) => (progress.value = f),
    );
    if (answer.type !== "result" || gen !== generation) return;
    const image = answer.image &&
      new Image(answer.image.width, answer.image.height, answer.image.channels, answer.image.data);
    result = { image, data: answer.data, ms: answer.ms };
    viewer.setOutput(image, answer.rgba);
    showData();
    byId("time").textContent = state.steps.length === 0
      ? "no filter: the image as it is"
      : `${answer.ms.toFixed(1)} ms in the worker` +
        (image ? ` · ${image.width}×${image.height}×${image.channels} ${image.dtype}` : "");
    setStatus("done");
    byId("status").textContent = "done";
    renderShare();
  } catch (e) {
    if (e instanceof Cancelled) return;
    if (gen === generation) fail((e as Error).message);
  } finally {
    clearInterval(tick);
    if (!preview.busy) document.body.classList.remove("busy"); // a newer run keeps its bar
  }
}

function fail(message: string): void {
  const at = placeError(message);
  if (at.param && at.step === selected) form?.showErrors({ [at.param]: message });
  setStatus("error", message);
}

function schedule(delay = 0): void {
  generation++;
  setStatus(input ? "running" : "loading");
  byId("status").textContent = "running";
  clearTimeout(timer);
  timer = setTimeout(() => void run(), delay);
}

function showData(): void {
  const box = byId("data");
  box.replaceChildren();
  const last = state.steps.length - 1;
  const data = result?.data[last];
  const step = state.steps[last];
  let template: { width: number; height: number } | undefined;
  const t = step?.params.template;
  if (t !== undefined) {
    const crop = parseCrop(t);
    template = crop ?? undefined;
    if (!crop) {
      images.get(t).then(
        (img) => viewer.setBoxes(dataPanel(step.filter, data, img).boxes),
        () => {},
      );
    }
  }
  const panel = step ? dataPanel(step.filter, data, template) : { boxes: [] };
  if (panel.element) box.append(panel.element);
  viewer.setBoxes(panel.boxes);
}

/** Pipeline steps, the filter list, the form and the lab for the state. */
function renderControls(): void {
  selected = Math.min(selected, Math.max(0, state.steps.length - 1));
  renderSteps([]);
  const step = state.steps[selected];
  byId("filters").replaceChildren(filterList(step?.filter, chooseFilter));
  const key = `${selected}|${step?.filter}|${
    JSON.stringify(step?.params)
  }|${registry.names().length}`;
  if (key !== formKey) rebuildForm();
  renderLabSoon(0);
  renderShare();
  byId<HTMLSelectElement>("view").value = state.view;
  viewer.setMode(state.view);
  const sample = images.sample(state.image);
  byId<HTMLSelectElement>("sample").value = sample ? sample.name : "";
  const foreign = [
    ...new Set(
      state.plugins.map((p) => new URL(p, location.href).origin)
        .filter((o) => o !== location.origin),
    ),
  ];
  byId("notice").textContent = [
    state.ignored.length
      ? `ignored in the link: ${state.ignored.join(", ")} (global keys go before the first filter).`
      : "",
    foreign.length ? `This page runs plugin code from ${foreign.join(", ")}.` : "",
  ].join(" ").trim();
}

function renderSteps(errors: (string | undefined)[]): void {
  byId("steps").replaceChildren(stepsList(state.steps, selected, errors, {
    select: (i) => {
      selected = i;
      renderControls();
    },
    remove: (i) => edit((s) => s.steps.splice(i, 1)),
    up: (i) => edit((s) => s.steps.splice(i - 1, 0, ...s.steps.splice(i, 1)), i - 1),
    add: () => edit((s) => s.steps.splice(selected + 1, 0, newStep("gaussian")), selected + 1),
  }));
}

function rebuildForm(): void {
  const step = state.steps[selected];
  const box = byId("params");
  formKey = `${selected}|${step?.filter}|${
    JSON.stringify(step?.params)
  }|${registry.names().length}`;
  if (!step || !specsOf(step.filter)) {
    form = undefined;
    box.replaceChildren(
      h("p", {
        class: "hint",
        text: step ? `no filter named ${step.filter}` : "No step: pick a filter.",
      }),
    );
    return;
  }
  byId("summary").textContent = registry.get(step.filter).summary;
  form = buildForm({
    filter: step.filter,
    specs: specsOf(step.filter)!,
    values: step.params,
    samples: images.samples.map((s) => s.name),
    accept: acceptList(),
    change: (name, value) => setParam(name, value, false),
    reset: (name) => setParam(name, undefined, true),
    pickPoint: (name) => viewer.pickPoint((x, y) => setParam(name, `${x},${y}`, true)),
    pickCrop: (name) => viewer.pickCrop((c) => setParam(name, formatCrop(c), true)),
    openFile: (name, file) => {
      images.addFile(file).then(
        (key) => setParam(name, key, true),
        (e) => setStatus("error", (e as Error).message),
      );
    },
  });
  box.replaceChildren(form.element);
}

function renderLabSoon(delay = 150): void {
  clearTimeout(labTimer);
  labTimer = setTimeout(() => {
    renderLab(byId("lab-body"), {
      step: state.steps[selected],
      setFilter: (filter, params) => {
        if (state.steps.length === 0) {
          edit((s) => s.steps.push({ filter, params: { ...params } }), 0);
        } else {
          edit((s) => {
            const old = s.steps[selected], specs = specsOf(filter) ?? {};
            const kept = Object.fromEntries(Object.entries(old.params).filter(([k]) => k in specs));
            s.steps[selected] = { filter, params: { ...kept, ...params } };
          });
        }
      },
      setParam: (name, value) => setParam(name, value, true),
      impulse: async (step): Promise<Impulse> => {
        const answer = await labRunner.run({
          type: "impulse",
          plugins: state.plugins.map(absolute),
          step: await resolveStep(step),
          size: 15,
        });
        if (answer.type !== "impulse") throw new Error("unexpected answer");
        return answer;
      },
    });
  }, delay);
}

function renderShare(): void {
  const fmt = byId<HTMLSelectElement>("format").value as ImageFormat;
  renderCommands(
    byId("share"),
    state,
    commandContext(state, fmt, result?.image, images, plugins),
    input,
  );
}

/** Changes the state by a copy, then renders and runs it. */
function edit(change: (s: State) => void, select?: number): void {
  const next = cloneState(state);
  change(next);
  state = next;
  if (select !== undefined) selected = select;
  writeUrl();
  renderControls();
  schedule();
}

function setParam(name: string, value: string | undefined, rebuild: boolean): void {
  const step = state.steps[selected];
  if (!step) return;
  if (value === undefined) delete step.params[name];
  else step.params[name] = value;
  writeUrl();
  if (rebuild) renderControls();
  else {formKey = `${selected}|${step.filter}|${
      JSON.stringify(step.params)
    }|${registry.names().length}`;}
  renderLabSoon();
  renderShare();
  schedule(120);
}

function newStep(filter: string): Step {
  const params = examplePrefill(registry.get(filter));
  const specs = specsOf(filter)!;
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec.required || params[name] !== undefined) continue;
    if (spec.type === "kernel") params[name] = "box-3";
    if (spec.type === "image" && input && name === "template") {
      const w = Math.max(1, Math.floor(input.width / 8)),
        hh = Math.max(1, Math.floor(input.height / 8));
      params[name] = formatCrop({
        x: Math.floor(input.width / 2),
        y: Math.floor(input.height / 3),
        width: w,
        height: hh,
      });
    }
  }
  return { filter, params };
}

function chooseFilter(name: string): void {
  if (state.steps.length === 0) edit((s) => s.steps.push(newStep(name)), 0);
  else if (state.steps[selected].filter !== name) edit((s) => (s.steps[selected] = newStep(name)));
}

/** Loads the plugins and the image of the state, then renders and runs it. */
async function load(): Promise<void> {
  const gen = ++generation;
  setStatus("loading");
  for (const url of state.plugins) {
    try {
      plugins.set(url, await loadPlugin(absolute(url)));
    } catch (e) {
      setStatus("error", (e as Error).message);
    }
  }
  renderPlugins();
  if (state.image !== inputRef) {
    try {
      const img = await images.get(state.image);
      if (gen !== generation && inputRef !== undefined) return;
      input = img;
      inputRef = state.image;
      viewer.setInput(img, toRGBA(viewImage(img)));
      byId("input-info").textContent =
        `${state.image}: ${img.width}×${img.height}×${img.channels} ${img.dtype}`;
    } catch (e) {
      renderControls();
      setStatus("error", (e as Error).message);
      return;
    }
  }
  renderControls();
  if (document.body.dataset.status !== "error" || state.plugins.every((p) => plugins.has(p))) {
    schedule();
  }
}

function renderPlugins(): void {
  const list = byId("plugin-list");
  list.replaceChildren(...state.plugins.map((url) =>
    h(
      "li",
      {},
      h("code", { text: url }),
      h("span", {
        text: plugins.get(url) ? ` → ${plugins.get(url)!.filters.join(", ")}` : " (not loaded)",
      }),
      h("button", {
        type: "button",
        class: "mini",
        text: "×",
        title: "remove from the link",
        onclick: () => {
          state = cloneState(state);
          state.plugins = state.plugins.filter((p) => p !== url);
          writeUrl();
          void load();
        },
      }),
    )
  ));
}

async function download(): Promise<void> {
  const fmt = byId<HTMLSelectElement>("format").value as ImageFormat;
  if (!result?.image) return;
  try {
    const { bytes } = await encodeDownload(result.image, fmt);
    const ext = imageFormats().find((f) => f.format === fmt)!.extensions[0];
    const name = `${
      state.image.replace(/^file:/, "").replace(/\.[^.]*$/, "").replace(/[^\w-]+/g, "_")
    }-${state.steps.map((s) => s.filter).join("-") || "copy"}${ext}`;
    const a = h("a", {
      href: URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>])),
      download: name,
    });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) {
    byId("status").textContent = (e as Error).message;
  }
}

async function openFile(file: File): Promise<void> {
  try {
    const key = await images.addFile(file);
    state = cloneState(state);
    state.image = key;
    inputRef = undefined;
    writeUrl();
    await load();
  } catch (e) {
    setStatus("error", (e as Error).message);
  }
}

function wire_ui(): void {
  const sample = byId<HTMLSelectElement>("sample");
  sample.append(...images.samples.map((s) => h("option", { value: s.name, text: s.name })));
  sample.addEventListener("change", () => {
    if (!sample.value) return;
    state = cloneState(state);
    state.image = sample.value;
    writeUrl();
    void load();
  });
  const file = byId<HTMLInputElement>("file");
  file.accept = acceptList();
  file.addEventListener("change", () => file.files?.[0] && void openFile(file.files[0]));
  acceptFiles((f) => void openFile(f));
  const format = byId<HTMLSelectElement>("format");
  for (const f of imageFormats().filter((f) => f.write)) {
    format.append(h("option", { value: f.format, text: f.extensions[0] }));
  }
  format.addEventListener("change", renderShare);
  byId("download").addEventListener("click", () => void download());
  byId<HTMLSelectElement>("view").addEventListener("change", (e) => {
    state = cloneState(state);
    state.view = (e.target as HTMLSelectElement).value === "split" ? "split" : "side";
    writeUrl();
    viewer.setMode(state.view);
  });
  byId<HTMLSelectElement>("zoom").addEventListener("change", (e) => {
    const v = (e.target as HTMLSelectElement).value;
    viewer.setZoom(v === "fit" ? "fit" : Number(v));
  });
  byId("cancel").addEventListener("click", () => {
    if (!preview.busy) return;
    preview.cancel();
    byId("time").textContent = "cancelled";
    setStatus("error", "cancelled: change a parameter to run again");
  });
  byId("plugin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const box = byId<HTMLInputElement>("plugin-url");
    const url = box.value.trim();
    if (!url || state.plugins.includes(url)) return;
    state = cloneState(state);
    state.plugins.push(url);
    box.value = "";
    writeUrl();
    void load();
  });
  addEventListener("popstate", () => {
    state = parseQuery(location.search);
    void load();
  });
}

async function boot(): Promise<void> {
  setStatus("loading");
  try {
    await Promise.all([images.init(), loadExampleIndex()]);
  } catch (e) {
    setStatus("error", (e as Error).message);
    return;
  }
  wire_ui();
  writeUrl();
  await load();
}

void boot();
