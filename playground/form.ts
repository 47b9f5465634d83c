/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The parameter form of one step, generated from its plugin's param specs:
 * numbers and integers as a slider with an exact field, sizes likewise,
 * enums, boundaries and dtypes as selects, booleans as toggles, kernels as
 * an editable grid with presets, image parameters as a second image (a
 * sample, a crop of the input, or a file), points as a click on the image.
 * Each field has a slot for the library's own one-line error.
 *
 * @module
 */

import { BOUNDARY_MODES, describeType, formatDefault, type ParamSpec } from "../mod.ts";
import { h } from "./dom.ts";
import { kernelEditor } from "./kernel_editor.ts";
import { parseCrop } from "./state.ts";

/** What the form needs from the page. */
export interface FormHost {
  /** The filter's name. */
  filter: string;
  /** Its param specs. */
  specs: Readonly<Record<string, ParamSpec>>;
  /** The values set (absent: the default). */
  values: Readonly<Record<string, string>>;
  /** The sample names, for image parameters. */
  samples: readonly string[];
  /** File name extensions the library reads, for file inputs. */
  accept: string;
  /** A value set (`undefined`: back to the default). */
  change(name: string, value: string | undefined): void;
  /** The reset button: back to the default, and the field redrawn. */
  reset(name: string): void;
  /** Start picking a point on the input image for a parameter. */
  pickPoint(name: string): void;
  /** Start dragging a crop rectangle on the input image for a parameter. */
  pickCrop(name: string): void;
  /** A local file chosen for an image parameter. */
  openFile(name: string, file: File): void;
}

/** The form: its element and a way to show each field's error. */
export interface Form {
  /** The form element. */
  element: HTMLElement;
  /** Shows the errors by parameter name (the rest are cleared). */
  showErrors(errors: Readonly<Record<string, string>>): void;
  /** Sets a field's shown value from outside (a picked point or crop). */
  setValue(name: string, value: string): void;
}

/** Slider bounds for a number-like spec: its range where it is a practical one. */
export function sliderRange(spec: ParamSpec): { min: number; max: number; step: number } {
  const integer = spec.type !== "number";
  const def = typeof spec.default === "number"
    ? spec.default
    : Array.isArray(spec.default)
    ? Number(spec.default[0])
    : undefined;
  const practical = def !== undefined && def !== 0 ? Math.max(5 * Math.abs(def), 50) : 50;
  let max = spec.max !== undefined && spec.max <= 100
    ? spec.max
    : Math.min(spec.max ?? Infinity, practical);
  let min = spec.min ?? (def !== undefined && def < 0 ? -max : 0);
  if (spec.odd) {
    if (min % 2 === 0) min += 1;
    if (max % 2 === 0) max -= 1;
  }
  const step = integer ? (spec.odd ? 2 : 1) : 10 ** Math.floor(Math.log10(max - min || 1)) / 100;
  return { min, max, step };
}

function numberField(name: string, spec: ParamSpec, value: string | undefined, host: FormHost) {
  const range = sliderRange(spec);
  const shown = value ?? (spec.default === undefined ? "" : formatDefault(spec.default));
  const slider = h("input", {
    type: "range",
    min: range.min,
    max: range.max,
    step: range.step,
    "aria-label": `${name} slider`,
  });
  const exact = h("input", {
    type: "text",
    class: "exact",
    inputmode: "decimal",
    value: value ?? "",
    placeholder: spec.default === undefined ? "unset" : formatDefault(spec.default),
    "aria-label": name,
    spellcheck: "false",
  });
  const sync = (text: string) => {
    const n = Number(text.split(/[x×,]/i)[0]);
    if (text.trim() === "" || !Number.isFinite(n)) return;
    if (n > Number(slider.max)) slider.max = String(n);
    if (n < Number(slider.min)) slider.min = String(n);
    slider.value = String(n);
  };
  sync(shown);
  if (shown === "") slider.value = String(range.min);
  slider.addEventListener("input", () => {
    const v = Number(slider.value);
    const text = range.step >= 1 ? String(Math.round(v)) : String(Number(v.toFixed(6)));
    exact.value = text;
    host.change(name, text);
  });
  exact.addEventListener("input", () => {
    sync(exact.value);
    host.change(name, exact.value.trim() === "" ? undefined : exact.value.trim());
  });
  const wrap = h("div", { class: "row number" }, slider, exact);
  return { element: wrap, set: (v: string) => (exact.value = v, sync(v)) };
}

function selectField(
  name: string,
  options: readonly string[],
  value: string | undefined,
  unset: string | undefined,
  def: string | undefined,
  host: FormHost,
) {
  const select = h("select", { "aria-label": name });
  if (unset !== undefined) select.append(h("option", { value: "", text: unset }));
  for (const o of options) select.append(h("option", { value: o, text: o }));
  if (value !== undefined && !options.includes(value)) {
    select.append(h("option", { value, text: value })); // an alias or a bad value, as given
  }
  select.value = value ?? def ?? "";
  if (unset === undefined && value === undefined && def === undefined) select.selectedIndex = -1;
  select.addEventListener("change", () => host.change(name, select.value || undefined));
  return { element: select, set: (v: string) => (select.value = v) };
}

