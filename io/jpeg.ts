/**
 * A baseline grayscale JPEG encoder (one component, standard Annex K
 * luminance tables, IJG quality scaling). imagescript only writes 3-component
 * JPEG from RGBA, so without this a gray image would come back from a `.jpg`
 * as RGB; with it, gray stays gray (the SOF says 1 component).
 *
 * @module
 */

const ZIGZAG = [
  0,
  1,
  8,
  16,
  9,
  2,
  3,
  10,
  17,
  24,
  32,
  25,
  18,
  11,
  4,
  5,
  12,
  19,
  26,
  33,
  40,
  48,
  41,
  34,
  27,
  20,
  13,
  6,
  7,
  14,
  21,
  28,
  35,
  42,
  49,
  56,
  57,
  50,
  43,
  36,
  29,
  22,
  15,
  23,
  30,
  37,
  44,
  51,
  58,
  59,
  52,
  45,
  38,
  31,
  39,
  46,
  53,
  60,
  61,
  54,
  47,
  55,
  62,
  63,
];

const STD_LUMINANCE = [
  16,
  11,
  10,
  16,
  24,
  40,
  51,
  61,
  12,
  12,
  14,
  19,
  26,
  58,
  60,
  55,
  14,
  13,
  16,
  24,
  40,
  57,
  69,
  56,
  14,
  17,
  22,
  29,
  51,
  87,
  80,
  62,
  18,
  22,
  37,
  56,
  68,
  109,
  103,
  77,
  24,
  35,
  55,
  64,
  81,
  104,
  113,
  92,
  49,
  64,
  78,
  87,
  103,
  121,
  120,
  101,
  72,
  92,
  95,
  98,
  112,
  100,
  103,
  99,
];

const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES = [
  0x01,
  0x02,
  0x03,
  0x00,
  0x04,
  0x11,
  0x05,
  0x12,
  0x21,
  0x31,
  0x41,
  0x06,
  0x13,
  0x51,
  0x61,
  0x07,
  0x22,
  0x71,
  0x14,
  0x32,
  0x81,
  0x91,
  0xa1,
  0x08,
  0x23,
  0x42,
  0xb1,
  0xc1,
  0x15,
  0x52,
  0xd1,
  0xf0,
  0x24,
  0x33,
  0x62,
  0x72,
  0x82,
  0x09,
  0x0a,
  0x16,
  0x17,
  0x18,
  0x19,
  0x1a,
  0x25,
  0x26,
  0x27,
  0x28,
  0x29,
  0x2a,
  0x34,
  0x35,
  0x36,
  0x37,
  0x38,
  0x39,
  0x3a,
  0x43,
  0x44,
  0x45,
  0x46,
  0x47,
  0x48,
  0x49,
  0x4a,
  0x53,
  0x54,
  0x55,
  0x56,
  0x57,
  0x58,
  0x59,
  0x5a,
  0x63,
  0x64,
  0x65,
  0x66,
  0x67,
  0x68,
  0x69,
  0x6a,
  0x73,
  0x74,
  0x75,
  0x76,
  0x77,
  0x78,
  0x79,
  0x7a,
  0x83,
  0x84,
  0x85,
  0x86,
  0x87,
  0x88,
  0x89,
  0x8a,
  0x92,
  0x93,
  0x94,
  0x95,
  0x96,
  0x97,
  0x98,
  0x99,
  0x9a,
  0xa2,
  0xa3,
  0xa4,
  0xa5,
  0xa6,
  0xa7,
  0xa8,
  0xa9,
  0xaa,
  0xb2,
  0xb3,
  0xb4,
  0xb5,
  0xb6,
  0xb7,
  0xb8,
  0xb9,
  0xba,
  0xc2,
  0xc3,
  0xc4,
  0xc5,
  0xc6,
  0xc7,
  0xc8,
  0xc9,
  0xca,
  0xd2,
  0xd3,
  0xd4,
  0xd5,
  0xd6,
  0xd7,
  0xd8,
  0xd9,
  0xda,
  0xe1,
  0xe2,
  0xe3,
  0xe4,
  0xe5,
  0xe6,
  0xe7,
  0xe8,
  0xe9,
  0xea,
  0xf1,
  0xf2,
  0xf3,
  0xf4,
  0xf5,
  0xf6,
  0xf7,
  0xf8,
  0xf9,
  0xfa,
];

