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
  pixelArrayOf,
  type PixelInput,
} from "./dtype.ts";

/**
 * The shape of a canvas `ImageData`: RGBA, 8 bits per sample, row-major.
 * {@linkcode Image.toImageData} returns a real `ImageData` where the global
 * exists (browsers, Deno) and an object of this shape elsewhere (Node, Bun).
 */
export interface ImageDataLike {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width · height · 4` samples: red, green, blue, alpha. */
  readonly data: Uint8ClampedArray;
  /** The colour space the samples are in (imfilter converts none). */
  readonly colorSpace: "srgb" | "display-p3";
}

/** The default cap on `width * height * channels` for images imfilter creates. */
export const DEFAULT_MAX_PIXELS = 2 ** 30;

/**
 * The default decoding memory budget: 512 MiB of decoded image bytes
 * (`width · height · channels · bytes per sample`). That holds a 178 MP RGB
 * or 44 MP RGB f32 image, and keeps the peak of a decode (about twice the
 * image plus a constant) near 1 GiB; raise it with `maxBytes` / `--max-bytes`.
 */
export const DEFAULT_MAX_BYTES = 512 * 2 ** 20;

/** A byte count for messages: "1073741824 bytes (1 GiB)". */
export function showBytes(n: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n, u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u < 0 ? `${n} bytes` : `${n} bytes (${+v.toFixed(2)} ${units[u]})`;
}

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
   * Wraps pixel data (no copy). A `Uint8ClampedArray` (a canvas
   * `ImageData`'s) is taken as u8: `data` is then a `Uint8Array` view of the
   * same memory. Throws `INVALID_PARAM` for bad dimensions,
   * `UNSUPPORTED_DTYPE` for another array type and `SIZE_MISMATCH` when the
   * length is not `width * height * channels`.
   */
  constructor(width: number, height: number, channels: number, data: PixelInput) {
    checkDims(width, height, channels);
    const pixels = pixelArrayOf(data);
    if (pixels === undefined) {
      throw new FilterError(
        "UNSUPPORTED_DTYPE",
        `image data is ${
          show(data)
        }; use a Uint8Array, Uint8ClampedArray, Uint16Array or Float32Array`,
      );
    }
    const want = width * height * channels;
    if (pixels.length !== want) {
      throw new FilterError(
        "SIZE_MISMATCH",
        `image data has ${pixels.length} samples but ${width}x${height}x${channels} needs ${want}`,
      );
    }
    this.width = width;
    this.height = height;
    this.channels = channels;
    this.data = pixels;
    Object.freeze(this);
  }

  /**
   * An RGBA u8 image on a canvas `ImageData`'s pixels, sharing its memory
   * (no copy): writing to either changes both. The samples are taken as
   * they are, in the `ImageData`'s colour space. A float16 `ImageData`
   * (`pixelFormat: "rgba-float16"`) is refused (`UNSUPPORTED_DTYPE`).
   *
   * @example
   * ```ts
   * import { Image } from "@imfilter/imfilter";
   * const pixels = { width: 2, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 128]) };
   * const img = Image.fromImageData(pixels); // or a canvas's ctx.getImageData(...)
   * console.log(img.channels, img.dtype, img.get(1, 0, 3)); // 4 "u8" 128
   * ```
   */
  static fromImageData(
    imageData: {
      readonly width: number;
      readonly height: number;
      readonly data: ArrayBufferView;
    },
  ): Image {
    const { width, height, data } = imageData;
    if (!(data instanceof Uint8ClampedArray)) {
      throw new FilterError(
        "UNSUPPORTED_DTYPE",
        `fromImageData needs 8-bit RGBA pixels (a Uint8ClampedArray, pixelFormat "rgba-unorm8"), got data ${
          show(data)
        }`,
      );
    }
    return new Image(width, height, 4, data);
  }

  /**
   * This u8 image as a canvas `ImageData` (RGBA): gray, gray + alpha and RGB
   * are expanded, with alpha 255 where the image has none. A real
   * `ImageData` where the global exists (browsers, Deno), else an
   * {@linkcode ImageDataLike} object. An RGBA image shares its memory with
   * the result unless that memory is a `SharedArrayBuffer` (as
   * `applyParallel`'s results are, and which browsers' `ImageData` refuses):
   * then, and for the other channel counts, the samples are copied. Throws
   * `UNSUPPORTED_DTYPE` for u16 and f32 images (convert with `toDtype("u8")`
   * first, which rounds and saturates).
   *
   * @example
   * ```ts
   * import { Image } from "@imfilter/imfilter";
   * const gray = Image.fromRows([[0, 128, 255]], "u8");
   * const rgba = gray.toImageData(); // ctx.putImageData(rgba, 0, 0) draws it on a canvas
   * console.log(rgba.width, Array.from(rgba.data.subarray(4, 8))); // 3 [128, 128, 128, 255]
   * ```
   */
  toImageData(): ImageDataLike {
    if (this.dtype !== "u8") {
      throw new FilterError(
        "UNSUPPORTED_DTYPE",
        `toImageData needs a u8 image, this one is ${this.dtype}; convert it with toDtype("u8") first`,
      );
    }
    const { width, height, channels } = this, src = this.data;
    let rgba: Uint8ClampedArray;
    if (channels === 4 && !isShared(src.buffer)) {
      rgba = new Uint8ClampedArray(src.buffer, src.byteOffset, src.length);
    } else {
      rgba = new Uint8ClampedArray(width * height * 4);
      const n = width * height;
      const gray = channels < 3, alpha = channels === 2 || channels === 4;
      for (let i = 0, j = 0, o = 0; i < n; i++, j += channels, o += 4) {
        rgba[o] = src[j];
        rgba[o + 1] = src[gray ? j : j + 1];
        rgba[o + 2] = src[gray ? j : j + 2];
        rgba[o + 3] = alpha ? src[j + channels - 1] : 255;
      }
    }
    const ImageDataClass = (globalThis as {
      ImageData?: new (data: Uint8ClampedArray, width: number, height: number) => ImageDataLike;
    }).ImageData;
    return typeof ImageDataClass === "function"
      ? new ImageDataClass(rgba, width, height)
      : { width, height, data: rgba, colorSpace: "srgb" };
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
   * A u8 copy for viewing, with the finite samples' min..max mapped linearly
   * onto 0..255 (`round((v − min) · 255 / (max − min))`; all 0 when the image
   * is flat); +Infinity becomes 255, −Infinity and NaN 0. The CLI's `--stretch` and the playground's display
   * of float results both use it, so both give the same bytes.
   *
   * @example
   * ```ts
   * import { Image } from "@imfilter/imfilter";
   * const img = new Image(3, 1, 1, new Float32Array([-1, 0, 1]));
   * console.log(Array.from(img.stretchToU8().data)); // [0, 128, 255]
   * ```
   */
  stretchToU8(): Image {
    let lo = Infinity, hi = -Infinity;
    for (const v of this.data) {
      if (!Number.isFinite(v)) continue; // one Inf must not squeeze every finite value onto one level
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = this.data[i];
      out[i] = Number.isFinite(v) ? Math.round((v - lo) * scale) : v === Infinity ? 255 : 0;
    }
    return new Image(this.width, this.height, this.channels, out);
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

/**
 * Checks that an image of `width × height × channels` samples of
 * `bytesPerSample` bytes each fits the decoding memory budget, before
 * anything is allocated: decoders call it from the header with their output
 * dtype's size (1 u8, 2 u16, 4 f32), and the CLI again for an f32 working
 * copy. Over the budget is `IMAGE_TOO_LARGE` naming both sizes and the flag.
 */
export function checkImageBytes(
  width: number,
  height: number,
  channels: number,
  bytesPerSample: number,
  maxBytes: number = DEFAULT_MAX_BYTES,
  what = "image",
): void {
  checkDims(width, height, channels);
  const bytes = width * height * channels * bytesPerSample;
  if (bytes > maxBytes) {
    const dtype = ({ 1: "u8", 2: "u16", 4: "f32" } as Record<number, string>)[bytesPerSample] ??
      `${bytesPerSample}-byte`;
    throw new FilterError(
      "IMAGE_TOO_LARGE",
      `${what} ${width}x${height}x${channels} ${dtype} needs ${showBytes(bytes)}, over the ${
        showBytes(maxBytes)
      } memory budget; raise it (--max-bytes, e.g. --max-bytes 4G) if it is genuine`,
    );
  }
}

/**
 * Both decode limits at once, as every decoder applies them from the header:
 * {@linkcode checkImageSize} (samples) then {@linkcode checkImageBytes}
 * (bytes of the output dtype, `bytesPerSample` 1, 2 or 4).
 */
export function checkImageBudget(
  width: number,
  height: number,
  channels: number,
  bytesPerSample: number,
  maxPixels: number = DEFAULT_MAX_PIXELS,
  maxBytes: number = DEFAULT_MAX_BYTES,
): void {
  checkImageSize(width, height, channels, maxPixels);
  checkImageBytes(width, height, channels, bytesPerSample, maxBytes);
}

/** Tells whether a value looks like an image (structurally; any copy of the library). */
export function isImageLike(v: unknown): v is Image {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.width === "number" && typeof o.height === "number" &&
    typeof o.channels === "number" && pixelArrayOf(o.data) !== undefined;
}

/** Whether memory is a `SharedArrayBuffer` (where the runtime has them). */
function isShared(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer;
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
