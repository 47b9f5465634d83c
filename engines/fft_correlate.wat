;; The correlation half of the SIMD FFT engine (engines/fft_simd.ts): row
;; loads into the pair layout, column-block gathers and scatters, the
;; products with the kernel spectra (direct and mirrored), unpacking, and the
;; window sums and guarded scores of ccoeff_normed template matching. It runs
;; on the memory of fft.wat (imported as env.memory), whose stages transform
;; what this module lays out; the layout and address conventions are the
;; ones described there.
;;
;; All addresses are byte addresses; m, s, h, n are element counts.

(module
  (import "env" "memory" (memory 1))

  ;; load_row(dst, step, src, tap, w, n, kind): dst[step·x] = src[tap·x] as
  ;; f64 for x < w, 0 for w ≤ x < n (step 16: a row into one lane of the
  ;; pair layout; step 8: a plain row). kind: 0 f64, 1 u8, 2 u16, 3 f32
  ;; source samples; step and tap in bytes.
  (func $load_row (export "load_row") (param $dst i32) (param $step i32) (param $src i32)
    (param $tap i32) (param $w i32) (param $n i32) (param $kind i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.mul (local.get $w) (local.get $step))))
    (if (i32.gt_s (local.get $w) (i32.const 0))
      (then
        (block $f32 (block $u16 (block $u8 (block $f64
          (br_table $f64 $u8 $u16 $f32 (local.get $kind)))
          (loop $l
            (f64.store (local.get $dst) (f64.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $tap)))
            (local.set $dst (i32.add (local.get $dst) (local.get $step)))
            (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))
          (br $f32))
          (loop $l
            (f64.store (local.get $dst) (f64.convert_i32_u (i32.load8_u (local.get $src))))
            (local.set $src (i32.add (local.get $src) (local.get $tap)))
            (local.set $dst (i32.add (local.get $dst) (local.get $step)))
            (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))
          (br $f32))
          (loop $l
            (f64.store (local.get $dst) (f64.convert_i32_u (i32.load16_u (local.get $src))))
            (local.set $src (i32.add (local.get $src) (local.get $tap)))
            (local.set $dst (i32.add (local.get $dst) (local.get $step)))
            (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))
          (br $f32))
        (if (i32.eq (local.get $kind) (i32.const 3))
          (then
            (loop $l
              (f64.store (local.get $dst) (f64.promote_f32 (f32.load (local.get $src))))
              (local.set $src (i32.add (local.get $src) (local.get $tap)))
              (local.set $dst (i32.add (local.get $dst) (local.get $step)))
              (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))))))
    (local.set $end (i32.add (local.get $end) (i32.mul (i32.sub (local.get $n) (local.get $w)) (local.get $step))))
    (block $z
      (br_if $z (i32.ge_u (local.get $dst) (local.get $end)))
      (loop $l
        (f64.store (local.get $dst) (f64.const 0))
        (local.set $dst (i32.add (local.get $dst) (local.get $step)))
        (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))))

  ;; gather(br, bi, pr, pi, ps, g, c0, cstep, qa, qb, bb): a block of columns
  ;; from planes in pair layout (ps bytes per row pair, g pairs) into
  ;; [v·bb + q]: column c0 + q·cstep (byte offsets within a pair row, 16 per
  ;; column) for qa ≤ q < qb, zero for the other q < bb.
  (func (export "gather") (param $br i32) (param $bi i32) (param $pr i32) (param $pi i32)
    (param $ps i32) (param $g i32) (param $c0 i32) (param $cstep i32) (param $qa i32)
    (param $qb i32) (param $bb i32)
    (local $row i32) (local $b8 i32) (local $q i32) (local $src i32) (local $dst i32)
    (local $k i32) (local $v v128)
    (local.set $b8 (i32.shl (local.get $bb) (i32.const 3)))
    (block $done
      (br_if $done (i32.le_s (local.get $g) (i32.const 0)))
      (loop $lg
        ;; zeros for q < qa and q ≥ qb (both rows of the pair)
        (local.set $q (i32.const 0))
        (block $z0 (loop $l0
          (br_if $z0 (i32.ge_s (local.get $q) (local.get $qa)))
          (local.set $dst (i32.add (local.get $row) (i32.shl (local.get $q) (i32.const 3))))
          (f64.store (i32.add (local.get $br) (local.get $dst)) (f64.const 0))
          (f64.store (i32.add (local.get $bi) (local.get $dst)) (f64.const 0))
          (f64.store (i32.add (i32.add (local.get $br) (local.get $dst)) (local.get $b8)) (f64.const 0))
          (f64.store (i32.add (i32.add (local.get $bi) (local.get $dst)) (local.get $b8)) (f64.const 0))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $l0)))
        (local.set $q (local.get $qb))
        (block $z1 (loop $l1
          (br_if $z1 (i32.ge_s (local.get $q) (local.get $bb)))
          (local.set $dst (i32.add (local.get $row) (i32.shl (local.get $q) (i32.const 3))))
          (f64.store (i32.add (local.get $br) (local.get $dst)) (f64.const 0))
          (f64.store (i32.add (local.get $bi) (local.get $dst)) (f64.const 0))
          (f64.store (i32.add (i32.add (local.get $br) (local.get $dst)) (local.get $b8)) (f64.const 0))
          (f64.store (i32.add (i32.add (local.get $bi) (local.get $dst)) (local.get $b8)) (f64.const 0))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $l1)))
        ;; the columns
        (local.set $q (local.get $qa))
        (local.set $src (i32.add (i32.mul (local.get $k) (local.get $ps))
          (i32.add (local.get $c0) (i32.mul (local.get $qa) (local.get $cstep)))))
        (local.set $dst (i32.add (local.get $row) (i32.shl (local.get $qa) (i32.const 3))))
        (block $c (loop $lc
          (br_if $c (i32.ge_s (local.get $q) (local.get $qb)))
          (local.set $v (v128.load (i32.add (local.get $pr) (local.get $src))))
          (v128.store64_lane 0 (i32.add (local.get $br) (local.get $dst)) (local.get $v))
          (v128.store64_lane 1 (i32.add (i32.add (local.get $br) (local.get $dst)) (local.get $b8))
            (local.get $v))
          (local.set $v (v128.load (i32.add (local.get $pi) (local.get $src))))
          (v128.store64_lane 0 (i32.add (local.get $bi) (local.get $dst)) (local.get $v))
          (v128.store64_lane 1 (i32.add (i32.add (local.get $bi) (local.get $dst)) (local.get $b8))
            (local.get $v))
          (local.set $src (i32.add (local.get $src) (local.get $cstep)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $lc)))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $b8) (i32.const 1))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $lg (i32.lt_s (local.get $k) (local.get $g))))))

  ;; scatter(pr, pi, br, bi, ps, g, c0, cstep, qa, qb, bb): the inverse of
  ;; gather for qa ≤ q < qb (the plane's other columns are left alone).
  (func (export "scatter") (param $pr i32) (param $pi i32) (param $br i32) (param $bi i32)
    (param $ps i32) (param $g i32) (param $c0 i32) (param $cstep i32) (param $qa i32)
    (param $qb i32) (param $bb i32)
    (local $row i32) (local $b8 i32) (local $q i32) (local $src i32) (local $dst i32)
    (local $k i32) (local $a i32)
    (local.set $b8 (i32.shl (local.get $bb) (i32.const 3)))
    (block $done
      (br_if $done (i32.le_s (local.get $g) (i32.const 0)))
      (br_if $done (i32.ge_s (local.get $qa) (local.get $qb)))
      (loop $lg
        (local.set $q (local.get $qa))
        (local.set $dst (i32.add (i32.mul (local.get $k) (local.get $ps))
          (i32.add (local.get $c0) (i32.mul (local.get $qa) (local.get $cstep)))))
        (local.set $src (i32.add (local.get $row) (i32.shl (local.get $qa) (i32.const 3))))
        (loop $lc
          (local.set $a (i32.add (local.get $br) (local.get $src)))
          (v128.store (i32.add (local.get $pr) (local.get $dst))
            (v128.load64_lane 1 (i32.add (local.get $a) (local.get $b8))
              (v128.load64_zero (local.get $a))))
          (local.set $a (i32.add (local.get $bi) (local.get $src)))
          (v128.store (i32.add (local.get $pi) (local.get $dst))
            (v128.load64_lane 1 (i32.add (local.get $a) (local.get $b8))
              (v128.load64_zero (local.get $a))))
          (local.set $dst (i32.add (local.get $dst) (local.get $cstep)))
          (local.set $src (i32.add (local.get $src) (i32.const 8)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br_if $lc (i32.lt_s (local.get $q) (local.get $qb))))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $b8) (i32.const 1))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $lg (i32.lt_s (local.get $k) (local.get $g))))))

  ;; acc_direct(dr, di, zr, zi, kr, ki, n, first): D (= or +=) conj(Z)·K
  ;; over n values (n even): re = zr·kr + zi·ki, im = zr·ki − zi·kr.
  (func (export "acc_direct") (param $dr i32) (param $di i32) (param $zr i32) (param $zi i32)
    (param $kr i32) (param $ki i32) (param $n i32) (param $first i32)
    (local $i i32) (local $end i32)
    (local $pr v128) (local $pi v128) (local $qr v128) (local $qi v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (if (local.get $first)
        (then
          (loop $l
            (local.set $pr (v128.load (i32.add (local.get $zr) (local.get $i))))
            (local.set $pi (v128.load (i32.add (local.get $zi) (local.get $i))))
            (local.set $qr (v128.load (i32.add (local.get $kr) (local.get $i))))
            (local.set $qi (v128.load (i32.add (local.get $ki) (local.get $i))))
            (v128.store (i32.add (local.get $dr) (local.get $i))
              (f64x2.add (f64x2.mul (local.get $pr) (local.get $qr))
                (f64x2.mul (local.get $pi) (local.get $qi))))
            (v128.store (i32.add (local.get $di) (local.get $i))
              (f64x2.sub (f64x2.mul (local.get $pr) (local.get $qi))
                (f64x2.mul (local.get $pi) (local.get $qr))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br_if $l (i32.lt_u (local.get $i) (local.get $end)))))
        (else
          (loop $l
            (local.set $pr (v128.load (i32.add (local.get $zr) (local.get $i))))
            (local.set $pi (v128.load (i32.add (local.get $zi) (local.get $i))))
            (local.set $qr (v128.load (i32.add (local.get $kr) (local.get $i))))
            (local.set $qi (v128.load (i32.add (local.get $ki) (local.get $i))))
            (v128.store (i32.add (local.get $dr) (local.get $i))
              (f64x2.add (v128.load (i32.add (local.get $dr) (local.get $i)))
                (f64x2.add (f64x2.mul (local.get $pr) (local.get $qr))
                  (f64x2.mul (local.get $pi) (local.get $qi)))))
            (v128.store (i32.add (local.get $di) (local.get $i))
              (f64x2.add (v128.load (i32.add (local.get $di) (local.get $i)))
                (f64x2.sub (f64x2.mul (local.get $pr) (local.get $qi))
                  (f64x2.mul (local.get $pi) (local.get $qr)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br_if $l (i32.lt_u (local.get $i) (local.get $end))))))))

  ;; acc_mirror(mr, mi, zr, zi, kr, ki, M, bb, first): over an M × bb block,
  ;; P[v][q] (= or +=) conj(Z[v][q]·K[−v][q]): re = zr·kr − zi·ki,
  ;; im = −(zr·ki + zi·kr).
  (func (export "acc_mirror") (param $mr i32) (param $mi i32) (param $zr i32) (param $zi i32)
    (param $kr i32) (param $ki i32) (param $M i32) (param $bb i32) (param $first i32)
    (local $v i32) (local $b8 i32) (local $i i32) (local $row i32) (local $kv i32)
    (local $end i32)
    (local $pr v128) (local $pi v128) (local $qr v128) (local $qi v128)
    (local $a v128) (local $b v128)
    (local.set $b8 (i32.shl (local.get $bb) (i32.const 3)))
    (block $done
      (br_if $done (i32.le_s (local.get $M) (i32.const 0)))
      (br_if $done (i32.le_s (local.get $bb) (i32.const 0)))
      (loop $lv
        (local.set $kv (select (i32.const 0)
          (i32.mul (i32.sub (local.get $M) (local.get $v)) (local.get $b8))
          (i32.eqz (local.get $v))))
        (local.set $i (i32.const 0))
        (loop $lq
          (local.set $pr (v128.load (i32.add (local.get $zr) (i32.add (local.get $row) (local.get $i)))))
          (local.set $pi (v128.load (i32.add (local.get $zi) (i32.add (local.get $row) (local.get $i)))))
          (local.set $qr (v128.load (i32.add (local.get $kr) (i32.add (local.get $kv) (local.get $i)))))
          (local.set $qi (v128.load (i32.add (local.get $ki) (i32.add (local.get $kv) (local.get $i)))))
          (local.set $a (f64x2.sub (f64x2.mul (local.get $pr) (local.get $qr))
            (f64x2.mul (local.get $pi) (local.get $qi))))
          (local.set $b (f64x2.add (f64x2.mul (local.get $pr) (local.get $qi))
            (f64x2.mul (local.get $pi) (local.get $qr))))
          (if (local.get $first)
            (then
              (v128.store (i32.add (local.get $mr) (i32.add (local.get $row) (local.get $i)))
                (local.get $a))
              (v128.store (i32.add (local.get $mi) (i32.add (local.get $row) (local.get $i)))
                (f64x2.neg (local.get $b))))
            (else
              (v128.store (i32.add (local.get $mr) (i32.add (local.get $row) (local.get $i)))
                (f64x2.add (v128.load (i32.add (local.get $mr) (i32.add (local.get $row) (local.get $i))))
                  (local.get $a)))
              (v128.store (i32.add (local.get $mi) (i32.add (local.get $row) (local.get $i)))
                (f64x2.sub (v128.load (i32.add (local.get $mi) (i32.add (local.get $row) (local.get $i))))
                  (local.get $b)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $lq (i32.lt_u (local.get $i) (local.get $b8))))
        (local.set $row (i32.add (local.get $row) (local.get $b8)))
        (local.set $v (i32.add (local.get $v) (i32.const 1)))
        (br_if $lv (i32.lt_u (local.get $v) (local.get $M))))))

  ;; unpack2(da, db, src, n, neg): the two rows of a pair-layout row:
  ;; da[x] = src[2x], db[x] = src[2x + 1] for x < n, negated when neg ≠ 0.
  (func (export "unpack2") (param $da i32) (param $db i32) (param $src i32) (param $n i32)
    (param $neg i32)
    (local $x i32) (local $end i32) (local $u v128) (local $v v128) (local $a v128) (local $b v128)
    (local.set $end (i32.and (local.get $n) (i32.const -2)))
    (block $pairs
      (br_if $pairs (i32.eqz (local.get $end)))
      (loop $l
        (local.set $u (v128.load (local.get $src)))
        (local.set $v (v128.load offset=16 (local.get $src)))
        (local.set $a (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (local.get $u) (local.get $v)))
        (local.set $b (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
          (local.get $u) (local.get $v)))
        (if (local.get $neg)
          (then
            (local.set $a (f64x2.neg (local.get $a)))
            (local.set $b (f64x2.neg (local.get $b)))))
        (v128.store (local.get $da) (local.get $a))
        (v128.store (local.get $db) (local.get $b))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $da (i32.add (local.get $da) (i32.const 16)))
        (local.set $db (i32.add (local.get $db) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 2)))
        (br_if $l (i32.lt_u (local.get $x) (local.get $end)))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $u (v128.load (local.get $src)))
        (if (local.get $neg) (then (local.set $u (f64x2.neg (local.get $u)))))
        (v128.store64_lane 0 (local.get $da) (local.get $u))
        (v128.store64_lane 1 (local.get $db) (local.get $u)))))

  ;; unpack(dst, src, n, neg): dst[x] = src[16·x bytes] (one lane of a pair
  ;; row; src already offset to the lane), negated when neg ≠ 0.
  (func (export "unpack") (param $dst i32) (param $src i32) (param $n i32) (param $neg i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $l
        (f64.store (local.get $dst)
          (if (result f64) (local.get $neg)
            (then (f64.neg (f64.load (local.get $src))))
            (else (f64.load (local.get $src)))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br_if $l (i32.lt_u (local.get $dst) (local.get $end)))))
)
  ;; ---- ccoeff_normed window sums and scores (template matching) ----------
  ;;
  ;; The column sums Σ I² (all channels, col2) and Σ I_c (col1, one array per
  ;; channel) of one output row are plain float64 rows, updated row by row
  ;; exactly as filters/match_template/scores.ts updates its scalar sums (the
  ;; same operations in the same order for each column), two columns per vector;
  ;; the scores of two output rows are computed together, lane 0 for row y
  ;; and lane 1 for row y + 1 (each sum vector loaded from the two rows' arrays).

  ;; win_add(col2, col1, b, bytes): col2 += b·b, col1 += b (a row entering).
  (func (export "win_add") (param $col2 i32) (param $col1 i32) (param $b i32) (param $n i32)
    (local $i i32) (local $vb v128)
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $l
        (local.set $vb (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $col2) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $col2) (local.get $i)))
            (f64x2.mul (local.get $vb) (local.get $vb))))
        (v128.store (i32.add (local.get $col1) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $col1) (local.get $i))) (local.get $vb)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))

  ;; win_slide(d2, d1, s2, s1, a, b, bytes): d2 = s2 + (b·b − a·a),
  ;; d1 = s1 + (b − a): the sums one row down (row a leaves, row b enters).
  (func (export "win_slide") (param $d2 i32) (param $d1 i32) (param $s2 i32) (param $s1 i32)
    (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $va v128) (local $vb v128)
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $l
        (local.set $va (v128.load (i32.add (local.get $a) (local.get $i))))
        (local.set $vb (v128.load (i32.add (local.get $b) (local.get $i))))
        (v128.store (i32.add (local.get $d2) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $s2) (local.get $i)))
            (f64x2.sub (f64x2.mul (local.get $vb) (local.get $vb))
              (f64x2.mul (local.get $va) (local.get $va)))))
        (v128.store (i32.add (local.get $d1) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $s1) (local.get $i)))
            (f64x2.sub (local.get $vb) (local.get $va))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))

  ;; ccoeff_rows(oa, ob, va, vb, vstep, neg, c2a, c2b, c1a, c1b, cstride, C,
  ;;             w, ow, n, tn, half, eps, two, best, ibase):
  ;; the ccoeff_normed scores of output rows y (lane 0, f32 to oa) and y + 1
  ;; (lane 1, to ob when two ≠ 0), C = 1 or 3 channels. The correlation of
  ;; column x is va[x·vstep] and vb[x·vstep] (negated when neg ≠ 0); the
  ;; column sums of the rows are c2a/c2b (Σ I²) and c1a/c1b (Σ I_c, channel c
  ;; at + c·cstride bytes). As grayCcoeffNormedRow / rgbCcoeffNormedRow:
  ;; en = n·Σ I² − Σ_c (Σ I_c)², t = en ≤ min(eps·Σ I², half) ? 0 : √en·tn,
  ;; score = v/t when |v| < t, else ±1 when |v| < 1.125·t, else 0.
  ;; best: 32 bytes, f32x4 best scores then i32x4 their indices (lanes 0 and
  ;; 1 used), updated with the scores of lane 0 (index ibase + x) and lane 1
  ;; (ibase + ow + x): a larger score, or an equal one at a smaller index,
  ;; replaces the best (NaN never does), so the best is the first maximum in
  ;; row-major order whatever the order of the calls.
  (func (export "ccoeff_rows") (param $oa i32) (param $ob i32) (param $va i32) (param $vb i32)
    (param $vstep i32) (param $neg i32) (param $c2a i32) (param $c2b i32) (param $c1a i32)
    (param $c1b i32) (param $cs i32) (param $C i32) (param $w i32) (param $ow i32)
    (param $n f64) (param $tn f64) (param $half f64) (param $eps f64) (param $two i32)
    (param $best i32) (param $ibase i32)
    (local $bv v128) (local $bi v128) (local $xi v128) (local $lanes v128) (local $m v128)
    (local $x i32) (local $p i32) (local $q i32) (local $vo i32) (local $cs2 i32)
    (local $s2 v128) (local $s1r v128) (local $s1g v128) (local $s1b v128)
    (local $en v128) (local $v v128) (local $flat v128) (local $t v128) (local $a v128)
    (local $r v128) (local $f v128)
    (local $N v128) (local $TN v128) (local $HALF v128) (local $EPS v128)
    (local $ONE v128) (local $NONE v128) (local $K v128) (local $ZERO v128)
    (local.set $N (f64x2.splat (local.get $n)))
    (local.set $TN (f64x2.splat (local.get $tn)))
    (local.set $HALF (f64x2.splat (local.get $half)))
    (local.set $EPS (f64x2.splat (local.get $eps)))
    (local.set $ONE (f64x2.splat (f64.const 1)))
    (local.set $NONE (f64x2.splat (f64.const -1)))
    (local.set $K (f64x2.splat (f64.const 1.125)))
    (local.set $ZERO (f64x2.splat (f64.const 0)))
    (local.set $s2 (local.get $ZERO))
    (local.set $s1r (local.get $ZERO))
    (local.set $s1g (local.get $ZERO))
    (local.set $s1b (local.get $ZERO))
    (local.set $cs2 (i32.shl (local.get $cs) (i32.const 1)))
    (local.set $bv (v128.load (local.get $best)))
    (local.set $bi (v128.load offset=16 (local.get $best)))
    (local.set $xi (i32x4.replace_lane 1 (i32x4.splat (local.get $ibase))
      (i32.add (local.get $ibase) (local.get $ow))))
    (local.set $lanes (i32x4.replace_lane 1 (v128.const i32x4 -1 0 0 0)
      (i32.sub (i32.const 0) (i32.ne (local.get $two) (i32.const 0)))))
    ;; the first w − 1 columns
    (local.set $q (i32.shl (i32.sub (local.get $w) (i32.const 1)) (i32.const 3)))
    (block $dp
      (br_if $dp (i32.le_s (local.get $w) (i32.const 1)))
      (loop $lp
        (local.set $s1r (f64x2.add (local.get $s1r) (v128.load64_lane 1 (i32.add (local.get $c1b) (local.get $p)) (v128.load64_zero (i32.add (local.get $c1a) (local.get $p))))))
        (if (i32.eq (local.get $C) (i32.const 3))
          (then
            (local.set $s1g (f64x2.add (local.get $s1g)
              (v128.load64_lane 1 (i32.add (i32.add (local.get $c1b) (local.get $cs)) (local.get $p)) (v128.load64_zero (i32.add (i32.add (local.get $c1a) (local.get $cs)) (local.get $p))))))
            (local.set $s1b (f64x2.add (local.get $s1b)
              (v128.load64_lane 1 (i32.add (i32.add (local.get $c1b) (local.get $cs2)) (local.get $p)) (v128.load64_zero (i32.add (i32.add (local.get $c1a) (local.get $cs2)) (local.get $p))))))))
        (local.set $s2 (f64x2.add (local.get $s2) (v128.load64_lane 1 (i32.add (local.get $c2b) (local.get $p)) (v128.load64_zero (i32.add (local.get $c2a) (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br_if $lp (i32.lt_u (local.get $p) (local.get $q)))))
    (local.set $p (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $ow) (i32.const 0)))
      (loop $lx
        (local.set $s1r (f64x2.add (local.get $s1r) (v128.load64_lane 1 (i32.add (local.get $c1b) (local.get $q)) (v128.load64_zero (i32.add (local.get $c1a) (local.get $q))))))
        (local.set $s2 (f64x2.add (local.get $s2) (v128.load64_lane 1 (i32.add (local.get $c2b) (local.get $q)) (v128.load64_zero (i32.add (local.get $c2a) (local.get $q))))))
        (local.set $en (f64x2.sub (f64x2.mul (local.get $N) (local.get $s2))
          (f64x2.mul (local.get $s1r) (local.get $s1r))))
        (if (i32.eq (local.get $C) (i32.const 3))
          (then
            (local.set $s1g (f64x2.add (local.get $s1g)
              (v128.load64_lane 1 (i32.add (i32.add (local.get $c1b) (local.get $cs)) (local.get $q)) (v128.load64_zero (i32.add (i32.add (local.get $c1a) (local.get $cs)) (local.get $q))))))
            (local.set $s1b (f64x2.add (local.get $s1b)
              (v128.load64_lane 1 (i32.add (i32.add (local.get $c1b) (local.get $cs2)) (local.get $q)) (v128.load64_zero (i32.add (i32.add (local.get $c1a) (local.get $cs2)) (local.get $q))))))
            (local.set $en (f64x2.sub (f64x2.sub (local.get $en)
              (f64x2.mul (local.get $s1g) (local.get $s1g)))
              (f64x2.mul (local.get $s1b) (local.get $s1b))))))
        (local.set $v (v128.load64_lane 1 (i32.add (local.get $vb) (local.get $vo))
          (v128.load64_zero (i32.add (local.get $va) (local.get $vo)))))
        (if (local.get $neg) (then (local.set $v (f64x2.neg (local.get $v)))))
        (local.set $flat (f64x2.mul (local.get $EPS) (local.get $s2)))
        ;; t = en ≤ (flat < half ? flat : half) ? 0 : √en·tn
        (local.set $t (v128.bitselect (local.get $ZERO)
          (f64x2.mul (f64x2.sqrt (local.get $en)) (local.get $TN))
          (f64x2.le (local.get $en)
            (v128.bitselect (local.get $flat) (local.get $HALF)
              (f64x2.lt (local.get $flat) (local.get $HALF))))))
        (local.set $a (f64x2.abs (local.get $v)))
        (local.set $r (v128.bitselect
          (v128.bitselect (local.get $ONE) (local.get $NONE) (f64x2.gt (local.get $v) (local.get $ZERO)))
          (local.get $ZERO)
          (f64x2.lt (local.get $a) (f64x2.mul (local.get $t) (local.get $K)))))
        (local.set $r (v128.bitselect (f64x2.div (local.get $v) (local.get $t)) (local.get $r)
          (f64x2.lt (local.get $a) (local.get $t))))
        (local.set $f (f32x4.demote_f64x2_zero (local.get $r)))
        (local.set $m (v128.and (local.get $lanes)
          (v128.or (f32x4.gt (local.get $f) (local.get $bv))
            (v128.and (f32x4.eq (local.get $f) (local.get $bv))
              (i32x4.lt_s (local.get $xi) (local.get $bi))))))
        (local.set $bv (v128.bitselect (local.get $f) (local.get $bv) (local.get $m)))
        (local.set $bi (v128.bitselect (local.get $xi) (local.get $bi) (local.get $m)))
        (local.set $xi (i32x4.add (local.get $xi) (v128.const i32x4 1 1 0 0)))
        (v128.store32_lane 0 (i32.add (local.get $oa) (i32.shl (local.get $x) (i32.const 2))) (local.get $f))
        (if (local.get $two)
          (then
            (v128.store32_lane 1 (i32.add (local.get $ob) (i32.shl (local.get $x) (i32.const 2)))
              (local.get $f))))
        (local.set $s1r (f64x2.sub (local.get $s1r) (v128.load64_lane 1 (i32.add (local.get $c1b) (local.get $p)) (v128.load64_zero (i32.add (local.get $c1a) (local.get $p))))))
        (local.set $s2 (f64x2.sub (local.get $s2) (v128.load64_lane 1 (i32.add (local.get $c2b) (local.get $p)) (v128.load64_zero (i32.add (local.get $c2a) (local.get $p))))))
        (if (i32.eq (local.get $C) (i32.const 3))
          (then
            (local.set $s1g (f64x2.sub (local.get $s1g)
              (v128.load64_lane 1 (i32.add (i32.add (local.get $c1b) (local.get $cs)) (local.get $p)) (v128.load64_zero (i32.add (i32.add (local.get $c1a) (local.get $cs)) (local.get $p))))))
            (local.set $s1b (f64x2.sub (local.get $s1b)
              (v128.load64_lane 1 (i32.add (i32.add (local.get $c1b) (local.get $cs2)) (local.get $p)) (v128.load64_zero (i32.add (i32.add (local.get $c1a) (local.get $cs2)) (local.get $p))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $q (i32.add (local.get $q) (i32.const 8)))
        (local.set $vo (i32.add (local.get $vo) (local.get $vstep)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $lx (i32.lt_u (local.get $x) (local.get $ow)))))
    (v128.store (local.get $best) (local.get $bv))
    (v128.store offset=16 (local.get $best) (local.get $bi)))
)
