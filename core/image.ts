/**
 * The {@linkcode Image} type: interleaved, row-major pixels of one dtype.
 *
 * @module
 */

import { FilterError, show } from "./errors.ts";
import {
  allocate,
  checkDtype,
  convertArray,
  type DType,
  dtypeOf,
  type PixelArray,
} from "./dtype.ts";

/** The default cap on `width * height * channels` for images imfilter creates. */
export const DEFAULT_MAX_PIXELS = 2 ** 30;

/**
 * An image: `width × height` pixels of `channels` interleaved samples,
 * row-major: sample `c` of pixel `(x, y)` is `data[(y * width + x) * channels + c]`.
 *
 * An image is a value: its fields cannot be reassigned after construction
 * (the object is frozen; its samples stay writable), so `width`, `height`,
 * `channels` and the length of `data` always agree — every filter relies on
 * it. A buffer detached or resized behind its back is caught when the image
 * enters a filter ({@linkcode asImage}).
 *
 * @example Making and converting an image
 * ```ts
 * import { Image } from "@imfilter/imfilter";
 * const img = new Image(2, 1, 1, new Float32Array([0.4, 300.5]));
 * console.log(img.toDtype("u8").data); // Uint8Array [0, 255]
 * ```
 */
export class Image {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Samples per pixel, 1–4 (gray, gray+alpha, RGB, RGBA). */
  readonly channels: number;
  /** The samples, interleaved and row-major. */
  readonly data: PixelArray;

  /**
   * Wraps pixel data (no copy). Throws `INVALID_PARAM` for bad dimensions,
   * `UNSUPPORTED_DTYPE` for another array type and `SIZE_MISMATCH` when the
   * length is not `width * height * channels`.
   */
  constructor(width: number, height: number, channels: number, data: PixelArray) {
    checkDims(width, height, channels);
    if (dtypeOf(data) === undefined) {
      throw new FilterError(
        "UNSUPPORTED_DTYPE",
        `image data is ${show(data)}; use a Uint8Array, Uint16Array or Float32Array`,
      );
    }
    const want = width * height * channels;
    if (data.length !== want) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `image data has ${data.length} samples but ${width}x${height}x${channels} needs ${want}`,
      );
    }
    this.width = width;
    this.height = height;
    this.channels = channels;
    this.data = data;
    Object.freeze(this);
  }

  /** The pixel type: `"u8"`, `"u16"` or `"f32"`. */
  get dtype(): DType {
    return dtypeOf(this.data)!;
  }

  /**
   * A zero image.
   *
   * @example
   * ```ts
   * import { Image } from "@imfilter/imfilter";
   * console.log(Image.zeros(3, 2, 1, "f32").data.length); // 6
   * ```
   */
  static zeros(width: number, height: number, channels = 1, dtype: DType = "u8"): Image {
    checkDims(width, height, channels);
    return new Image(
      width,
      height,
      channels,
      allocate(checkDtype(dtype), width * height * channels),
    );
  }

  /**
   * An image from rows of numbers (one channel), e.g. a test pattern.
   *
   * @example
   * ```ts
   * import { Image } from "@imfilter/imfilter";
   * const img = Image.fromRows([[0, 1], [2, 3]], "u8");
   * console.log(img.width, img.height); // 2 2
   * ```
   */
  static fromRows(rows: readonly (readonly number[])[], dtype: DType = "f32"): Image {
    const height = rows.length;
    const width = height > 0 ? rows[0].length : 0;
    checkDims(width, height, 1);
    const values: number[] = [];
    for (const row of rows) {
      if (row.length !== width) {
        throw new FilterError(
          "SIZE_MISMATCH",
          `rows must all have ${width} values, one has ${row.length}`,
        );
      }
      values.push(...row);
    }
    return new Image(width, height, 1, convertArray(Float32Array.from(values), checkDtype(dtype)));
  }

  /** Sample `c` of pixel `(x, y)`. */
  get(x: number, y: number, c = 0): number {
    return this.data[(y * this.width + x) * this.channels + c];
  }

  /** A deep copy. */
  clone(): Image {
    return new Image(this.width, this.height, this.channels, this.data.slice());
  }

  /** The same pixels as float32 (exact for u8 and u16). */
  toFloat32(): Image {
    return this.toDtype("f32");
  }

  /**
   * The same pixels in another dtype: integer targets are rounded to nearest
   * (ties to even) and saturated; no scaling. Returns `this` when the dtype
   * already matches.
   */
  toDtype(dtype: DType): Image {
    if (checkDtype(dtype) === this.dtype) return this;
    return new Image(this.width, this.height, this.channels, convertArray(this.data, dtype));
  }

  /**
   * A copy of a rectangle of the image. The rectangle must lie inside it.
   *
   * @example
   * ```ts
   * import { Image } from "@imfilter/imfilter";
   * const img = Image.fromRows([[1, 2, 3], [4, 5, 6]], "u8");
   * console.log(Array.from(img.crop(1, 0, 2, 2).data)); // [2, 3, 5, 6]
   * ```
   */
  crop(x: number, y: number, width: number, height: number): Image {
    if (
      !Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 ||
      !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 ||
      x + width > this.width || y + height > this.height
    ) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `crop ${
          show([x, y, width, height])
        } (x, y, width, height) is not inside the ${this.width}x${this.height} image`,
      );
    }
    const ch = this.channels, row = width * ch;
    const out = allocate(this.dtype, row * height);
    for (let r = 0; r < height; r++) {
      const from = ((y + r) * this.width + x) * ch;
      out.set(this.data.subarray(from, from + row) as never, r * row);
    }
    return new Image(width, height, ch, out);
  }

  /** One channel as a 1-channel image. */
  channel(c: number): Image {
    if (!Number.isInteger(c) || c < 0 || c >= this.channels) {
      throw new FilterError(
        "INVALID_PARAM",
        `channel ${show(c)} is out of range 0..${this.channels - 1}`,
      );
    }
    const n = this.width * this.height;
    const out = allocate(this.dtype, n);
    const src = this.data, ch = this.channels;
    for (let i = 0, j = c; i < n; i++, j += ch) out[i] = src[j];
    return new Image(this.width, this.height, 1, out);
  }

  /** Every channel as its own 1-channel image. */
  split(): Image[] {
    const out: Image[] = [];
    for (let c = 0; c < this.channels; c++) out.push(this.channel(c));
    return out;
  }

  /**
   * Interleaves 1-channel images of one size and dtype into one image.
   *
   * @example
   * ```ts
   * import { Image } from "@imfilter/imfilter";
   * const g = Image.zeros(4, 4);
   * console.log(Image.merge([g, g, g]).channels); // 3
   * ```
   */
  static merge(planes: readonly Image[]): Image {
    if (planes.length < 1 || planes.length > 4) {
      throw new FilterError("INVALID_PARAM", `merge needs 1 to 4 planes, got ${planes.length}`);
    }
    const { width, height, dtype } = planes[0];
    for (const p of planes) {
      if (p.channels !== 1 || p.width !== width || p.height !== height || p.dtype !== dtype) {
        throw new FilterError(
          "SIZE_MISMATCH",
          `merge needs 1-channel ${width}x${height} ${dtype} planes, got ${p.width}x${p.height}x${p.channels} ${p.dtype}`,
        );
      }
    }
    const ch = planes.length, n = width * height;
    const out = allocate(dtype, n * ch);
    for (let c = 0; c < ch; c++) {
      const src = planes[c].data;
      for (let i = 0, j = c; i < n; i++, j += ch) out[j] = src[i];
    }
    return new Image(width, height, ch, out);
  }
}

