;; Direct 2-D correlation over a padded float32 plane, 128-bit SIMD.
;;
;; Register blocking: one call step computes 16 adjacent outputs (four f32x4
;; vectors) of two output rows at once — eight accumulators. Each input
;; vector loaded from padded row y + r serves both rows: output row y with
;; kernel row r and output row y + 1 with kernel row r − 1 (padded row y
;; feeds row y only, padded row y + kh row y + 1 only), so the weight table
;; (built by core/linear_simd.ts) holds, for r = 0 … kh and every tap i, the
;; splats [K[r][i], K[r − 1][i]] (zero outside the kernel): 32 bytes per
;; (r, i). Lanes never mix: output sample x reads padded samples x + i·tap
;; only, so interleaved channels (tap = channel count) work unchanged and
;; columns past the row's end only feed outputs past the row's end.
;;
;; Sums run in float32, in the same order for every output (r, then i).
;; widen_u8 / widen_u16 convert a staged source row to float32 for padding.
;; Integer outputs are rounded to nearest, ties to even (f32x4.nearest), and
;; saturated (i32x4.trunc_sat + saturating narrows; NaN becomes 0).

(module
  (memory (export "memory") 1)

  ;; correlate(src, srcStride, dst, dstStride, blocks, pairs, weights, kw, kh, tap, kind)
  ;;   src:     byte address of padded row 0 (float32, srcStride bytes per row)
  ;;   dst:     byte address of output row 0 (dstStride bytes per row)
  ;;   blocks:  16-sample blocks per output row (outputs past the row's end are junk)
  ;;   pairs:   output row pairs (2·pairs rows are written; padded rows 0 … 2·pairs + kh − 1 are read)
  ;;   weights: byte address of the (kh + 1) × kw × 32-byte weight table
  ;;   tap:     bytes between horizontal taps (4 × channels)
  ;;   kind:    0 float32 output, 1 u8, 2 u16
  (func (export "correlate")
    (param $src i32) (param $ss i32) (param $dst i32) (param $ds i32)
    (param $blocks i32) (param $pairs i32) (param $wts i32)
    (param $kw i32) (param $kh i32) (param $tap i32) (param $kind i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $wa v128) (local $wb v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $rowS i32) (local $rowD i32) (local $sx i32) (local $dx i32)
    (local $p i32) (local $q i32) (local $w i32)
    (local $b i32) (local $r i32) (local $i i32) (local $step i32)
    ;; bytes per 16 outputs
    (local.set $step
      (select (i32.const 64)
        (select (i32.const 16) (i32.const 32) (i32.eq (local.get $kind) (i32.const 1)))
        (i32.eqz (local.get $kind))))
    (local.set $rowS (local.get $src))
    (local.set $rowD (local.get $dst))
    (block $done
      (br_if $done (i32.le_s (local.get $pairs) (i32.const 0)))
      (br_if $done (i32.le_s (local.get $blocks) (i32.const 0)))
      (loop $pair
        (local.set $sx (local.get $rowS))
        (local.set $dx (local.get $rowD))
        (local.set $b (local.get $blocks))
        (loop $block
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $a1 (v128.const i32x4 0 0 0 0))
          (local.set $a2 (v128.const i32x4 0 0 0 0))
          (local.set $a3 (v128.const i32x4 0 0 0 0))
          (local.set $a4 (v128.const i32x4 0 0 0 0))
          (local.set $a5 (v128.const i32x4 0 0 0 0))
          (local.set $a6 (v128.const i32x4 0 0 0 0))
          (local.set $a7 (v128.const i32x4 0 0 0 0))
          ;; Padded row y: kernel row 0 for output row y only.
          (local.set $p (local.get $sx))
          (local.set $w (local.get $wts))
          (local.set $q (local.get $p))
          (local.set $i (local.get $kw))
          (loop $first
            (local.set $wa (v128.load (local.get $w)))
            (local.set $d0 (v128.load (local.get $q)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d0) (local.get $wa))))
            (local.set $d1 (v128.load offset=16 (local.get $q)))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d1) (local.get $wa))))
            (local.set $d2 (v128.load offset=32 (local.get $q)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d2) (local.get $wa))))
            (local.set $d3 (v128.load offset=48 (local.get $q)))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d3) (local.get $wa))))
            (local.set $q (i32.add (local.get $q) (local.get $tap)))
            (local.set $w (i32.add (local.get $w) (i32.const 32)))
            (br_if $first (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
          (local.set $p (i32.add (local.get $p) (local.get $ss)))
          ;; Padded rows y + 1 … y + kh − 1: kernel row r for row y, r − 1 for row y + 1.
          (block $middle
            (br_if $middle (i32.le_s (local.get $kh) (i32.const 1)))
            (local.set $r (i32.sub (local.get $kh) (i32.const 1)))
            (loop $row
              (local.set $q (local.get $p))
              (local.set $i (local.get $kw))
              (loop $tapl
                (local.set $wa (v128.load (local.get $w)))
                (local.set $wb (v128.load offset=16 (local.get $w)))
                (local.set $d0 (v128.load (local.get $q)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d0) (local.get $wa))))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $d0) (local.get $wb))))
                (local.set $d1 (v128.load offset=16 (local.get $q)))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d1) (local.get $wa))))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $d1) (local.get $wb))))
                (local.set $d2 (v128.load offset=32 (local.get $q)))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d2) (local.get $wa))))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $d2) (local.get $wb))))
                (local.set $d3 (v128.load offset=48 (local.get $q)))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d3) (local.get $wa))))
                (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $d3) (local.get $wb))))
                (local.set $q (i32.add (local.get $q) (local.get $tap)))
                (local.set $w (i32.add (local.get $w) (i32.const 32)))
                (br_if $tapl (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
              (local.set $p (i32.add (local.get $p) (local.get $ss)))
              (br_if $row (local.tee $r (i32.sub (local.get $r) (i32.const 1))))))
          ;; Padded row y + kh: kernel row kh − 1 for output row y + 1 only.
          (local.set $q (local.get $p))
          (local.set $i (local.get $kw))
          (loop $last
            (local.set $wb (v128.load offset=16 (local.get $w)))
            (local.set $d0 (v128.load (local.get $q)))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $d0) (local.get $wb))))
            (local.set $d1 (v128.load offset=16 (local.get $q)))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $d1) (local.get $wb))))
            (local.set $d2 (v128.load offset=32 (local.get $q)))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $d2) (local.get $wb))))
            (local.set $d3 (v128.load offset=48 (local.get $q)))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $d3) (local.get $wb))))
            (local.set $q (i32.add (local.get $q) (local.get $tap)))
            (local.set $w (i32.add (local.get $w) (i32.const 32)))
            (br_if $last (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
          ;; store row y at dx, row y + 1 at dx + ds
          (call $store (local.get $dx) (local.get $kind)
            (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3))
          (call $store (i32.add (local.get $dx) (local.get $ds)) (local.get $kind)
            (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7))
          (local.set $sx (i32.add (local.get $sx) (i32.const 64)))
          (local.set $dx (i32.add (local.get $dx) (local.get $step)))
          (br_if $block (local.tee $b (i32.sub (local.get $b) (i32.const 1)))))
        (local.set $rowS (i32.add (local.get $rowS) (i32.shl (local.get $ss) (i32.const 1))))
        (local.set $rowD (i32.add (local.get $rowD) (i32.shl (local.get $ds) (i32.const 1))))
        (br_if $pair (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1)))))))

  ;; Stores 16 outputs (four f32x4) at $at as float32, u8 or u16.
  (func $store (param $at i32) (param $kind i32)
    (param $v0 v128) (param $v1 v128) (param $v2 v128) (param $v3 v128)
    (local $lo v128) (local $hi v128)
    (if (i32.eqz (local.get $kind))
      (then
        (v128.store (local.get $at) (local.get $v0))
        (v128.store offset=16 (local.get $at) (local.get $v1))
        (v128.store offset=32 (local.get $at) (local.get $v2))
        (v128.store offset=48 (local.get $at) (local.get $v3))
        (return)))
    (local.set $v0 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $v0))))
    (local.set $v1 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $v1))))
    (local.set $v2 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $v2))))
    (local.set $v3 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $v3))))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then
        (local.set $lo (i16x8.narrow_i32x4_s (local.get $v0) (local.get $v1)))
        (local.set $hi (i16x8.narrow_i32x4_s (local.get $v2) (local.get $v3)))
        (v128.store (local.get $at) (i8x16.narrow_i16x8_u (local.get $lo) (local.get $hi)))
        (return)))
    (v128.store (local.get $at) (i16x8.narrow_i32x4_u (local.get $v0) (local.get $v1)))
    (v128.store offset=16 (local.get $at) (i16x8.narrow_i32x4_u (local.get $v2) (local.get $v3))))

  ;; widen_u8(src, dst, n): n bytes at src to float32 at dst.
  (func (export "widen_u8") (param $src i32) (param $dst i32) (param $n i32)
    (local $v v128) (local $h v128) (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.and (local.get $n) (i32.const -16))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $v (v128.load (local.get $src)))
        (local.set $h (i16x8.extend_low_i8x16_u (local.get $v)))
        (v128.store (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))))
        (v128.store offset=16 (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))))
        (local.set $h (i16x8.extend_high_i8x16_u (local.get $v)))
        (v128.store offset=32 (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))))
        (v128.store offset=48 (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.and (local.get $n) (i32.const 15))))
    (block $tail
      (loop $one
        (br_if $tail (i32.ge_u (local.get $src) (local.get $end)))
        (f32.store (local.get $dst) (f32.convert_i32_s (i32.load8_u (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $one))))

  ;; widen_u16(src, dst, n): n u16 samples at src to float32 at dst.
  (func (export "widen_u16") (param $src i32) (param $dst i32) (param $n i32)
    (local $v v128) (local $end i32)
    (local.set $end (i32.add (local.get $src)
      (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 1))))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $v (v128.load (local.get $src)))
        (v128.store (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $v))))
        (v128.store offset=16 (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $v))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end)
      (i32.shl (i32.and (local.get $n) (i32.const 7)) (i32.const 1))))
    (block $tail
      (loop $one
        (br_if $tail (i32.ge_u (local.get $src) (local.get $end)))
        (f32.store (local.get $dst) (f32.convert_i32_s (i32.load16_u (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 2)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $one))))
)
