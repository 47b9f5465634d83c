;; Dequantization + libjpeg's accurate integer inverse DCT (ISLOW), 128-bit SIMD.
;; Byte for byte the TypeScript reference io/jpeg/idct.ts (int32 lanes with
;; wrap-around, as its Math.imul arithmetic).
;;
;; Pass 1 (columns) runs on rows as vectors — 4 columns per i32x4, so the
;; column butterflies are plain vector ops, twice per block. Its output is
;; transposed (4×4 i32 tiles) so pass 2 (rows) runs with rows in the lanes;
;; the range-limited results are narrowed to bytes and transposed back with
;; eight byte shuffles.
;;
;; Range limit: libjpeg maps the descaled value v through a table that wraps
;; modulo 1024; clamp(((v + 512) & 1023) - 384, 0, 255) is the same map, and
;; the saturating narrows do the clamp.
(module
  (memory (export "memory") 1)

  ;; The LLM butterfly shared by both passes: in x0..x7 (one 1-D transform
  ;; per lane), out the unscaled outputs 0..7.
  (func $core
    (param $x0 v128) (param $x1 v128) (param $x2 v128) (param $x3 v128)
    (param $x4 v128) (param $x5 v128) (param $x6 v128) (param $x7 v128)
    (result v128 v128 v128 v128 v128 v128 v128 v128)
    (local $z1 v128) (local $z2 v128) (local $z3 v128) (local $z4 v128) (local $z5 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $t10 v128) (local $t11 v128) (local $t12 v128) (local $t13 v128)
    ;; Even part.
    (local.set $z1 (i32x4.mul (i32x4.add (local.get $x2) (local.get $x6)) (i32x4.splat (i32.const 4433))))
    (local.set $t2 (i32x4.sub (local.get $z1) (i32x4.mul (local.get $x6) (i32x4.splat (i32.const 15137)))))
    (local.set $t3 (i32x4.add (local.get $z1) (i32x4.mul (local.get $x2) (i32x4.splat (i32.const 6270)))))
    (local.set $t0 (i32x4.shl (i32x4.add (local.get $x0) (local.get $x4)) (i32.const 13)))
    (local.set $t1 (i32x4.shl (i32x4.sub (local.get $x0) (local.get $x4)) (i32.const 13)))
    (local.set $t10 (i32x4.add (local.get $t0) (local.get $t3)))
    (local.set $t13 (i32x4.sub (local.get $t0) (local.get $t3)))
    (local.set $t11 (i32x4.add (local.get $t1) (local.get $t2)))
    (local.set $t12 (i32x4.sub (local.get $t1) (local.get $t2)))
    ;; Odd part: x7, x5, x3, x1.
    (local.set $z1 (i32x4.add (local.get $x7) (local.get $x1)))
    (local.set $z2 (i32x4.add (local.get $x5) (local.get $x3)))
    (local.set $z3 (i32x4.add (local.get $x7) (local.get $x3)))
    (local.set $z4 (i32x4.add (local.get $x5) (local.get $x1)))
    (local.set $z5 (i32x4.mul (i32x4.add (local.get $z3) (local.get $z4)) (i32x4.splat (i32.const 9633))))
    (local.set $t0 (i32x4.mul (local.get $x7) (i32x4.splat (i32.const 2446))))
    (local.set $t1 (i32x4.mul (local.get $x5) (i32x4.splat (i32.const 16819))))
    (local.set $t2 (i32x4.mul (local.get $x3) (i32x4.splat (i32.const 25172))))
    (local.set $t3 (i32x4.mul (local.get $x1) (i32x4.splat (i32.const 12299))))
    (local.set $z1 (i32x4.mul (local.get $z1) (i32x4.splat (i32.const -7373))))
    (local.set $z2 (i32x4.mul (local.get $z2) (i32x4.splat (i32.const -20995))))
    (local.set $z3 (i32x4.add (i32x4.mul (local.get $z3) (i32x4.splat (i32.const -16069))) (local.get $z5)))
    (local.set $z4 (i32x4.add (i32x4.mul (local.get $z4) (i32x4.splat (i32.const -3196))) (local.get $z5)))
    (local.set $t0 (i32x4.add (local.get $t0) (i32x4.add (local.get $z1) (local.get $z3))))
    (local.set $t1 (i32x4.add (local.get $t1) (i32x4.add (local.get $z2) (local.get $z4))))
    (local.set $t2 (i32x4.add (local.get $t2) (i32x4.add (local.get $z2) (local.get $z3))))
    (local.set $t3 (i32x4.add (local.get $t3) (i32x4.add (local.get $z1) (local.get $z4))))
    (i32x4.add (local.get $t10) (local.get $t3))
    (i32x4.add (local.get $t11) (local.get $t2))
    (i32x4.add (local.get $t12) (local.get $t1))
    (i32x4.add (local.get $t13) (local.get $t0))
    (i32x4.sub (local.get $t13) (local.get $t0))
    (i32x4.sub (local.get $t12) (local.get $t1))
    (i32x4.sub (local.get $t11) (local.get $t2))
    (i32x4.sub (local.get $t10) (local.get $t3)))

;; Pass 1 over four columns: rows 0..7 of (coef[r] widened) * quant, descaled by 2^11.
  ;; $c and $q point at the first of the four columns (columns 4..7: coef + 8, quant + 16).
  ;; Returns the eight rows of the work block.
  (func $pass1 (param $c i32) (param $q i32)
    (result v128 v128 v128 v128 v128 v128 v128 v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local $o4 v128) (local $o5 v128) (local $o6 v128) (local $o7 v128)
    (local $r v128)
    (call $core
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=0 (local.get $c))) (v128.load offset=0 (local.get $q)))
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=16 (local.get $c))) (v128.load offset=32 (local.get $q)))
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=32 (local.get $c))) (v128.load offset=64 (local.get $q)))
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=48 (local.get $c))) (v128.load offset=96 (local.get $q)))
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=64 (local.get $c))) (v128.load offset=128 (local.get $q)))
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=80 (local.get $c))) (v128.load offset=160 (local.get $q)))
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=96 (local.get $c))) (v128.load offset=192 (local.get $q)))
      (i32x4.mul (i32x4.extend_low_i16x8_s (v128.load64_zero offset=112 (local.get $c))) (v128.load offset=224 (local.get $q))))
    (local.set $o7) (local.set $o6) (local.set $o5) (local.set $o4)
    (local.set $o3) (local.set $o2) (local.set $o1) (local.set $o0)
    (local.set $r (i32x4.splat (i32.const 1024)))
    (i32x4.shr_s (i32x4.add (local.get $o0) (local.get $r)) (i32.const 11))
    (i32x4.shr_s (i32x4.add (local.get $o1) (local.get $r)) (i32.const 11))
    (i32x4.shr_s (i32x4.add (local.get $o2) (local.get $r)) (i32.const 11))
    (i32x4.shr_s (i32x4.add (local.get $o3) (local.get $r)) (i32.const 11))
    (i32x4.shr_s (i32x4.add (local.get $o4) (local.get $r)) (i32.const 11))
    (i32x4.shr_s (i32x4.add (local.get $o5) (local.get $r)) (i32.const 11))
    (i32x4.shr_s (i32x4.add (local.get $o6) (local.get $r)) (i32.const 11))
    (i32x4.shr_s (i32x4.add (local.get $o7) (local.get $r)) (i32.const 11)))

  ;; Pass 2 over four rows whose columns are x0..x7 (rows in the lanes):
  ;; descale by 2^18, range-limit, and return the columns as i32 0..255.
  (func $pass2
    (param $x0 v128) (param $x1 v128) (param $x2 v128) (param $x3 v128)
    (param $x4 v128) (param $x5 v128) (param $x6 v128) (param $x7 v128)
    (result v128 v128 v128 v128 v128 v128 v128 v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local $o4 v128) (local $o5 v128) (local $o6 v128) (local $o7 v128)
    (local $r v128) (local $m v128) (local $b v128)
    (call $core (local.get $x0) (local.get $x1) (local.get $x2) (local.get $x3)
      (local.get $x4) (local.get $x5) (local.get $x6) (local.get $x7))
    (local.set $o7) (local.set $o6) (local.set $o5) (local.set $o4)
    (local.set $o3) (local.set $o2) (local.set $o1) (local.set $o0)
    ;; ((x + 2^17) >> 18) + 512 == (x + 2^17 + 2^27) >> 18 modulo 2^14, and only mod 1024 matters.
    (local.set $r (i32x4.splat (i32.const 134348800)))
    (local.set $m (i32x4.splat (i32.const 1023)))
    (local.set $b (i32x4.splat (i32.const 384)))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o0) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o1) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o2) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o3) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o4) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o5) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o6) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b))
    (i32x4.sub (v128.and (i32x4.shr_s (i32x4.add (local.get $o7) (local.get $r)) (i32.const 18)) (local.get $m)) (local.get $b)))

  ;; 4×4 i32 transpose helpers: lanes (a0 b0 a1 b1) and (a2 b2 a3 b3).
  (func $lo (param $a v128) (param $b v128) (result v128)
    (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
  (func $hi (param $a v128) (param $b v128) (result v128)
    (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
  (func $lo64 (param $a v128) (param $b v128) (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b)))
  (func $hi64 (param $a v128) (param $b v128) (result v128)
    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b)))

  ;; idct(coef, quant, n, dst, stride): n blocks of 64 int16 (natural order)
  ;; from coef, the int32 table at quant, block j to dst + 8j, rows stride apart.
  (func (export "idct") (param $coef i32) (param $q i32) (param $n i32) (param $dst i32) (param $stride i32)
    ;; Work rows 0..7, columns 0..3 (a) and 4..7 (b).
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $b4 v128) (local $b5 v128) (local $b6 v128) (local $b7 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; Output columns for rows 0..3 (c) and 4..7 (d).
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $d4 v128) (local $d5 v128) (local $d6 v128) (local $d7 v128)
    (local $p v128) (local $u v128) (local $v v128) (local $w v128) (local $x v128)
    (local $j i32) (local $o i32)
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (call $pass1 (local.get $coef) (local.get $q))
        (local.set $a7) (local.set $a6) (local.set $a5) (local.set $a4)
        (local.set $a3) (local.set $a2) (local.set $a1) (local.set $a0)
        (call $pass1 (i32.add (local.get $coef) (i32.const 8)) (i32.add (local.get $q) (i32.const 16)))
        (local.set $b7) (local.set $b6) (local.set $b5) (local.set $b4)
        (local.set $b3) (local.set $b2) (local.set $b1) (local.set $b0)
        ;; Rows 0..3 as columns: tile (a0..a3) gives columns 0..3, (b0..b3) columns 4..7.
        (local.set $t0 (call $lo (local.get $a0) (local.get $a1)))
        (local.set $t1 (call $hi (local.get $a0) (local.get $a1)))
        (local.set $t2 (call $lo (local.get $a2) (local.get $a3)))
        (local.set $t3 (call $hi (local.get $a2) (local.get $a3)))
        (local.set $c0 (call $lo64 (local.get $t0) (local.get $t2)))
        (local.set $c1 (call $hi64 (local.get $t0) (local.get $t2)))
        (local.set $c2 (call $lo64 (local.get $t1) (local.get $t3)))
        (local.set $c3 (call $hi64 (local.get $t1) (local.get $t3)))
        (local.set $t0 (call $lo (local.get $b0) (local.get $b1)))
        (local.set $t1 (call $hi (local.get $b0) (local.get $b1)))
        (local.set $t2 (call $lo (local.get $b2) (local.get $b3)))
        (local.set $t3 (call $hi (local.get $b2) (local.get $b3)))
        (local.set $c4 (call $lo64 (local.get $t0) (local.get $t2)))
        (local.set $c5 (call $hi64 (local.get $t0) (local.get $t2)))
        (local.set $c6 (call $lo64 (local.get $t1) (local.get $t3)))
        (local.set $c7 (call $hi64 (local.get $t1) (local.get $t3)))
        (call $pass2 (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)
          (local.get $c4) (local.get $c5) (local.get $c6) (local.get $c7))
        (local.set $c7) (local.set $c6) (local.set $c5) (local.set $c4)
        (local.set $c3) (local.set $c2) (local.set $c1) (local.set $c0)
        ;; Rows 4..7.
        (local.set $t0 (call $lo (local.get $a4) (local.get $a5)))
        (local.set $t1 (call $hi (local.get $a4) (local.get $a5)))
        (local.set $t2 (call $lo (local.get $a6) (local.get $a7)))
        (local.set $t3 (call $hi (local.get $a6) (local.get $a7)))
        (local.set $d0 (call $lo64 (local.get $t0) (local.get $t2)))
        (local.set $d1 (call $hi64 (local.get $t0) (local.get $t2)))
        (local.set $d2 (call $lo64 (local.get $t1) (local.get $t3)))
        (local.set $d3 (call $hi64 (local.get $t1) (local.get $t3)))
        (local.set $t0 (call $lo (local.get $b4) (local.get $b5)))
        (local.set $t1 (call $hi (local.get $b4) (local.get $b5)))
        (local.set $t2 (call $lo (local.get $b6) (local.get $b7)))
        (local.set $t3 (call $hi (local.get $b6) (local.get $b7)))
        (local.set $d4 (call $lo64 (local.get $t0) (local.get $t2)))
        (local.set $d5 (call $hi64 (local.get $t0) (local.get $t2)))
        (local.set $d6 (call $lo64 (local.get $t1) (local.get $t3)))
        (local.set $d7 (call $hi64 (local.get $t1) (local.get $t3)))
        (call $pass2 (local.get $d0) (local.get $d1) (local.get $d2) (local.get $d3)
          (local.get $d4) (local.get $d5) (local.get $d6) (local.get $d7))
        (local.set $d7) (local.set $d6) (local.set $d5) (local.set $d4)
        (local.set $d3) (local.set $d2) (local.set $d1) (local.set $d0)
        ;; Columns as bytes, rows 0..7 in each half: u = (col0 | col1), v, w, x.
        (local.set $u (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s (local.get $c0) (local.get $d0))
          (i16x8.narrow_i32x4_s (local.get $c1) (local.get $d1))))
        (local.set $v (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s (local.get $c2) (local.get $d2))
          (i16x8.narrow_i32x4_s (local.get $c3) (local.get $d3))))
        (local.set $w (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s (local.get $c4) (local.get $d4))
          (i16x8.narrow_i32x4_s (local.get $c5) (local.get $d5))))
        (local.set $x (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s (local.get $c6) (local.get $d6))
          (i16x8.narrow_i32x4_s (local.get $c7) (local.get $d7))))
        ;; Back to rows: columns 0..3 and 4..7 of rows 0..3, then of rows 4..7.
        (local.set $t0 (i8x16.shuffle 0 8 16 24 1 9 17 25 2 10 18 26 3 11 19 27 (local.get $u) (local.get $v)))
        (local.set $t1 (i8x16.shuffle 0 8 16 24 1 9 17 25 2 10 18 26 3 11 19 27 (local.get $w) (local.get $x)))
        (local.set $t2 (i8x16.shuffle 4 12 20 28 5 13 21 29 6 14 22 30 7 15 23 31 (local.get $u) (local.get $v)))
        (local.set $t3 (i8x16.shuffle 4 12 20 28 5 13 21 29 6 14 22 30 7 15 23 31 (local.get $w) (local.get $x)))
        (local.set $o (local.get $dst))
        (local.set $p (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t0) (local.get $t1)))
        (v128.store64_lane 0 (local.get $o) (local.get $p))
        (v128.store64_lane 1 (i32.add (local.get $o) (local.get $stride)) (local.get $p))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $stride) (i32.const 1))))
        (local.set $p (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t0) (local.get $t1)))
        (v128.store64_lane 0 (local.get $o) (local.get $p))
        (v128.store64_lane 1 (i32.add (local.get $o) (local.get $stride)) (local.get $p))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $stride) (i32.const 1))))
        (local.set $p (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $t2) (local.get $t3)))
        (v128.store64_lane 0 (local.get $o) (local.get $p))
        (v128.store64_lane 1 (i32.add (local.get $o) (local.get $stride)) (local.get $p))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $stride) (i32.const 1))))
        (local.set $p (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $t2) (local.get $t3)))
        (v128.store64_lane 0 (local.get $o) (local.get $p))
        (v128.store64_lane 1 (i32.add (local.get $o) (local.get $stride)) (local.get $p))
        (local.set $coef (i32.add (local.get $coef) (i32.const 128)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $blocks)))))