/** Checks image dimensions: positive integers, channels 1–4. */
export function checkDims(width: number, height: number, channels: number): void {
  if (!Number.isSafeInteger(width) || width < 1 || !Number.isSafeInteger(height) || height < 1) {
    throw new FilterError(
      "INVALID_PARAM",
      `image size ${show(width)}x${
        show(height)
      } is invalid; width and height must be integers >= 1`,
    );
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new FilterError(
      "INVALID_PARAM",
      `channels ${show(channels)} is invalid; use 1, 2, 3 or 4`,
    );
  }
}

/**
 * Checks that `width * height * channels` stays under a cap before anything
 * is allocated (for decoders reading untrusted headers).
 */
export function checkImageSize(
  width: number,
  height: number,
  channels: number,
  maxPixels: number = DEFAULT_MAX_PIXELS,
): void {
  checkDims(width, height, channels);
  if (width * height * channels > maxPixels) {
    throw new FilterError(
      "IMAGE_TOO_LARGE",
      `image ${width}x${height}x${channels} has more than ${maxPixels} samples; raise the limit (--max-pixels) if it is genuine`,
    );
  }
}

/** Tells whether a value looks like an image (structurally; any copy of the library). */
export function isImageLike(v: unknown): v is Image {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.width === "number" && typeof o.height === "number" &&
    typeof o.channels === "number" && dtypeOf(o.data) !== undefined;
}

/**
 * Accepts an image from this or another copy of the library, as an
 * {@linkcode Image}, checked again: an image whose buffer was detached
 * (transferred, or a WebAssembly memory that grew) or resized since it was
 * made no longer holds `width · height · channels` samples, and is refused
 * before any engine reads it.
 */
export function asImage(v: unknown, what = "image"): Image {
  if (v instanceof Image) {
    const want = v.width * v.height * v.channels;
    if (v.data.length !== want) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `${what} data has ${v.data.length} samples but ${v.width}x${v.height}x${v.channels} needs ${want}: its buffer was detached or resized after the image was made; make a new Image`,
      );
    }
    return v;
  }
  if (isImageLike(v)) return new Image(v.width, v.height, v.channels, v.data);
  throw new FilterError("INVALID_PARAM", `${what} must be an Image, got ${show(v)}`);
}

/** Whether the last channel of an image of this many channels is alpha (2 and 4). */
export function hasAlpha(channels: number): boolean {
  return channels === 2 || channels === 4;
}

/**
 * Throws `INVALID_PARAM` when a float image holds NaN or Infinity — for
 * methods (FFT, recursive) that would spread one such value over the whole
 * output instead of keeping it local.
 *
 * @example
 * ```ts
 * import { checkFinite, Image } from "@imfilter/imfilter";
 * checkFinite(Image.zeros(2, 2, 1, "f32"), "demo", "replace them first"); // fine
 * ```
 */
export function checkFinite(image: Image, owner: string, fix: string): void {
  if (image.dtype !== "f32") return;
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const c = i % image.channels, p = (i - c) / image.channels;
      throw new FilterError(
        "INVALID_PARAM",
        `${owner}: the image has ${d[i]} at x=${p % image.width}, y=${
          Math.floor(p / image.width)
        }, which this method would spread over every pixel; ${fix}`,
      );
    }
  }
}
