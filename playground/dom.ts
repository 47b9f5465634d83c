/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Small DOM helpers: element creation and lookup.
 *
 * @module
 */

/** Attributes and listeners of {@linkcode h}. */
export type Props = Record<string, string | number | boolean | undefined | EventListener>;

/**
 * Creates an element: `on…` props become listeners, booleans toggle the
 * attribute, `class`/`text` set class and text, the rest are attributes.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Node | string | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else if (k === "value") (el as HTMLInputElement).value = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== undefined && c !== false) el.append(c);
  return el;
}

/** The element with an id (an error naming it when the page lacks it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** A number as short as it can be while still reading back as the same float32. */
export function shortFloat32(v: number): string {
  if (Number.isInteger(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(s)) === Math.fround(v)) return s;
  }
  return String(v);
}

/** A sample value for a readout: integers as they are, floats to 4 significant digits. */
export function sampleText(v: number): string {
  return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(4) : String(v);
}
