;; The exact u8 bilateral filter (filters/bilateral/exact.ts, method "exact", L1
;; colour distance), 128-bit SIMD, 8 (gray) or 4 (colour) output pixels per
;; step, one float64 lane per pixel.
;;
;; Output pixel p: out(p) = Σ_k T_k[D_k]·I(p + o_k) / Σ_k T_k[D_k], with
;; D_k = Σ_c |I_c(p + o_k) − I_c(p)| and one f64 weight table per tap (the
;; glue passes the TypeScript path's own weights: space × colour, float32-
;; rounded for gray). Both sums are float64, accumulated tap after tap in
;; the tap order, each lane on its own pixel: the very operations of the
;; TypeScript path, so the same bytes (no FMA, no reassociation). The
;; quotient is rounded half to even and saturated to 0..255, as storeInto.
;;
;; Memory, set up by filters/bilateral/bilateral_simd.ts:
;;   ring: 2r + 1 padded rows of the image, each twice —
;;     gray:   i32 samples × 8, so |Δ| is already a byte offset into an f64
;;             table; colour: the channels packed into the bytes of one i32
;;             (bytes past cn zero), the distance by saturating byte
;;             differences and pairwise sums;
;;     and as f64 samples, one row per channel (the values summed).
;;     Element e of the i32 side is at ring + 4e, of the f64 side at
;;     2·(ring + 4e) + delta; channel c's f64 row is c·2·cs bytes further.
;;   offs: per tap, the i32 element offset of the tap's sample for output
;;     x = 0 (rewritten per row by the glue: the ring slot moves).
;;   tbl:  per tap, an i32x4 splat of the byte address of its weight table.
;;
;; Lanes past the row's end compute junk from the ring's spare columns (which
;; hold real samples) and are not stored.