/** Canonical Huffman codes (Annex C): symbol -> [code, length]. */
function huffmanTable(bits: number[], values: number[]): { code: Uint16Array; size: Uint8Array } {
  const code = new Uint16Array(256), size = new Uint8Array(256);
  let c = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]; i++) {
      code[values[k]] = c++;
      size[values[k]] = len;
      k++;
    }
    c <<= 1;
  }
  return { code, size };
}

const DC = huffmanTable(DC_BITS, DC_VALUES);
const AC = huffmanTable(AC_BITS, AC_VALUES);

/** cos table for the 8-point DCT, scaled by C(u)/2. */
const COS: Float64Array = (() => {
  const t = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    const cu = u === 0 ? Math.SQRT1_2 : 1;
    for (let x = 0; x < 8; x++) {
      t[u * 8 + x] = (cu / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return t;
})();

class BitWriter {
  bytes: number[] = [];
  private acc = 0;
  private n = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        if (this.acc === 0xff) this.bytes.push(0); // byte stuffing
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  flush(): void {
    if (this.n > 0) this.write((1 << (8 - this.n)) - 1, 8 - this.n); // pad with 1 bits
  }
}

function category(v: number): number {
  let a = Math.abs(v), n = 0;
  while (a > 0) {
    a >>= 1;
    n++;
  }
  return n;
}

/**
 * Encodes `width × height` 8-bit gray samples (row-major; `stride` samples
 * per pixel, the first is used) as a baseline JPEG of quality 1–100.
 */
export function encodeGrayJpeg(
  samples: ArrayLike<number>,
  width: number,
  height: number,
  stride: number,
  quality: number,
): Uint8Array {
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  const q = STD_LUMINANCE.map((v) =>
    Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100)))
  );
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => {
    out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body);
  };
  segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // JFIF 1.1
  segment(0xdb, [0, ...ZIGZAG.map((z) => q[z])]);
  segment(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]);
  segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]);
  segment(0xda, [1, 1, 0x00, 0, 63, 0]);

  const bits = new BitWriter();
  const block = new Float64Array(64), tmp = new Float64Array(64), coef = new Int32Array(64);
  let prevDc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        const sy = Math.min(by + y, height - 1);
        for (let x = 0; x < 8; x++) {
          const sx = Math.min(bx + x, width - 1); // edge blocks repeat the last row/column
          block[y * 8 + x] = samples[(sy * width + sx) * stride] - 128;
        }
      }
      // 2-D DCT: rows, then columns.
      for (let y = 0; y < 8; y++) {
        for (let u = 0; u < 8; u++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += COS[u * 8 + x] * block[y * 8 + x];
          tmp[y * 8 + u] = s;
        }
      }
      for (let u = 0; u < 8; u++) {
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += COS[v * 8 + y] * tmp[y * 8 + u];
          coef[v * 8 + u] = Math.round(s / q[v * 8 + u]);
        }
      }
      const dc = coef[0], diff = dc - prevDc;
      prevDc = dc;
      const dcCat = category(diff);
      bits.write(DC.code[dcCat], DC.size[dcCat]);
      if (dcCat) bits.write(diff < 0 ? diff + (1 << dcCat) - 1 : diff, dcCat);
      let run = 0;
      for (let k = 1; k < 64; k++) {
        const v = coef[ZIGZAG[k]];
        if (v === 0) {
          run++;
          continue;
        }
        while (run > 15) {
          bits.write(AC.code[0xf0], AC.size[0xf0]);
          run -= 16;
        }
        const cat = category(v), sym = (run << 4) | cat;
        bits.write(AC.code[sym], AC.size[sym]);
        bits.write(v < 0 ? v + (1 << cat) - 1 : v, cat);
        run = 0;
      }
      if (run > 0) bits.write(AC.code[0x00], AC.size[0x00]);
    }
  }
  bits.flush();
  const result = new Uint8Array(out.length + bits.bytes.length + 2);
  result.set(out);
  result.set(bits.bytes, out.length);
  result.set([0xff, 0xd9], out.length + bits.bytes.length);
  return result;
}
