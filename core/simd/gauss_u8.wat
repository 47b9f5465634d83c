;; OpenCV's bit-exact u8 GaussianBlur (core/linear_gauss_fixed.ts), 128-bit SIMD.
;;
;; Every step is exact integer arithmetic, so the result is the TypeScript
;; path's, byte for byte:
;;
;; row_pass: u8 samples × 8-bit weights (summing to 256) in u16 lanes. Each
;;   output is below 2^16 (255 · 256), every partial sum too (all terms are
;;   non-negative), so i16x8.mul / i16x8.add (low 16 bits) are exact; the
;;   symmetric taps are added first ((a + b) · w ≤ the total). The result is
;;   stored biased, v − 2^15 as int16 (xor 0x8000), for the column pass.
;;   Taps are `tap` bytes apart: interleaved channels filter in place.
;;
;; col_pass: pairs of biased rows are interleaved (a0 b0 a1 b1 …) and
;;   i32x4.dot_i16x8_s multiplies them by the pair's weights [wa, wb]:
;;   Σ w·(v − 2^15) in int32 (|w·(v − 2^15)| ≤ 2^23), plus the bias
;;   2^15 · 256 = 2^23, plus the rounding 2^15, >> 16, narrowed to u8 (never
;;   above 255: the exact total is at most 255 · 2^16).
;;
;; Both work on 16-sample blocks; samples past the row's end are junk (each
;; lane reads its own column only), so buffers need 16 (row pass: 32) spare
;; bytes past the end.

(module
  (memory (export "memory") 1)

  ;; row_pass(pad, out, blocks, tap, wts, r)
  ;;   pad:    byte address of the padded u8 row (n + 2·r·tap samples + spare)
  ;;   out:    byte address of the u16 output row (blocks · 32 bytes)
  ;;   blocks: 16-sample blocks
  ;;   tap:    bytes between taps (the channel count)
  ;;   wts:    r + 1 i16x8 splats: kernel[0 … r − 1] (outer to inner), then the centre
  ;;   r:      kernel radius
  (func (export "row_pass")
    (param $pad i32) (param $out i32) (param $blocks i32) (param $tap i32)
    (param $wts i32) (param $r i32)
    (local $a0 v128) (local $a1 v128) (local $w v128) (local $c v128)
    (local $pl i32) (local $pr i32) (local $wp i32) (local $i i32) (local $mid i32)
    (local $bias v128)
    (local.set $bias (v128.const i16x8 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000))
    (local.set $c (v128.load (i32.add (local.get $wts) (i32.shl (local.get $r) (i32.const 4)))))
    (local.set $mid (i32.mul (local.get $r) (local.get $tap)))
    (block $done
      (br_if $done (i32.le_s (local.get $blocks) (i32.const 0)))
      (loop $block
        (local.set $pl (i32.add (local.get $pad) (local.get $mid)))
        (local.set $a0 (i16x8.mul (v128.load8x8_u (local.get $pl)) (local.get $c)))
        (local.set $a1 (i16x8.mul (v128.load8x8_u offset=8 (local.get $pl)) (local.get $c)))
        (local.set $pl (local.get $pad))
        (local.set $pr (i32.add (local.get $pad) (i32.shl (local.get $mid) (i32.const 1))))
        (local.set $wp (local.get $wts))
        (local.set $i (local.get $r))
        (block $taps_done
          (br_if $taps_done (i32.eqz (local.get $i)))
          (loop $taps
            (local.set $w (v128.load (local.get $wp)))
            (local.set $a0
              (i16x8.add (local.get $a0)
                (i16x8.mul (local.get $w)
                  (i16x8.add (v128.load8x8_u (local.get $pl)) (v128.load8x8_u (local.get $pr))))))
            (local.set $a1
              (i16x8.add (local.get $a1)
                (i16x8.mul (local.get $w)
                  (i16x8.add (v128.load8x8_u offset=8 (local.get $pl))
                    (v128.load8x8_u offset=8 (local.get $pr))))))
            (local.set $pl (i32.add (local.get $pl) (local.get $tap)))
            (local.set $pr (i32.sub (local.get $pr) (local.get $tap)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
            (br_if $taps (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
        (v128.store (local.get $out) (v128.xor (local.get $a0) (local.get $bias)))
        (v128.store offset=16 (local.get $out) (v128.xor (local.get $a1) (local.get $bias)))
        (local.set $pad (i32.add (local.get $pad) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1)))))))

  ;; col_pass(rows, pairs, wts, dst, blocks)
  ;;   rows:   byte address of 2·pairs i32 row addresses (biased u16 rows, taps in order)
  ;;   pairs:  tap pairs (an odd kernel's last pair has weight 0 for its second row)
  ;;   wts:    pairs i32x4 splats of (wa & 0xffff) | (wb << 16)
  ;;   dst:    byte address of the u8 output row (blocks · 16 bytes)
  ;;   blocks: 16-sample blocks
  (func (export "col_pass")
    (param $rows i32) (param $pairs i32) (param $wts i32) (param $dst i32) (param $blocks i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $w v128) (local $x v128) (local $y v128) (local $k v128)
    (local $off i32) (local $rp i32) (local $wp i32) (local $pa i32) (local $pb i32) (local $i i32)
    ;; bias 2^15 · 256 plus rounding 2^15
    (local.set $k (v128.const i32x4 0x808000 0x808000 0x808000 0x808000))
    (local.set $off (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $blocks) (i32.const 0)))
      (loop $block
        (local.set $a0 (local.get $k))
        (local.set $a1 (local.get $k))
        (local.set $a2 (local.get $k))
        (local.set $a3 (local.get $k))
        (local.set $rp (local.get $rows))
        (local.set $wp (local.get $wts))
        (local.set $i (local.get $pairs))
        (loop $taps
          (local.set $w (v128.load (local.get $wp)))
          (local.set $pa (i32.add (i32.load (local.get $rp)) (local.get $off)))
          (local.set $pb (i32.add (i32.load offset=4 (local.get $rp)) (local.get $off)))
          (local.set $x (v128.load (local.get $pa)))
          (local.set $y (v128.load (local.get $pb)))
          (local.set $a0 (i32x4.add (local.get $a0)
            (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)))))
          (local.set $a1 (i32x4.add (local.get $a1)
            (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)))))
          (local.set $x (v128.load offset=16 (local.get $pa)))
          (local.set $y (v128.load offset=16 (local.get $pb)))
          (local.set $a2 (i32x4.add (local.get $a2)
            (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $x) (local.get $y)))))
          (local.set $a3 (i32x4.add (local.get $a3)
            (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $x) (local.get $y)))))
          (local.set $rp (i32.add (local.get $rp) (i32.const 8)))
          (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
          (br_if $taps (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        (v128.store (local.get $dst)
          (i8x16.narrow_i16x8_u
            (i16x8.narrow_i32x4_u
              (i32x4.shr_s (local.get $a0) (i32.const 16)) (i32x4.shr_s (local.get $a1) (i32.const 16)))
            (i16x8.narrow_i32x4_u
              (i32x4.shr_s (local.get $a2) (i32.const 16)) (i32x4.shr_s (local.get $a3) (i32.const 16)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $off (i32.add (local.get $off) (i32.const 32)))
        (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1))))))))