function imageField(name: string, spec: ParamSpec, value: string | undefined, host: FormHost) {
  const select = h("select", { "aria-label": name });
  if (!spec.required) select.append(h("option", { value: "", text: "(none)" }));
  for (const s of host.samples) select.append(h("option", { value: s, text: `sample: ${s}` }));
  const crop = value !== undefined && parseCrop(value) ? value : undefined;
  select.append(h("option", { value: "crop", text: "a crop of the input" }));
  const local = value?.startsWith("file:") ? value : undefined;
  if (local) select.append(h("option", { value: local, text: local }));
  if (value !== undefined && !crop && !local && !host.samples.includes(value)) {
    select.append(h("option", { value, text: value }));
  }
  select.value = crop ? "crop" : value ?? "";
  if (value === undefined && spec.required) select.selectedIndex = -1;
  const coords = h("input", {
    type: "text",
    class: "exact",
    value: crop ?? "",
    placeholder: "crop:x,y,w,h",
    "aria-label": `${name} crop`,
    spellcheck: "false",
  });
  coords.hidden = !crop;
  const drag = h("button", {
    type: "button",
    text: "drag on the original",
    onclick: () => host.pickCrop(name),
  });
  const file = h("input", { type: "file", accept: host.accept, "aria-label": `${name} file` });
  file.addEventListener("change", () => {
    if (file.files?.[0]) host.openFile(name, file.files[0]);
  });
  select.addEventListener("change", () => {
    coords.hidden = select.value !== "crop";
    if (select.value === "crop") host.pickCrop(name);
    else host.change(name, select.value || undefined);
  });
  coords.addEventListener("change", () => host.change(name, coords.value.trim() || undefined));
  const element = h(
    "div",
    { class: "image-param" },
    h("div", { class: "row" }, select, drag),
    coords,
    file,
  );
  return {
    element,
    set: (v: string) => {
      if (parseCrop(v)) {
        select.value = "crop";
        coords.hidden = false;
        coords.value = v;
      }
    },
  };
}

function textField(name: string, spec: ParamSpec, value: string | undefined, host: FormHost) {
  const input = h("input", {
    type: "text",
    class: "exact",
    value: value ?? "",
    placeholder: spec.default === undefined ? "unset" : formatDefault(spec.default),
    "aria-label": name,
    spellcheck: "false",
  });
  input.addEventListener(
    "change",
    () => host.change(name, input.value === "" ? undefined : input.value),
  );
  const parts: HTMLElement[] = [input];
  if (spec.type === "point") {
    parts.push(
      h("button", {
        type: "button",
        text: "pick on the image",
        onclick: () => host.pickPoint(name),
      }),
    );
  }
  return { element: h("div", { class: "row" }, ...parts), set: (v: string) => (input.value = v) };
}

function unset(spec: ParamSpec): string | undefined {
  return spec.default === undefined ? "(unset)" : undefined;
}

function defaultText(spec: ParamSpec): string | undefined {
  return spec.default === undefined ? undefined : formatDefault(spec.default);
}

function fieldFor(name: string, spec: ParamSpec, value: string | undefined, host: FormHost) {
  switch (spec.type) {
    case "number":
    case "integer":
    case "size":
      return numberField(name, spec, value, host);
    case "boolean": {
      const box = h("input", { type: "checkbox", "aria-label": name, role: "switch" });
      const on = (v: string | undefined) =>
        v === undefined
          ? spec.default === true
          : !["false", "0", "no", "off"].includes(v.trim().toLowerCase());
      box.checked = on(value);
      box.addEventListener("change", () => host.change(name, String(box.checked)));
      return {
        element: h("label", { class: "toggle" }, box, h("span")),
        set: (v: string) => (box.checked = on(v)),
      };
    }
    case "enum":
      return selectField(name, spec.values ?? [], value, unset(spec), defaultText(spec), host);
    case "boundary":
      return selectField(name, BOUNDARY_MODES, value, unset(spec), defaultText(spec), host);
    case "dtype":
      return selectField(
        name,
        ["u8", "u16", "f32"],
        value,
        "(the input's)",
        defaultText(spec),
        host,
      );
    case "kernel": {
      const element = kernelEditor(value, (v) => host.change(name, v));
      return { element, set: () => {} };
    }
    case "image":
      return imageField(name, spec, value, host);
    default:
      return textField(name, spec, value, host);
  }
}

/** Builds the form of a step. */
export function buildForm(host: FormHost): Form {
  const element = h("div", { class: "params" });
  const errors = new Map<string, HTMLElement>();
  const setters = new Map<string, (v: string) => void>();
  const names = Object.keys(host.specs);
  if (names.length === 0) {
    element.append(h("p", { class: "hint", text: "This filter has no parameters." }));
  }
  for (const name of names) {
    const spec = host.specs[name];
    const field = fieldFor(name, spec, host.values[name], host);
    const error = h("div", { class: "error", role: "alert" });
    const reset = h("button", {
      type: "button",
      class: "reset",
      text: "↺",
      title: "back to the default",
      onclick: () => host.reset(name),
    });
    const label = h(
      "div",
      { class: "label" },
      h("b", { text: name }),
      h("span", {
        class: "type",
        text: ` ${describeType(spec)}${spec.required ? ", required" : ""}`,
      }),
      reset,
    );
    element.append(
      h(
        "div",
        { class: "field", "data-param": name, "data-type": spec.type },
        label,
        field.element,
        h("div", { class: "desc", text: spec.description }),
        error,
      ),
    );
    errors.set(name, error);
    setters.set(name, field.set);
  }
  return {
    element,
    showErrors(list) {
      for (const [name, el] of errors) {
        el.textContent = list[name] ?? "";
        el.closest(".field")?.classList.toggle("invalid", list[name] !== undefined);
      }
    },
    setValue(name, value) {
      setters.get(name)?.(value);
    },
  };
}
