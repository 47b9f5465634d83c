/**
 * Band-by-band filtering for filters whose output row depends only on input
 * rows within a fixed distance (their `halo`): the image is cut into bands
 * of rows, each filtered with `halo` rows of real context above and below,
 * and each band's own rows are stored into the output. The result equals
 * the whole-image run (the context rows make every kept row see exactly
 * what it would see in the whole image; only the discarded context rows
 * meet the band's edges), while the filter's working memory is one band's.
 *
 * @module
 */

import { checkAbort } from "./abort.ts";
import { allocateInto, dtypeOf, type PixelArray } from "./dtype.ts";
import { Image } from "./image.ts";
import type { OutputRows } from "./registry.ts";

/** Options of {@linkcode filterByBands}. */
export interface BandOptions {
  /** Rows of context a kept row needs above and below; `undefined`: not bandable, run whole. */
  halo: number | undefined;
  /**
   * Samples per band (default 2^22: 4 megapixels of one channel); bands are
   * at least 16·halo rows, so the context rows cost at most 1/8 more work.
   */
  bandSamples?: number;
  /** Only these output rows (the result then holds just them; `into` is used when it fits). */
  rows?: OutputRows;
}

/**
 * Runs `filter` band by band (see the module doc) and returns the output
 * rows `[rows.from, rows.to)` (default: all). `filter` gets a band (a view
 * of the input's rows, no copy) and a progress callback for that band, and
 * returns the band's full output (same width, height and channels). An
 * image that fits one band is filtered whole.
 */
export function filterByBands(
  image: Image,
  options: BandOptions,
  filter: (band: Image, progress: (fraction: number) => void) => Image,
  progress: (fraction: number) => void = () => {},
): Image {
  const { width: w, height: h, channels: ch } = image;
  const halo = options.halo === undefined ? h : Math.max(0, options.halo);
  const r0 = options.rows?.from ?? 0, r1 = options.rows?.to ?? h;
  const stride = w * ch;
  const band = options.halo === undefined
    ? h
    : Math.max(16 * halo, 1, Math.ceil((options.bandSamples ?? 2 ** 22) / stride));
  if (r1 - r0 <= band && r0 - halo <= 0 && r1 + halo >= h) {
    const whole = filter(image, progress);
    return r0 === 0 && r1 === h ? whole : keptRows(whole, options.rows!);
  }
  let out: PixelArray | undefined;
  const bands = Math.ceil((r1 - r0) / band);
  for (let i = 0, y0 = r0; y0 < r1; i++, y0 += band) {
    checkAbort();
    const y1 = Math.min(r1, y0 + band);
    const from = Math.max(0, y0 - halo), to = Math.min(h, y1 + halo);
    const view = new Image(
      w,
      to - from,
      ch,
      image.data.subarray(from * stride, to * stride) as PixelArray,
    );
    const result = filter(view, (f) => progress((i + f) / bands));
    out ??= allocateInto(dtypeOf(result.data)!, (r1 - r0) * stride, options.rows?.into);
    out.set(result.data.subarray((y0 - from) * stride, (y1 - from) * stride), (y0 - r0) * stride);
  }
  return new Image(w, r1 - r0, ch, out!);
}

/**
 * Rows `[rows.from, rows.to)` of a filter's result — a result of the whole
 * image, or one of just those rows (a filter that honoured `rows`) — on
 * `rows.into` when it fits: no copy when the result is already there, one
 * copy otherwise.
 */
export function keptRows(result: Image, rows: OutputRows): Image {
  const { width: w, channels: ch } = result, kept = rows.to - rows.from, n = kept * w * ch;
  const from = result.height === kept ? 0 : rows.from * w * ch;
  const src = result.data, into = rows.into;
  if (
    into && src.buffer === into.buffer &&
    src.byteOffset + from * src.BYTES_PER_ELEMENT === into.byteOffset && into.length === n
  ) {
    return result.height === kept ? result : new Image(w, kept, ch, into);
  }
  if (!into && result.height === kept) return result;
  const out = allocateInto(dtypeOf(src)!, n, into);
  out.set(src.subarray(from, from + n));
  return new Image(w, kept, ch, out);
}