(module
  (memory (export "memory") 1)

  ;; fill(src, xs, n, r, wv, cn, ch, dstI, dstF, cs, cval, mask, packed)
  ;;   One ring row of n columns. Column j is the source pixel at byte
  ;;   src + xs[j] (xs[j] < 0, or src < 0 for a border row: cval); its cn
  ;;   first channels go to dstI + 4j (gray: 8·v; packed: the bytes of one
  ;;   i32) and as f64 to dstF + 2·c·cs + 8j. Columns r … r + wv − 1 (wv a
  ;;   multiple of 4) are the row itself, xs[j] = (j − r)·ch: 16 bytes are
  ;;   loaded per 4 columns and `mask` (an i8x16.swizzle pattern) moves their
  ;;   channels into i32 lanes.
  (func (export "fill")
    (param $src i32) (param $xs i32) (param $n i32) (param $r i32) (param $wv i32)
    (param $cn i32) (param $ch i32) (param $dstI i32) (param $dstF i32) (param $cs i32)
    (param $cval i32) (param $mask i32) (param $packed i32)
    (local $j i32) (local $o i32) (local $c i32) (local $v i32) (local $word i32)
    (local $pf i32) (local $cs2 i32) (local $s i32) (local $e i32)
    (local $m v128) (local $q v128) (local $t v128)
    (local.set $cs2 (i32.shl (local.get $cs) (i32.const 1)))
    (local.set $m (v128.load (local.get $mask)))
    (local.set $j (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $col
        (if (i32.and (i32.and (i32.ge_s (local.get $src) (i32.const 0))
              (i32.eq (local.get $j) (local.get $r))) (i32.gt_s (local.get $wv) (i32.const 0)))
          (then
            (local.set $s (local.get $src))
            (local.set $e (i32.add (local.get $j) (local.get $wv)))
            (loop $vec
              (local.set $q (i8x16.swizzle (v128.load (local.get $s)) (local.get $m)))
              (v128.store (i32.add (local.get $dstI) (i32.shl (local.get $j) (i32.const 2)))
                (select (result v128) (local.get $q) (i32x4.shl (local.get $q) (i32.const 3))
                  (local.get $packed)))
              (local.set $pf (i32.add (local.get $dstF) (i32.shl (local.get $j) (i32.const 3))))
              (local.set $c (i32.const 0))
              (loop $vchan
                (local.set $t (v128.and
                  (i32x4.shr_u (local.get $q) (i32.shl (local.get $c) (i32.const 3)))
                  (v128.const i32x4 255 255 255 255)))
                (v128.store (local.get $pf) (f64x2.convert_low_i32x4_u (local.get $t)))
                (v128.store offset=16 (local.get $pf) (f64x2.convert_low_i32x4_u
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $t) (local.get $t))))
                (local.set $pf (i32.add (local.get $pf) (local.get $cs2)))
                (br_if $vchan (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1)))
                  (local.get $cn))))
              (local.set $s (i32.add (local.get $s) (i32.shl (local.get $ch) (i32.const 2))))
              (br_if $vec (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4)))
                (local.get $e))))
            (br_if $col (i32.lt_s (local.get $j) (local.get $n)))
            (br $done)))
        (local.set $o (i32.load (i32.add (local.get $xs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $o
          (select (i32.const -1) (i32.add (local.get $src) (local.get $o))
            (i32.or (i32.lt_s (local.get $src) (i32.const 0)) (i32.lt_s (local.get $o) (i32.const 0)))))
        (local.set $word (i32.const 0))
        (local.set $pf (i32.add (local.get $dstF) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $c (i32.const 0))
        (loop $chan
          (local.set $v
            (if (result i32) (i32.lt_s (local.get $o) (i32.const 0))
              (then (local.get $cval))
              (else (i32.load8_u (i32.add (local.get $o) (local.get $c))))))
          ;; packed rows get cval in 0..255 only (the glue's condition)
          (local.set $word (i32.or (local.get $word)
            (i32.shl (local.get $v) (i32.shl (local.get $c) (i32.const 3)))))
          (f64.store (local.get $pf) (f64.convert_i32_s (local.get $v)))
          (local.set $pf (i32.add (local.get $pf) (local.get $cs2)))
          (br_if $chan (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1)))
            (local.get $cn))))
        (i32.store (i32.add (local.get $dstI) (i32.shl (local.get $j) (i32.const 2)))
          (select (local.get $word) (i32.shl (local.get $v) (i32.const 3)) (local.get $packed)))
        (br_if $col (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1)))
          (local.get $n))))))

  ;; Stores the four lanes of `q` (i32x4), saturated to 0..255, as bytes at
  ;; dst, dst + ch, …, the first `n` of them only.
  (func $store4 (param $q v128) (param $dst i32) (param $ch i32) (param $n i32)
    (local.set $q (i8x16.narrow_i16x8_u
      (i16x8.narrow_i32x4_s (local.get $q) (local.get $q)) (local.get $q)))
    (i32.store8 (local.get $dst) (i8x16.extract_lane_u 0 (local.get $q)))
    (if (i32.le_s (local.get $n) (i32.const 1)) (then (return)))
    (local.set $dst (i32.add (local.get $dst) (local.get $ch)))
    (i32.store8 (local.get $dst) (i8x16.extract_lane_u 1 (local.get $q)))
    (if (i32.le_s (local.get $n) (i32.const 2)) (then (return)))
    (local.set $dst (i32.add (local.get $dst) (local.get $ch)))
    (i32.store8 (local.get $dst) (i8x16.extract_lane_u 2 (local.get $q)))
    (if (i32.le_s (local.get $n) (i32.const 3)) (then (return)))
    (local.set $dst (i32.add (local.get $dst) (local.get $ch)))
    (i32.store8 (local.get $dst) (i8x16.extract_lane_u 3 (local.get $q))))

  ;; round-half-even(s / ws) of two f64x2 halves, as one i32x4
  (func $quot (param $s0 v128) (param $w0 v128) (param $s1 v128) (param $w1 v128) (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (i32x4.trunc_sat_f64x2_s_zero (f64x2.nearest (f64x2.div (local.get $s0) (local.get $w0))))
      (i32x4.trunc_sat_f64x2_s_zero (f64x2.nearest (f64x2.div (local.get $s1) (local.get $w1))))))

  ;; The L1 distances of four packed pixels to the packed centres `c`, × 8
  ;; (byte offsets into an f64 table): |v − c| per byte by saturating
  ;; differences, byte pairs summed, then pairs of pairs by a dot with 8s.
  (func $dist8 (param $v v128) (param $c v128) (result v128)
    (i32x4.dot_i16x8_s
      (i16x8.extadd_pairwise_i8x16_u
        (v128.or (i8x16.sub_sat_u (local.get $v) (local.get $c))
          (i8x16.sub_sat_u (local.get $c) (local.get $v))))
      (v128.const i16x8 8 8 8 8 8 8 8 8)))

  ;; row1(ring, delta, offs, tbl, nt, ecen, w, dst, ch)
  ;;   One output row, gray: pixels x = 0 … w − 1 (8 per step), the centre
  ;;   sample of x at element ecen + x; the result byte of x at dst + x·ch.
  ;;   The lane addresses leave the vector as two i64 halves (cheaper than
  ;;   four 32-bit lane extractions).
  (func (export "row1")
    (param $ring i32) (param $delta i32) (param $offs i32) (param $tbl i32) (param $nt i32)
    (param $ecen i32) (param $w i32) (param $dst i32) (param $ch i32)
    (local $q i64) (local $x i32) (local $k i32) (local $op i32) (local $tp i32) (local $a i32)
    (local $f i32)
    (local $c v128) (local $e v128) (local $d v128) (local $t v128) (local $g0 v128) (local $g1 v128)
    (local $s0 v128) (local $s1 v128) (local $w0 v128) (local $w1 v128)
    (local $s2 v128) (local $s3 v128) (local $w2 v128) (local $w3 v128)
    (local.set $x (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $w) (i32.const 0)))
      (loop $group
        (local.set $a (i32.add (local.get $ring)
          (i32.shl (i32.add (local.get $ecen) (local.get $x)) (i32.const 2))))
        (local.set $c (v128.load (local.get $a)))
        (local.set $e (v128.load offset=16 (local.get $a)))
        (local.set $s0 (v128.const i64x2 0 0))
        (local.set $s1 (v128.const i64x2 0 0))
        (local.set $w0 (v128.const i64x2 0 0))
        (local.set $w1 (v128.const i64x2 0 0))
        (local.set $s2 (v128.const i64x2 0 0))
        (local.set $s3 (v128.const i64x2 0 0))
        (local.set $w2 (v128.const i64x2 0 0))
        (local.set $w3 (v128.const i64x2 0 0))
        (local.set $op (local.get $offs))
        (local.set $tp (local.get $tbl))
        (local.set $k (local.get $nt))
        (loop $taps
          (local.set $a (i32.add (local.get $ring)
            (i32.shl (i32.add (i32.load (local.get $op)) (local.get $x)) (i32.const 2))))
          (local.set $f (i32.add (i32.shl (local.get $a) (i32.const 1)) (local.get $delta)))
          (local.set $t (v128.load (local.get $tp)))
          ;; pixels x … x + 3
          (local.set $d (i32x4.add (local.get $t)
            (i32x4.abs (i32x4.sub (v128.load (local.get $a)) (local.get $c)))))
          (local.set $q (i64x2.extract_lane 0 (local.get $d)))
          (local.set $g0 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $q (i64x2.extract_lane 1 (local.get $d)))
          (local.set $g1 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $s0 (f64x2.add (local.get $s0)
            (f64x2.mul (v128.load (local.get $f)) (local.get $g0))))
          (local.set $s1 (f64x2.add (local.get $s1)
            (f64x2.mul (v128.load offset=16 (local.get $f)) (local.get $g1))))
          (local.set $w0 (f64x2.add (local.get $w0) (local.get $g0)))
          (local.set $w1 (f64x2.add (local.get $w1) (local.get $g1)))
          ;; pixels x + 4 … x + 7
          (local.set $d (i32x4.add (local.get $t)
            (i32x4.abs (i32x4.sub (v128.load offset=16 (local.get $a)) (local.get $e)))))
          (local.set $q (i64x2.extract_lane 0 (local.get $d)))
          (local.set $g0 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $q (i64x2.extract_lane 1 (local.get $d)))
          (local.set $g1 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $s2 (f64x2.add (local.get $s2)
            (f64x2.mul (v128.load offset=32 (local.get $f)) (local.get $g0))))
          (local.set $s3 (f64x2.add (local.get $s3)
            (f64x2.mul (v128.load offset=48 (local.get $f)) (local.get $g1))))
          (local.set $w2 (f64x2.add (local.get $w2) (local.get $g0)))
          (local.set $w3 (f64x2.add (local.get $w3) (local.get $g1)))
          (local.set $op (i32.add (local.get $op) (i32.const 4)))
          (local.set $tp (i32.add (local.get $tp) (i32.const 16)))
          (br_if $taps (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $a (i32.add (local.get $dst) (i32.mul (local.get $x) (local.get $ch))))
        (call $store4
          (call $quot (local.get $s0) (local.get $w0) (local.get $s1) (local.get $w1))
          (local.get $a) (local.get $ch) (i32.sub (local.get $w) (local.get $x)))
        (if (i32.gt_s (i32.sub (local.get $w) (local.get $x)) (i32.const 4))
          (then (call $store4
            (call $quot (local.get $s2) (local.get $w2) (local.get $s3) (local.get $w3))
            (i32.add (local.get $a) (i32.shl (local.get $ch) (i32.const 2))) (local.get $ch)
            (i32.sub (i32.sub (local.get $w) (local.get $x)) (i32.const 4)))))
        (br_if $group (i32.lt_s (local.tee $x (i32.add (local.get $x) (i32.const 8)))
          (local.get $w))))))

  ;; row3(ring, delta, offs, tbl, nt, ecen, w, dst, ch, cs)
  ;;   row1 for three packed channels, 4 pixels per step; the table address
  ;;   is added to the two i64 halves of the distances (one add per pair).
  (func (export "row3")
    (param $ring i32) (param $delta i32) (param $offs i32) (param $tbl i32) (param $nt i32)
    (param $ecen i32) (param $w i32) (param $dst i32) (param $ch i32) (param $cs i32)
    (local $q i64) (local $tb i64) (local $x i32) (local $k i32) (local $op i32) (local $tp i32)
    (local $a i32) (local $f i32) (local $cs2 i32) (local $o i32)
    (local $c v128) (local $d v128) (local $g0 v128) (local $g1 v128)
    (local $s00 v128) (local $s01 v128) (local $s10 v128) (local $s11 v128)
    (local $s20 v128) (local $s21 v128) (local $w0 v128) (local $w1 v128)
    (local.set $cs2 (i32.shl (local.get $cs) (i32.const 1)))
    (local.set $x (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $w) (i32.const 0)))
      (loop $group
        (local.set $c (v128.load (i32.add (local.get $ring)
          (i32.shl (i32.add (local.get $ecen) (local.get $x)) (i32.const 2)))))
        (local.set $s00 (v128.const i64x2 0 0))
        (local.set $s01 (v128.const i64x2 0 0))
        (local.set $s10 (v128.const i64x2 0 0))
        (local.set $s11 (v128.const i64x2 0 0))
        (local.set $s20 (v128.const i64x2 0 0))
        (local.set $s21 (v128.const i64x2 0 0))
        (local.set $w0 (v128.const i64x2 0 0))
        (local.set $w1 (v128.const i64x2 0 0))
        (local.set $op (local.get $offs))
        (local.set $tp (local.get $tbl))
        (local.set $k (local.get $nt))
        (loop $taps
          (local.set $a (i32.add (local.get $ring)
            (i32.shl (i32.add (i32.load (local.get $op)) (local.get $x)) (i32.const 2))))
          (local.set $f (i32.add (i32.shl (local.get $a) (i32.const 1)) (local.get $delta)))
          ;; the table address in both halves of an i64 (lanes 0 and 1 of the splat)
          (local.set $tb (i64.load (local.get $tp)))
          (local.set $d (call $dist8 (v128.load (local.get $a)) (local.get $c)))
          (local.set $q (i64.add (local.get $tb) (i64x2.extract_lane 0 (local.get $d))))
          (local.set $g0 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $q (i64.add (local.get $tb) (i64x2.extract_lane 1 (local.get $d))))
          (local.set $g1 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $s00 (f64x2.add (local.get $s00)
            (f64x2.mul (v128.load (local.get $f)) (local.get $g0))))
          (local.set $s01 (f64x2.add (local.get $s01)
            (f64x2.mul (v128.load offset=16 (local.get $f)) (local.get $g1))))
          (local.set $f (i32.add (local.get $f) (local.get $cs2)))
          (local.set $s10 (f64x2.add (local.get $s10)
            (f64x2.mul (v128.load (local.get $f)) (local.get $g0))))
          (local.set $s11 (f64x2.add (local.get $s11)
            (f64x2.mul (v128.load offset=16 (local.get $f)) (local.get $g1))))
          (local.set $f (i32.add (local.get $f) (local.get $cs2)))
          (local.set $s20 (f64x2.add (local.get $s20)
            (f64x2.mul (v128.load (local.get $f)) (local.get $g0))))
          (local.set $s21 (f64x2.add (local.get $s21)
            (f64x2.mul (v128.load offset=16 (local.get $f)) (local.get $g1))))
          (local.set $w0 (f64x2.add (local.get $w0) (local.get $g0)))
          (local.set $w1 (f64x2.add (local.get $w1) (local.get $g1)))
          (local.set $op (i32.add (local.get $op) (i32.const 4)))
          (local.set $tp (i32.add (local.get $tp) (i32.const 16)))
          (br_if $taps (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $o (i32.add (local.get $dst) (i32.mul (local.get $x) (local.get $ch))))
        (local.set $k (i32.sub (local.get $w) (local.get $x)))
        (call $store4 (call $quot (local.get $s00) (local.get $w0) (local.get $s01) (local.get $w1))
          (local.get $o) (local.get $ch) (local.get $k))
        (call $store4 (call $quot (local.get $s10) (local.get $w0) (local.get $s11) (local.get $w1))
          (i32.add (local.get $o) (i32.const 1)) (local.get $ch) (local.get $k))
        (call $store4 (call $quot (local.get $s20) (local.get $w0) (local.get $s21) (local.get $w1))
          (i32.add (local.get $o) (i32.const 2)) (local.get $ch) (local.get $k))
        (br_if $group (i32.lt_s (local.tee $x (i32.add (local.get $x) (i32.const 4)))
          (local.get $w))))))

  ;; rowN(ring, delta, offs, tbl, nt, ecen, w, dst, ch, cs, cn, work)
  ;;   row3 for any packed channel count (2 and 4): the channel sums live in
  ;;   `work` (cn · 32 bytes) instead of registers.
  (func (export "rowN")
    (param $ring i32) (param $delta i32) (param $offs i32) (param $tbl i32) (param $nt i32)
    (param $ecen i32) (param $w i32) (param $dst i32) (param $ch i32) (param $cs i32)
    (param $cn i32) (param $work i32)
    (local $q i64) (local $x i32) (local $k i32) (local $op i32) (local $tp i32) (local $a i32)
    (local $f i32) (local $c i32) (local $p i32) (local $o i32) (local $cs2 i32)
    (local $cv v128) (local $d v128) (local $g0 v128) (local $g1 v128) (local $w0 v128)
    (local $w1 v128)
    (local.set $cs2 (i32.shl (local.get $cs) (i32.const 1)))
    (local.set $x (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $w) (i32.const 0)))
      (loop $group
        (local.set $cv (v128.load (i32.add (local.get $ring)
          (i32.shl (i32.add (local.get $ecen) (local.get $x)) (i32.const 2)))))
        ;; work + 32c: the two f64x2 sums of channel c
        (local.set $p (local.get $work))
        (local.set $c (local.get $cn))
        (loop $init
          (v128.store (local.get $p) (v128.const i64x2 0 0))
          (v128.store offset=16 (local.get $p) (v128.const i64x2 0 0))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (br_if $init (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
        (local.set $w0 (v128.const i64x2 0 0))
        (local.set $w1 (v128.const i64x2 0 0))
        (local.set $op (local.get $offs))
        (local.set $tp (local.get $tbl))
        (local.set $k (local.get $nt))
        (loop $taps
          (local.set $a (i32.add (local.get $ring)
            (i32.shl (i32.add (i32.load (local.get $op)) (local.get $x)) (i32.const 2))))
          (local.set $f (i32.add (i32.shl (local.get $a) (i32.const 1)) (local.get $delta)))
          (local.set $d (i32x4.add (v128.load (local.get $tp))
            (call $dist8 (v128.load (local.get $a)) (local.get $cv))))
          (local.set $q (i64x2.extract_lane 0 (local.get $d)))
          (local.set $g0 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $q (i64x2.extract_lane 1 (local.get $d)))
          (local.set $g1 (v128.load64_lane 1 (i32.wrap_i64 (i64.shr_u (local.get $q) (i64.const 32)))
            (v128.load64_zero (i32.wrap_i64 (local.get $q)))))
          (local.set $p (local.get $work))
          (local.set $c (local.get $cn))
          (loop $sum
            (v128.store (local.get $p) (f64x2.add (v128.load (local.get $p))
              (f64x2.mul (v128.load (local.get $f)) (local.get $g0))))
            (v128.store offset=16 (local.get $p) (f64x2.add (v128.load offset=16 (local.get $p))
              (f64x2.mul (v128.load offset=16 (local.get $f)) (local.get $g1))))
            (local.set $f (i32.add (local.get $f) (local.get $cs2)))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br_if $sum (local.tee $c (i32.sub (local.get $c) (i32.const 1)))))
          (local.set $w0 (f64x2.add (local.get $w0) (local.get $g0)))
          (local.set $w1 (f64x2.add (local.get $w1) (local.get $g1)))
          (local.set $op (i32.add (local.get $op) (i32.const 4)))
          (local.set $tp (i32.add (local.get $tp) (i32.const 16)))
          (br_if $taps (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $o (i32.add (local.get $dst) (i32.mul (local.get $x) (local.get $ch))))
        (local.set $p (local.get $work))
        (local.set $c (i32.const 0))
        (loop $out
          (call $store4
            (call $quot (v128.load (local.get $p)) (local.get $w0)
              (v128.load offset=16 (local.get $p)) (local.get $w1))
            (i32.add (local.get $o) (local.get $c)) (local.get $ch)
            (i32.sub (local.get $w) (local.get $x)))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (br_if $out (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1)))
            (local.get $cn))))
        (br_if $group (i32.lt_s (local.tee $x (i32.add (local.get $x) (i32.const 4)))
          (local.get $w)))))))
