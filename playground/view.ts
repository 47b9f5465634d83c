/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The image stage: the input and the result on canvases at their own pixel
 * size (`#input`, `#output`), side by side or as one picture with a split
 * slider; zoom; the pixel values under the cursor for both images; boxes
 * drawn over the input (template matches, a crop being dragged); picking a
 * point or a rectangle on the input.
 *
 * @module
 */

import type { Image } from "../mod.ts";
import { byId, sampleText } from "./dom.ts";
import type { Crop, ViewMode } from "./state.ts";

/** A rectangle drawn over the input, with a label. */
export interface Box extends Crop {
  /** Text beside it. */
  label: string;
  /** The first (best) is drawn stronger. */
  best?: boolean;
}

type Pick =
  | { kind: "point"; done: (x: number, y: number) => void }
  | { kind: "crop"; done: (c: Crop) => void; from?: { x: number; y: number }; rect?: Crop };

function draw(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  rgba: Uint8ClampedArray<ArrayBuffer>,
) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: canvas.id === "output" })!;
  ctx.putImageData(new ImageData(rgba, width, height), 0, 0);
}

function samples(img: Image | undefined, x: number, y: number): string {
  if (!img || x < 0 || y < 0 || x >= img.width || y >= img.height) return "—";
  const i = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(i, i + img.channels), sampleText).join(", ");
}

