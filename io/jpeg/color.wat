;; The decoder's upsampling and YCbCr -> RGB, 128-bit SIMD: byte for byte the
;; TypeScript reference io/jpeg/color.ts (libjpeg-turbo's fancy upsampling
;; and fixed-point colour conversion). Imports the memory of idct.wat.
;;
;; Rows are processed 16 input samples at a time and may read up to 17 bytes
;; before / past a row and write up to 47 bytes past it: the arena leaves
;; that slack (pixels.ts). The first and last output samples of the
;; upsamplers, whose neighbours lie outside the row, are then set exactly.
;;
;; YCbCr -> RGB, with x = Cb - 128 and z = Cr - 128 (libjpeg's tables):
;;   R = Y + z + ((26345 z + 2^15) >> 16)  = Y + z + q15mulr(z, 13172)  (equal for all z, checked)
;;   B = Y + x + ((50594 x + 2^15) >> 16)  = Y + x + q15mulr(x, 25297)  (an identity)
;;   G = Y + ((-22554 x - 46802 z + 2^15) >> 16) = Y + ((-11277 x - 23401 z + 2^14) >> 15)
;; the last as an i32 dot product of (x, z) pairs.
(module
  (import "env" "memory" (memory 1))

  ;; The low and high 8 bytes of a vector widened to i16x8.
  (func $lo16 (param $v v128) (result v128) (i16x8.extend_low_i8x16_u (local.get $v)))
  (func $hi16 (param $v v128) (result v128) (i16x8.extend_high_i8x16_u (local.get $v)))

  (func (export "ycc_rgb") (param $y i32) (param $cb i32) (param $cr i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $c128 v128)
    (local $yl v128) (local $yh v128) (local $xl v128) (local $xh v128) (local $zl v128) (local $zh v128)
    (local $r v128) (local $g v128) (local $b v128) (local $t v128) (local $w v128) (local $h v128)
    (local.set $c128 (i16x8.splat (i32.const 128)))
    (local.set $w (i32x4.splat (i32.const 0xa497d3f3))) ;; pairs (-11277, -23401) as i16 lanes
    (local.set $h (i32x4.splat (i32.const 16384)))
    (block $done
      (loop $px
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $t (v128.load (i32.add (local.get $y) (local.get $i))))
        (local.set $yl (call $lo16 (local.get $t)))
        (local.set $yh (call $hi16 (local.get $t)))
        (local.set $t (v128.load (i32.add (local.get $cb) (local.get $i))))
        (local.set $xl (i16x8.sub (call $lo16 (local.get $t)) (local.get $c128)))
        (local.set $xh (i16x8.sub (call $hi16 (local.get $t)) (local.get $c128)))
        (local.set $t (v128.load (i32.add (local.get $cr) (local.get $i))))
        (local.set $zl (i16x8.sub (call $lo16 (local.get $t)) (local.get $c128)))
        (local.set $zh (i16x8.sub (call $hi16 (local.get $t)) (local.get $c128)))
        (local.set $r (i8x16.narrow_i16x8_u
          (i16x8.add (i16x8.add (local.get $yl) (local.get $zl))
            (i16x8.q15mulr_sat_s (local.get $zl) (i16x8.splat (i32.const 13172))))
          (i16x8.add (i16x8.add (local.get $yh) (local.get $zh))
            (i16x8.q15mulr_sat_s (local.get $zh) (i16x8.splat (i32.const 13172))))))
        (local.set $b (i8x16.narrow_i16x8_u
          (i16x8.add (i16x8.add (local.get $yl) (local.get $xl))
            (i16x8.q15mulr_sat_s (local.get $xl) (i16x8.splat (i32.const 25297))))
          (i16x8.add (i16x8.add (local.get $yh) (local.get $xh))
            (i16x8.q15mulr_sat_s (local.get $xh) (i16x8.splat (i32.const 25297))))))
        (local.set $g (i8x16.narrow_i16x8_u
          (i16x8.add (local.get $yl) (i16x8.narrow_i32x4_s
            (i32x4.shr_s (i32x4.add (local.get $h) (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $xl) (local.get $zl)))) (i32.const 15))
            (i32x4.shr_s (i32x4.add (local.get $h) (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $xl) (local.get $zl)))) (i32.const 15))))
          (i16x8.add (local.get $yh) (i16x8.narrow_i32x4_s
            (i32x4.shr_s (i32x4.add (local.get $h) (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $xh) (local.get $zh)))) (i32.const 15))
            (i32x4.shr_s (i32x4.add (local.get $h) (i32x4.dot_i16x8_s (local.get $w)
              (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $xh) (local.get $zh)))) (i32.const 15))))))
        ;; Interleave: R0 G0 B0 R1 ... in three stores.
        (local.set $t (i8x16.shuffle 0 16 0 1 17 0 2 18 0 3 19 0 4 20 0 5 (local.get $r) (local.get $g)))
        (v128.store (local.get $dst)
          (i8x16.shuffle 0 1 16 3 4 17 6 7 18 9 10 19 12 13 20 15 (local.get $t) (local.get $b)))
        (local.set $t (i8x16.shuffle 21 0 6 22 0 7 23 0 8 24 0 9 25 0 10 26 (local.get $r) (local.get $g)))
        (v128.store offset=16 (local.get $dst)
          (i8x16.shuffle 0 21 2 3 22 5 6 23 8 9 24 11 12 25 14 15 (local.get $t) (local.get $b)))
        (local.set $t (i8x16.shuffle 0 11 27 0 12 28 0 13 29 0 14 30 0 15 31 0 (local.get $r) (local.get $g)))
        (v128.store offset=32 (local.get $dst)
          (i8x16.shuffle 26 1 2 27 4 5 28 7 8 29 10 11 30 13 14 31 (local.get $t) (local.get $b)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 48)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $px))))

  ;; Even and odd output bytes interleaved into 32 bytes at $d.
  (func $store_pairs (param $d i32) (param $el v128) (param $eh v128) (param $ol v128) (param $oh v128)
    (local $e v128) (local $o v128)
    (local.set $e (i8x16.narrow_i16x8_u (local.get $el) (local.get $eh)))
    (local.set $o (i8x16.narrow_i16x8_u (local.get $ol) (local.get $oh)))
    (v128.store (local.get $d)
      (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $e) (local.get $o)))
    (v128.store offset=16 (local.get $d)
      (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $e) (local.get $o))))

  ;; h2v1(src, dst, w): out[2x] = (3a + left + 1) >> 2, out[2x+1] = (3a + right + 2) >> 2.
  (func (export "h2v1") (param $src i32) (param $dst i32) (param $w i32)
    (local $x i32) (local $a v128) (local $p v128) (local $q v128) (local $al v128) (local $ah v128)
    (block $done
      (loop $cols
        (br_if $done (i32.ge_s (local.get $x) (local.get $w)))
        (local.set $a (v128.load (i32.add (local.get $src) (local.get $x))))
        (local.set $p (v128.load (i32.sub (i32.add (local.get $src) (local.get $x)) (i32.const 1))))
        (local.set $q (v128.load offset=1 (i32.add (local.get $src) (local.get $x))))
        (local.set $al (i16x8.mul (call $lo16 (local.get $a)) (i16x8.splat (i32.const 3))))
        (local.set $ah (i16x8.mul (call $hi16 (local.get $a)) (i16x8.splat (i32.const 3))))
        (call $store_pairs (i32.add (local.get $dst) (i32.shl (local.get $x) (i32.const 1)))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $al) (call $lo16 (local.get $p))) (i16x8.splat (i32.const 1))) (i32.const 2))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $ah) (call $hi16 (local.get $p))) (i16x8.splat (i32.const 1))) (i32.const 2))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $al) (call $lo16 (local.get $q))) (i16x8.splat (i32.const 2))) (i32.const 2))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $ah) (call $hi16 (local.get $q))) (i16x8.splat (i32.const 2))) (i32.const 2)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $cols)))
    ;; The edges repeat the edge sample.
    (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
    (i32.store8 (i32.sub (i32.add (local.get $dst) (i32.shl (local.get $w) (i32.const 1))) (i32.const 1))
      (i32.load8_u (i32.sub (i32.add (local.get $src) (local.get $w)) (i32.const 1)))))

  ;; Column sums 3 cur + nbr of the 16 samples at $cur and $nbr, low and high halves.
  (func $colsum (param $cur i32) (param $nbr i32) (result v128 v128)
    (local $c v128) (local $n v128)
    (local.set $c (v128.load (local.get $cur)))
    (local.set $n (v128.load (local.get $nbr)))
    (i16x8.add (i16x8.mul (call $lo16 (local.get $c)) (i16x8.splat (i32.const 3))) (call $lo16 (local.get $n)))
    (i16x8.add (i16x8.mul (call $hi16 (local.get $c)) (i16x8.splat (i32.const 3))) (call $hi16 (local.get $n))))

  ;; h2v2(cur, nbr, dst, w): column sums c = 3 cur + nbr, then
  ;; out[2x] = (3c + c[x-1] + 8) >> 4, out[2x+1] = (3c + c[x+1] + 7) >> 4.
  (func (export "h2v2") (param $cur i32) (param $nbr i32) (param $dst i32) (param $w i32)
    (local $x i32) (local $cl v128) (local $ch v128) (local $pl v128) (local $ph v128)
    (local $nl v128) (local $nh v128) (local $t i32)
    (block $done
      (loop $cols
        (br_if $done (i32.ge_s (local.get $x) (local.get $w)))
        (call $colsum (i32.add (local.get $cur) (local.get $x)) (i32.add (local.get $nbr) (local.get $x)))
        (local.set $ch) (local.set $cl)
        (call $colsum (i32.sub (i32.add (local.get $cur) (local.get $x)) (i32.const 1))
          (i32.sub (i32.add (local.get $nbr) (local.get $x)) (i32.const 1)))
        (local.set $ph) (local.set $pl)
        (call $colsum (i32.add (i32.add (local.get $cur) (local.get $x)) (i32.const 1))
          (i32.add (i32.add (local.get $nbr) (local.get $x)) (i32.const 1)))
        (local.set $nh) (local.set $nl)
        (local.set $cl (i16x8.mul (local.get $cl) (i16x8.splat (i32.const 3))))
        (local.set $ch (i16x8.mul (local.get $ch) (i16x8.splat (i32.const 3))))
        (call $store_pairs (i32.add (local.get $dst) (i32.shl (local.get $x) (i32.const 1)))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $cl) (local.get $pl)) (i16x8.splat (i32.const 8))) (i32.const 4))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $ch) (local.get $ph)) (i16x8.splat (i32.const 8))) (i32.const 4))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $cl) (local.get $nl)) (i16x8.splat (i32.const 7))) (i32.const 4))
          (i16x8.shr_u (i16x8.add (i16x8.add (local.get $ch) (local.get $nh)) (i16x8.splat (i32.const 7))) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $cols)))
    ;; First and last outputs: (4c + 8) >> 4 and (4c + 7) >> 4.
    (local.set $t (i32.add (i32.mul (i32.load8_u (local.get $cur)) (i32.const 3)) (i32.load8_u (local.get $nbr))))
    (i32.store8 (local.get $dst) (i32.shr_u (i32.add (i32.shl (local.get $t) (i32.const 2)) (i32.const 8)) (i32.const 4)))
    (local.set $x (i32.sub (local.get $w) (i32.const 1)))
    (local.set $t (i32.add
      (i32.mul (i32.load8_u (i32.add (local.get $cur) (local.get $x))) (i32.const 3))
      (i32.load8_u (i32.add (local.get $nbr) (local.get $x)))))
    (i32.store8 (i32.add (i32.add (local.get $dst) (i32.shl (local.get $x) (i32.const 1))) (i32.const 1))
      (i32.shr_u (i32.add (i32.shl (local.get $t) (i32.const 2)) (i32.const 7)) (i32.const 4))))

;; h1v2(cur, nbr, dst, w, bias): (3 cur + nbr + bias) >> 2.
  (func (export "h1v2") (param $cur i32) (param $nbr i32) (param $dst i32) (param $w i32) (param $bias i32)
    (local $x i32) (local $b v128) (local $l v128) (local $h v128)
    (local.set $b (i16x8.splat (local.get $bias)))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_s (local.get $x) (local.get $w)))
        (call $colsum (i32.add (local.get $cur) (local.get $x)) (i32.add (local.get $nbr) (local.get $x)))
        (local.set $h) (local.set $l)
        (v128.store (i32.add (local.get $dst) (local.get $x))
          (i8x16.narrow_i16x8_u
            (i16x8.shr_u (i16x8.add (local.get $l) (local.get $b)) (i32.const 2))
            (i16x8.shr_u (i16x8.add (local.get $h) (local.get $b)) (i32.const 2))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $cols)))))
