/**
 * The scikit-image NL-means engine (`compat: "skimage"`): `nlmSkimage`,
 * scikit-image 0.19's `denoise_nl_means(fast_mode=True)` — numpy `reflect`
 * padding, channels jointly, a `2⌊p/2⌋`-wide box distance from an integral
 * image per offset, normalised by `C·h²·p²` — with its fast approximate
 * `exp` (`fastExp`, Schraudolph's).
 *
 * Siblings: nl_means.ts (the plugin) calls it; float.ts declares its inputs
 * (`NlmEngineParams`, `Progress`); opencv.ts and float.ts hold the default
 * OpenCV semantics.
 *
 * @module
 */

import { checkAbort } from "../../core/abort.ts";
import { padPlaneInto } from "../../core/native_planes.ts";
import type { NlmEngineParams, Progress } from "./float.ts";

/** Schraudolph's exponential approximation, as scikit-image's `fast_exp`. */
const fexpBuf = new DataView(new ArrayBuffer(8));
function fastExp(y: number): number {
  fexpBuf.setInt32(0, 0, true);
  fexpBuf.setInt32(4, Math.trunc(1512775 * y + 1072632447) | 0, true);
  return fexpBuf.getFloat64(0, true);
}

/** scikit-image 0.19 `_fast_nl_means_denoising_2d`, channels jointly. */
export function nlmSkimage(
  planes: ArrayLike<number>[],
  w: number,
  h: number,
  p: NlmEngineParams,
  exact: boolean,
  progress: Progress,
): Float64Array[] {
  const cn = planes.length;
  let s = p.patchSize;
  if (s % 2 === 0) s++;
  const offset = s >> 1, d = p.searchSize >> 1;
  const pad = offset + d + 1;
  const nr = h + 2 * pad, nc = w + 2 * pad;
  const P = planes.map((pl) => {
    const e = new Float64Array(nr * nc);
    padPlaneInto(pl, w, h, pad, pad, pad, pad, "reflect", 0, e);
    return e;
  });
  const result = planes.map(() => new Float64Array(nr * nc));
  const weights = new Float64Array(nr * nc);
  const integral = new Float64Array(nr * nc);
  // Kept above 0 however small h is: a zero distance then weighs 1, not 0 / 0.
  const h2s2 = Math.max(cn * p.h * p.h * s * s, Number.MIN_VALUE);
  const v2 = 2 * p.sigma * p.sigma;
  const ex = exact ? Math.exp : fastExp;
  for (let tr = -d; tr <= d; tr++) {
    checkAbort();
    progress((tr + d) / (2 * d + 1));
    for (let tc = 0; tc <= d; tc++) {
      const alpha = tc === 0 && tr !== 0 ? 0.5 : 1;
      integral.fill(0);
      const toff = tr * nc + tc;
      for (let row = Math.max(1, -tr); row < Math.min(nr, nr - tr); row++) {
        for (let c = Math.max(1, -tc); c < Math.min(nc, nc - tc); c++) {
          const i = row * nc + c;
          let dist = 0;
          for (let k = 0; k < cn; k++) {
            const t = P[k][i] - P[k][i + toff];
            dist += t * t;
          }
          dist -= cn * v2;
          integral[i] = dist + integral[i - nc] + integral[i - 1] - integral[i - nc - 1];
        }
      }
      for (
        let row = Math.max(offset, offset - tr);
        row < Math.min(nr - offset, nr - offset - tr);
        row++
      ) {
        for (
          let c = Math.max(offset, offset - tc);
          c < Math.min(nc - offset, nc - offset - tc);
          c++
        ) {
          let dist = integral[(row + offset) * nc + c + offset] +
            integral[(row - offset) * nc + c - offset] -
            integral[(row - offset) * nc + c + offset] -
            integral[(row + offset) * nc + c - offset];
          dist = Math.max(dist, 0) / h2s2;
          if (dist > 5) continue;
          const wt = alpha * ex(-dist);
          const i = row * nc + c, j = i + toff;
          weights[i] += wt;
          weights[j] += wt;
          for (let k = 0; k < cn; k++) {
            result[k][i] += wt * P[k][j];
            result[k][j] += wt * P[k][i];
          }
        }
      }
    }
  }
  progress(1);
  return result.map((r) => {
    const out = new Float64Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y + pad) * nc + x + pad;
        out[y * w + x] = r[i] / weights[i];
      }
    }
    return out;
  });
}
