/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Images in: the bundled samples (named by file stem, listed in
 * `samples/index.json` by the build), image URLs, and local files from the
 * picker, drag and drop or paste — all decoded by the library's
 * `decodeImage`, so every format it reads works and nothing else does.
 *
 * @module
 */

import { decodeImage, FilterError, type Image, imageFormats } from "../mod.ts";

/** A bundled sample. */
export interface Sample {
  /** Its name: the file stem (`camera`). */
  name: string;
  /** Its path under the app (`samples/camera.png`). */
  file: string;
  /** The path of the same file in a checkout, for commands (`tests/fixtures/images/camera.png`). */
  source: string;
}

/** The `accept` list of file inputs: every extension the library reads. */
export function acceptList(): string {
  return imageFormats().filter((f) => f.read).flatMap((f) => f.extensions).join(",");
}

/** The image store: decoded samples, URLs and local files, each decoded once. */
export class Images {
  #cache = new Map<string, Promise<Image>>();
  #files = new Map<string, Image>();
  samples: Sample[] = [];

  /** Reads the sample list. */
  async init(): Promise<void> {
    const r = await fetch(new URL("samples/index.json", location.href));
    if (!r.ok) throw new FilterError("IO", `samples/index.json: HTTP ${r.status}`);
    this.samples = await r.json();
  }

  /** The sample of a name, if it is one. */
  sample(name: string): Sample | undefined {
    return this.samples.find((s) => s.name === name);
  }

  /** Keeps a decoded local file under `file:<name>` and returns that key. */
  async addFile(file: Blob & { name?: string }): Promise<string> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const image = await decodeImage(bytes);
    const key = `file:${file.name || "pasted.png"}`;
    this.#files.set(key, image);
    this.#cache.delete(key);
    return key;
  }

  /**
   * The image a state's `image` (or an image parameter) names: a sample stem,
   * `file:<name>` (a file opened in this page), or a URL.
   */
  get(ref: string): Promise<Image> {
    const local = this.#files.get(ref);
    if (local) return Promise.resolve(local);
    let p = this.#cache.get(ref);
    if (!p) {
      p = this.#load(ref);
      this.#cache.set(ref, p);
      p.catch(() => this.#cache.delete(ref));
    }
    return p;
  }

  async #load(ref: string): Promise<Image> {
    if (ref.startsWith("file:")) {
      throw new FilterError(
        "IO",
        `${ref.slice(5)} was a local file of another page; open it again (files are not in links)`,
      );
    }
    const sample = this.sample(ref);
    if (!sample && !/[/.:]/.test(ref)) {
      throw new FilterError(
        "INVALID_PARAM",
        `image ${JSON.stringify(ref)} is not a sample; use one of ${
          this.samples.map((s) => s.name).join(", ")
        }, or an image URL`,
      );
    }
    const url = new URL(sample ? sample.file : ref, location.href);
    let bytes: Uint8Array;
    try {
      const r = await fetch(url);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      bytes = new Uint8Array(await r.arrayBuffer());
    } catch (e) {
      throw new FilterError("IO", `cannot fetch ${url}: ${(e as Error).message}`);
    }
    return await decodeImage(bytes);
  }
}

/** Calls `open` with files dropped on the page or pasted into it. */
export function acceptFiles(open: (file: File) => void): void {
  addEventListener("dragover", (e) => {
    e.preventDefault();
    document.body.classList.add("dropping");
  });
  addEventListener("dragleave", () => document.body.classList.remove("dropping"));
  addEventListener("drop", (e) => {
    e.preventDefault();
    document.body.classList.remove("dropping");
    const f = e.dataTransfer?.files?.[0];
    if (f) open(f);
  });
  addEventListener("paste", (e) => {
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === "file");
    const f = item?.getAsFile();
    if (f) {
      e.preventDefault();
      open(f);
    }
  });
}
