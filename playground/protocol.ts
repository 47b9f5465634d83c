/**
 * Messages between the page and its filtering workers (structured clone).
 *
 * @module
 */

import type { PixelArray } from "../mod.ts";

/** An image as it crosses threads. */
export interface WireImage {
  /** Width. */
  width: number;
  /** Height. */
  height: number;
  /** Channels, 1–4. */
  channels: number;
  /** Samples, interleaved. */
  data: PixelArray;
}

/** A step as it crosses: CLI-style strings, and images for image-valued params. */
export interface WireStep {
  /** Filter name. */
  filter: string;
  /** Params: strings as typed, images for image params. */
  params: Record<string, string | WireImage>;
}

/** What the page asks. */
export type Request =
  | { type: "run"; id: number; plugins: string[]; image: WireImage; steps: WireStep[] }
  | { type: "impulse"; id: number; plugins: string[]; step: WireStep; size: number };

/** A request before the runner numbers it. */
export type Job = Request extends infer R ? R extends Request ? Omit<R, "id"> : never : never;

/** What a worker answers. */
export type Response =
  | { type: "progress"; id: number; fraction: number }
  | {
    type: "result";
    id: number;
    image?: WireImage;
    rgba?: Uint8ClampedArray<ArrayBuffer>;
    data: unknown[];
    ms: number;
  }
  | { type: "impulse"; id: number; size: number; values: Float32Array; linear: boolean }
  | { type: "error"; id: number; code: string; message: string };