/** The stage. */
export class Viewer {
  readonly input = byId<HTMLCanvasElement>("input");
  readonly output = byId<HTMLCanvasElement>("output");
  readonly #top = byId<HTMLCanvasElement>("input-top");
  readonly #overlays = [
    byId<HTMLCanvasElement>("overlay-in"),
    byId<HTMLCanvasElement>("overlay-out"),
  ];
  readonly #stage = byId("stage");
  readonly #split = byId<HTMLInputElement>("split");
  readonly #readout = byId("readout");
  #in?: Image;
  #out?: Image;
  #boxes: Box[] = [];
  #pick?: Pick;
  #zoom: number | "fit" = "fit";

  constructor() {
    this.#split.addEventListener("input", () => this.#clip());
    for (const frame of this.#stage.querySelectorAll<HTMLElement>(".frame")) {
      frame.addEventListener("pointermove", (e) => this.#move(e, frame));
      frame.addEventListener("pointerleave", () => this.#readout.textContent = "");
      frame.addEventListener("pointerdown", (e) => this.#down(e, frame));
      frame.addEventListener("pointerup", (e) => this.#up(e, frame));
    }
    const panes = [...this.#stage.querySelectorAll<HTMLElement>(".frame-scroll")];
    for (const p of panes) {
      p.addEventListener("scroll", () => {
        for (const q of panes) {
          if (q !== p) {
            q.scrollLeft = p.scrollLeft;
            q.scrollTop = p.scrollTop;
          }
        }
      });
    }
    addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.#pick) this.#endPick();
    });
    this.#clip();
  }

  /** Draws the input (its picture in RGBA). */
  setInput(image: Image, rgba: Uint8ClampedArray<ArrayBuffer>): void {
    this.#in = image;
    draw(this.input, image.width, image.height, rgba);
    draw(this.#top, image.width, image.height, rgba);
    this.#layout();
  }

  /** Draws the result, or clears it. */
  setOutput(image: Image | undefined, rgba: Uint8ClampedArray<ArrayBuffer> | undefined): void {
    this.#out = image;
    if (image && rgba) draw(this.output, image.width, image.height, rgba);
    else {
      this.output.width = this.output.height = 1;
      this.output.getContext("2d")!.clearRect(0, 0, 1, 1);
    }
    this.#layout();
  }

  /** The result image (raw samples). */
  get result(): Image | undefined {
    return this.#out;
  }

  /** Side by side or split. */
  setMode(mode: ViewMode): void {
    this.#stage.classList.toggle("split", mode === "split");
    this.#stage.classList.toggle("side", mode === "side");
    this.#layout();
  }

  /** Zoom: a factor, or fit to the pane. */
  setZoom(zoom: number | "fit"): void {
    this.#zoom = zoom;
    this.#layout();
  }

  /** Boxes over the input (template matches). */
  setBoxes(boxes: Box[]): void {
    this.#boxes = boxes;
    this.#paint();
  }

  /** Waits for a click on the image; `done` gets the pixel. */
  pickPoint(done: (x: number, y: number) => void): void {
    this.#pick = { kind: "point", done };
    this.#stage.classList.add("picking");
  }

  /** Waits for a rectangle dragged on the image. */
  pickCrop(done: (c: Crop) => void): void {
    this.#pick = { kind: "crop", done };
    this.#stage.classList.add("picking");
  }

  #endPick(): void {
    this.#pick = undefined;
    this.#stage.classList.remove("picking");
    this.#paint();
  }

  #layout(): void {
    const canvases = [this.input, this.output, this.#top, ...this.#overlays];
    for (const o of this.#overlays) {
      o.width = this.#in?.width ?? 1;
      o.height = this.#in?.height ?? 1;
    }
    // Small pictures (a kernel, a score map of a large template) are shown as pixels in fit mode too.
    const small = (c: HTMLCanvasElement) => this.#zoom === "fit" && c.width < 128 && c.height < 128;
    const zoomed = this.#zoom !== "fit" && this.#zoom >= 2;
    this.#stage.classList.toggle("zoom-fit", this.#zoom === "fit");
    for (const c of canvases) {
      c.classList.toggle("pixelated", zoomed || small(c));
      if (this.#zoom === "fit") c.style.width = c.style.height = "";
      else {
        const w = c === this.output ? c.width : (this.#in?.width ?? c.width);
        const hh = c === this.output ? c.height : (this.#in?.height ?? c.height);
        c.style.width = `${w * this.#zoom}px`;
        c.style.height = `${hh * this.#zoom}px`;
      }
    }
    this.#paint();
  }

  #clip(): void {
    const f = Number(this.#split.value);
    this.#top.style.clipPath = `inset(0 ${100 - f}% 0 0)`;
    byId("split-line").style.left = `${f}%`;
  }

  #pixel(e: PointerEvent, frame: HTMLElement): { x: number; y: number } {
    const c = frame.querySelector("canvas")!;
    const r = c.getBoundingClientRect();
    const ref = c === this.output && this.#out ? this.#out : this.#in;
    const w = ref?.width ?? c.width, hh = ref?.height ?? c.height;
    return {
      x: Math.floor((e.clientX - r.left) / r.width * w),
      y: Math.floor((e.clientY - r.top) / r.height * hh),
    };
  }

  #move(e: PointerEvent, frame: HTMLElement): void {
    const { x, y } = this.#pixel(e, frame);
    this.#readout.textContent = `x ${x}, y ${y} · original ${samples(this.#in, x, y)} · result ${
      samples(this.#out, x, y)
    }`;
    const p = this.#pick;
    if (p?.kind === "crop" && p.from) {
      p.rect = rectOf(p.from, { x, y }, this.#in);
      this.#paint();
    }
  }

  #down(e: PointerEvent, frame: HTMLElement): void {
    const p = this.#pick;
    if (!p) return;
    e.preventDefault();
    const at = this.#pixel(e, frame);
    if (p.kind === "point") {
      this.#endPick();
      if (this.#in && at.x >= 0 && at.y >= 0 && at.x < this.#in.width && at.y < this.#in.height) {
        p.done(at.x, at.y);
      }
      return;
    }
    p.from = at;
    frame.setPointerCapture(e.pointerId);
  }

  #up(e: PointerEvent, frame: HTMLElement): void {
    const p = this.#pick;
    if (p?.kind !== "crop" || !p.from) return;
    const rect = rectOf(p.from, this.#pixel(e, frame), this.#in);
    this.#endPick();
    if (rect && rect.width >= 1 && rect.height >= 1) p.done(rect);
  }

  #paint(): void {
    for (const o of this.#overlays) {
      const ctx = o.getContext("2d")!;
      ctx.clearRect(0, 0, o.width, o.height);
      const lw = Math.max(1, Math.round(o.width / 256));
      ctx.lineWidth = lw;
      ctx.font = `${Math.max(10, 5 * lw)}px sans-serif`;
      for (const b of this.#boxes) {
        ctx.strokeStyle = b.best ? "#ff3b30" : "#ffcc00";
        ctx.strokeRect(b.x + lw / 2, b.y + lw / 2, b.width - lw, b.height - lw);
        ctx.fillStyle = ctx.strokeStyle;
        ctx.fillText(b.label, b.x + 2, Math.max(10, b.y - 3));
      }
      const p = this.#pick;
      if (p?.kind === "crop" && p.rect) {
        ctx.strokeStyle = "#00e5ff";
        ctx.setLineDash([4 * lw, 3 * lw]);
        ctx.strokeRect(p.rect.x, p.rect.y, p.rect.width, p.rect.height);
        ctx.setLineDash([]);
      }
    }
  }
}

function rectOf(
  a: { x: number; y: number },
  b: { x: number; y: number },
  img?: Image,
): Crop | undefined {
  if (!img) return undefined;
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  const x0 = clamp(Math.min(a.x, b.x), img.width), x1 = clamp(Math.max(a.x, b.x), img.width);
  const y0 = clamp(Math.min(a.y, b.y), img.height), y1 = clamp(Math.max(a.y, b.y), img.height);
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
