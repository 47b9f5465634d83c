;; correlate.wat with each multiply-add fused where the CPU can:
;; f32x4.relaxed_madd (relaxed SIMD) is one FMA instruction on x86 with FMA3
;; and on ARM64, and the separate multiply and add elsewhere — either way
;; within the float32 error bound of correlate.wat (a fused step rounds
;; once instead of twice). filters/linear/correlate_simd.ts uses this module when the
;; engine validates it, else correlate.wat. Generated from correlate.wat by
;; replacing `(f32x4.add a (f32x4.mul d w))` with `(f32x4.relaxed_madd d w a)`;
;; tests/linear_correlate_simd_test.ts checks the two stay in step.

(module
  (memory (export "memory") 1)

  ;; The configuration block at address 0, written by filters/linear/correlate_simd.ts
  ;; once per image (i32 unless noted):
  ;;    0 ring     byte address of the ring of padded float32 rows
  ;;    4 slots    rows in the ring (kh + 1)
  ;;    8 stride   bytes per ring row (room for every column a block reads)
  ;;   12 tbl      byte address of the source table: entry j is the byte address of padded row
  ;;               y0 + j's staged source row, or -1 for a row of cval
  ;;   16 skind    source samples: 0 float32, 1 u8, 2 u16
  ;;   20 kind     output samples: 0 float32, 1 u8, 2 u16
  ;;   24 nin      samples per source row (width × channels)
  ;;   28 lo       byte offset of a source row's first sample in its padded row
  ;;   32 padlen   floats per padded row
  ;;   36 edges    byte address of the edge table: nedges pairs (byte offset in the padded row,
  ;;               byte offset in the source row or -1 for cval)
  ;;   40 nedges
  ;;   44 cval     float32
  ;;   48 wts      byte address of the (kh + 1) × kw × 32-byte weight table
  ;;   52 kw
  ;;   56 kh
  ;;   60 tap      bytes between horizontal taps (4 × channels)
  ;;   64 ds       bytes between output rows
  ;;   68 blocks   16-sample blocks per output row (outputs past the row's end are junk)
  ;;   72 rowtab   byte address of kh + 1 i32 of scratch: the pair's padded row addresses
  ;;   76 unroll   1: the unrolled 3×3 loop (kw = kh = 3), 0: the general one

  ;; correlate(y0, from, pairs, dst): output rows y0 … y0 + 2·pairs − 1 to dst (ds bytes apart).
  ;;   y0:    the first output row (= its first padded row)
  ;;   from:  padded rows below `from` are in the ring already (from the previous stripe)
  ;;   pairs: output row pairs; padded rows up to y0 + 2·pairs + kh − 2 are read
  (func (export "correlate") (param $y0 i32) (param $from i32) (param $pairs i32) (param $dst i32)
    (local $ring i32) (local $slots i32) (local $stride i32) (local $tbl i32) (local $kh i32)
    (local $ds i32) (local $rowtab i32) (local $y i32) (local $p i32) (local $end i32)
    (local $s i32) (local $r i32)
    (local.set $ring (i32.load (i32.const 0)))
    (local.set $slots (i32.load offset=4 (i32.const 0)))
    (local.set $stride (i32.load offset=8 (i32.const 0)))
    (local.set $tbl (i32.load offset=12 (i32.const 0)))
    (local.set $kh (i32.load offset=56 (i32.const 0)))
    (local.set $ds (i32.load offset=64 (i32.const 0)))
    (local.set $rowtab (i32.load offset=72 (i32.const 0)))
    (local.set $y (local.get $y0))
    (block $done
      (br_if $done (i32.le_s (local.get $pairs) (i32.const 0)))
      (loop $pair
        ;; Pad rows max(from, y) … y + kh into their slots.
        (local.set $p
          (select (local.get $from) (local.get $y) (i32.gt_s (local.get $from) (local.get $y))))
        (local.set $end (i32.add (local.get $y) (local.get $kh)))
        (block $padded
          (loop $pad
            (br_if $padded (i32.gt_s (local.get $p) (local.get $end)))
            (call $pad_row
              (i32.load (i32.add (local.get $tbl)
                (i32.shl (i32.sub (local.get $p) (local.get $y0)) (i32.const 2))))
              (i32.add (local.get $ring)
                (i32.mul (i32.rem_u (local.get $p) (local.get $slots)) (local.get $stride))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pad)))
        (local.set $from (i32.add (local.get $end) (i32.const 1)))
        ;; rowtab[r]: the slot of padded row y + r.
        (local.set $s (i32.rem_u (local.get $y) (local.get $slots)))
        (local.set $r (i32.const 0))
        (loop $rows
          (i32.store (i32.add (local.get $rowtab) (i32.shl (local.get $r) (i32.const 2)))
            (i32.add (local.get $ring) (i32.mul (local.get $s) (local.get $stride))))
          (local.set $s (i32.add (local.get $s) (i32.const 1)))
          (if (i32.eq (local.get $s) (local.get $slots)) (then (local.set $s (i32.const 0))))
          (br_if $rows
            (i32.le_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $kh))))
        (if (i32.load offset=76 (i32.const 0))
          (then (call $pair3 (local.get $rowtab) (local.get $dst)))
          (else (call $pair (local.get $rowtab) (local.get $dst))))
        (local.set $y (i32.add (local.get $y) (i32.const 2)))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $ds) (i32.const 1))))
        (br_if $pair (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1)))))))

  ;; Pads one row into the ring slot at $at from the staged source row at $row (-1: cval).
  (func $pad_row (param $row i32) (param $at i32)
    (local $kind i32) (local $n i32) (local $q i32) (local $end i32) (local $dst i32)
    (local $h v128) (local $cval f32) (local $e i32) (local $ee i32) (local $s i32)
    (local.set $cval (f32.load offset=44 (i32.const 0)))
    (if (i32.lt_s (local.get $row) (i32.const 0))
      (then
        ;; padlen floats of cval, in whole vectors (the slot has room)
        (local.set $h (f32x4.splat (local.get $cval)))
        (local.set $end
          (i32.add (local.get $at) (i32.shl (i32.load offset=32 (i32.const 0)) (i32.const 2))))
        (loop $fill
          (v128.store (local.get $at) (local.get $h))
          (br_if $fill
            (i32.lt_u (local.tee $at (i32.add (local.get $at) (i32.const 16))) (local.get $end))))
        (return)))
    (local.set $kind (i32.load offset=16 (i32.const 0)))
    (local.set $n (i32.load offset=24 (i32.const 0)))
    (local.set $q (local.get $row))
    (local.set $dst (i32.add (local.get $at) (i32.load offset=28 (i32.const 0))))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then
        ;; u8: 16 samples per step, then one at a time
        (local.set $end (i32.add (local.get $q) (i32.and (local.get $n) (i32.const -16))))
        (block $vd
          (loop $vec
            (br_if $vd (i32.ge_u (local.get $q) (local.get $end)))
            (local.set $h (v128.load8x8_u (local.get $q)))
            (v128.store (local.get $dst)
              (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))))
            (v128.store offset=16 (local.get $dst)
              (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))))
            (local.set $h (v128.load8x8_u offset=8 (local.get $q)))
            (v128.store offset=32 (local.get $dst)
              (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))))
            (v128.store offset=48 (local.get $dst)
              (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
            (br $vec)))
        (local.set $end (i32.add (local.get $end) (i32.and (local.get $n) (i32.const 15))))
        (block $td
          (loop $one
            (br_if $td (i32.ge_u (local.get $q) (local.get $end)))
            (f32.store (local.get $dst) (f32.convert_i32_u (i32.load8_u (local.get $q))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br $one))))
      (else
        (if (i32.eq (local.get $kind) (i32.const 2))
          (then
            ;; u16: 8 samples per step, then one at a time
            (local.set $end (i32.add (local.get $q)
              (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 1))))
            (block $vd16
              (loop $vec16
                (br_if $vd16 (i32.ge_u (local.get $q) (local.get $end)))
                (local.set $h (v128.load (local.get $q)))
                (v128.store (local.get $dst)
                  (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))))
                (v128.store offset=16 (local.get $dst)
                  (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (br $vec16)))
            (local.set $end (i32.add (local.get $end)
              (i32.shl (i32.and (local.get $n) (i32.const 7)) (i32.const 1))))
            (block $td16
              (loop $one16
                (br_if $td16 (i32.ge_u (local.get $q) (local.get $end)))
                (f32.store (local.get $dst) (f32.convert_i32_u (i32.load16_u (local.get $q))))
                (local.set $q (i32.add (local.get $q) (i32.const 2)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                (br $one16))))
          (else
            ;; float32: a copy
            (memory.copy (local.get $dst) (local.get $q) (i32.shl (local.get $n) (i32.const 2)))))))
    ;; The boundary columns.
    (local.set $e (i32.load offset=36 (i32.const 0)))
    (local.set $ee (i32.add (local.get $e) (i32.shl (i32.load offset=40 (i32.const 0)) (i32.const 3))))
    (block $edges_done
      (loop $edge
        (br_if $edges_done (i32.ge_u (local.get $e) (local.get $ee)))
        (local.set $s (i32.load offset=4 (local.get $e)))
        (local.set $q (i32.add (local.get $row) (local.get $s)))
        (f32.store (i32.add (local.get $at) (i32.load (local.get $e)))
          (if (result f32) (i32.lt_s (local.get $s) (i32.const 0))
            (then (local.get $cval))
            (else
              (if (result f32) (i32.eq (local.get $kind) (i32.const 1))
                (then (f32.convert_i32_u (i32.load8_u (local.get $q))))
                (else
                  (if (result f32) (i32.eq (local.get $kind) (i32.const 2))
                    (then (f32.convert_i32_u (i32.load16_u (local.get $q))))
                    (else (f32.load (local.get $q)))))))))
        (local.set $e (i32.add (local.get $e) (i32.const 8)))
        (br $edge))))

  ;; The general loop: one pair of output rows, 16 outputs of each per step.
  ;;   rt:  kh + 1 i32 padded row addresses (rows y … y + kh)
  ;;   dst: byte address of output row y (row y + 1 is ds bytes further)
  (func $pair (param $rt i32) (param $dst i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $wa v128) (local $wb v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $wts i32) (local $kw i32) (local $kh i32) (local $tap i32) (local $ds i32)
    (local $b i32) (local $kind i32) (local $step i32)
    (local $sx i32) (local $rp i32) (local $q i32) (local $w i32) (local $r i32) (local $i i32)
    (local.set $kind (i32.load offset=20 (i32.const 0)))
    (local.set $wts (i32.load offset=48 (i32.const 0)))
    (local.set $kw (i32.load offset=52 (i32.const 0)))
    (local.set $kh (i32.load offset=56 (i32.const 0)))
    (local.set $tap (i32.load offset=60 (i32.const 0)))
    (local.set $ds (i32.load offset=64 (i32.const 0)))
    (local.set $b (i32.load offset=68 (i32.const 0)))
    ;; bytes per 16 outputs
    (local.set $step
      (select (i32.const 64)
        (select (i32.const 16) (i32.const 32) (i32.eq (local.get $kind) (i32.const 1)))
        (i32.eqz (local.get $kind))))
    (local.set $sx (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $b) (i32.const 0)))
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
        (local.set $w (local.get $wts))
        (local.set $q (i32.add (i32.load (local.get $rt)) (local.get $sx)))
        (local.set $i (local.get $kw))
        (loop $first
          (local.set $wa (v128.load (local.get $w)))
          (local.set $d0 (v128.load (local.get $q)))
          (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $wa) (local.get $a0)))
          (local.set $d1 (v128.load offset=16 (local.get $q)))
          (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $wa) (local.get $a1)))
          (local.set $d2 (v128.load offset=32 (local.get $q)))
          (local.set $a2 (f32x4.relaxed_madd (local.get $d2) (local.get $wa) (local.get $a2)))
          (local.set $d3 (v128.load offset=48 (local.get $q)))
          (local.set $a3 (f32x4.relaxed_madd (local.get $d3) (local.get $wa) (local.get $a3)))
          (local.set $q (i32.add (local.get $q) (local.get $tap)))
          (local.set $w (i32.add (local.get $w) (i32.const 32)))
          (br_if $first (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        (local.set $rp (i32.add (local.get $rt) (i32.const 4)))
        ;; Padded rows y + 1 … y + kh − 1: kernel row r for row y, r − 1 for row y + 1.
        (block $middle
          (br_if $middle (i32.le_s (local.get $kh) (i32.const 1)))
          (local.set $r (i32.sub (local.get $kh) (i32.const 1)))
          (loop $row
            (local.set $q (i32.add (i32.load (local.get $rp)) (local.get $sx)))
            (local.set $i (local.get $kw))
            (loop $tapl
              (local.set $wa (v128.load (local.get $w)))
              (local.set $wb (v128.load offset=16 (local.get $w)))
              (local.set $d0 (v128.load (local.get $q)))
              (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $wa) (local.get $a0)))
              (local.set $a4 (f32x4.relaxed_madd (local.get $d0) (local.get $wb) (local.get $a4)))
              (local.set $d1 (v128.load offset=16 (local.get $q)))
              (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $wa) (local.get $a1)))
              (local.set $a5 (f32x4.relaxed_madd (local.get $d1) (local.get $wb) (local.get $a5)))
              (local.set $d2 (v128.load offset=32 (local.get $q)))
              (local.set $a2 (f32x4.relaxed_madd (local.get $d2) (local.get $wa) (local.get $a2)))
              (local.set $a6 (f32x4.relaxed_madd (local.get $d2) (local.get $wb) (local.get $a6)))
              (local.set $d3 (v128.load offset=48 (local.get $q)))
              (local.set $a3 (f32x4.relaxed_madd (local.get $d3) (local.get $wa) (local.get $a3)))
              (local.set $a7 (f32x4.relaxed_madd (local.get $d3) (local.get $wb) (local.get $a7)))
              (local.set $q (i32.add (local.get $q) (local.get $tap)))
              (local.set $w (i32.add (local.get $w) (i32.const 32)))
              (br_if $tapl (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
            (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
            (br_if $row (local.tee $r (i32.sub (local.get $r) (i32.const 1))))))
        ;; Padded row y + kh: kernel row kh − 1 for output row y + 1 only.
        (local.set $q (i32.add (i32.load (local.get $rp)) (local.get $sx)))
        (local.set $i (local.get $kw))
        (loop $last
          (local.set $wb (v128.load offset=16 (local.get $w)))
          (local.set $d0 (v128.load (local.get $q)))
          (local.set $a4 (f32x4.relaxed_madd (local.get $d0) (local.get $wb) (local.get $a4)))
          (local.set $d1 (v128.load offset=16 (local.get $q)))
          (local.set $a5 (f32x4.relaxed_madd (local.get $d1) (local.get $wb) (local.get $a5)))
          (local.set $d2 (v128.load offset=32 (local.get $q)))
          (local.set $a6 (f32x4.relaxed_madd (local.get $d2) (local.get $wb) (local.get $a6)))
          (local.set $d3 (v128.load offset=48 (local.get $q)))
          (local.set $a7 (f32x4.relaxed_madd (local.get $d3) (local.get $wb) (local.get $a7)))
          (local.set $q (i32.add (local.get $q) (local.get $tap)))
          (local.set $w (i32.add (local.get $w) (i32.const 32)))
          (br_if $last (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        ;; store row y at dst, row y + 1 at dst + ds
        (call $store (local.get $dst) (local.get $kind)
          (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3))
        (call $store (i32.add (local.get $dst) (local.get $ds)) (local.get $kind)
          (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7))
        (local.set $sx (i32.add (local.get $sx) (i32.const 64)))
        (local.set $dst (i32.add (local.get $dst) (local.get $step)))
        (br_if $block (local.tee $b (i32.sub (local.get $b) (i32.const 1)))))))

  ;; Stores 16 outputs (four f32x4) at $at as float32, u8 or u16. An integer
  ;; output: v' = max(v, 0) (NaN to 0), then v' + 1.5 · 2^23 rounds to an integer, ties
  ;; to even, whose bits less those of 1.5 · 2^23 are round(v') while v' < 2^22, and
  ;; at least 2^22 (monotone in v', +Inf included) above: the saturating narrows give
  ;; min(round(v'), max) either way.
  (func $store (param $at i32) (param $kind i32)
    (param $v0 v128) (param $v1 v128) (param $v2 v128) (param $v3 v128)
    (local $magic v128)
    (if (i32.eqz (local.get $kind))
      (then
        (v128.store (local.get $at) (local.get $v0))
        (v128.store offset=16 (local.get $at) (local.get $v1))
        (v128.store offset=32 (local.get $at) (local.get $v2))
        (v128.store offset=48 (local.get $at) (local.get $v3))
        (return)))
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $v0 (i32x4.sub (f32x4.add (local.get $magic)
      (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $v0))) (local.get $magic)))
    (local.set $v1 (i32x4.sub (f32x4.add (local.get $magic)
      (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $v1))) (local.get $magic)))
    (local.set $v2 (i32x4.sub (f32x4.add (local.get $magic)
      (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $v2))) (local.get $magic)))
    (local.set $v3 (i32x4.sub (f32x4.add (local.get $magic)
      (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $v3))) (local.get $magic)))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then
        (v128.store (local.get $at) (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s (local.get $v0) (local.get $v1))
          (i16x8.narrow_i32x4_s (local.get $v2) (local.get $v3))))
        (return)))
    (v128.store (local.get $at) (i16x8.narrow_i32x4_u (local.get $v0) (local.get $v1)))
    (v128.store offset=16 (local.get $at) (i16x8.narrow_i32x4_u (local.get $v2) (local.get $v3))))

  ;; The unrolled 3×3 loop: one pair of output rows, 8 outputs of each per step, the nine
  ;; weights K[r][i] (the first splat of weight table entry (r, i)) in registers.
  ;;   rt:  the 4 padded row addresses (rows y … y + 3)
  ;;   dst: byte address of output row y (row y + 1 is ds bytes further)
  (func $pair3 (param $rt i32) (param $dst i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128)
    (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $d0 v128) (local $d1 v128)
    (local $magic v128)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $t i32) (local $t2 i32)
    (local $o0 i32) (local $o1 i32) (local $b i32) (local $kind i32) (local $step i32) (local $wts i32)
    (local.set $wts (i32.load offset=48 (i32.const 0)))
    (local.set $w0 (v128.load (local.get $wts)))
    (local.set $w1 (v128.load offset=32 (local.get $wts)))
    (local.set $w2 (v128.load offset=64 (local.get $wts)))
    (local.set $w3 (v128.load offset=96 (local.get $wts)))
    (local.set $w4 (v128.load offset=128 (local.get $wts)))
    (local.set $w5 (v128.load offset=160 (local.get $wts)))
    (local.set $w6 (v128.load offset=192 (local.get $wts)))
    (local.set $w7 (v128.load offset=224 (local.get $wts)))
    (local.set $w8 (v128.load offset=256 (local.get $wts)))
    (local.set $p0 (i32.load (local.get $rt)))
    (local.set $p1 (i32.load offset=4 (local.get $rt)))
    (local.set $p2 (i32.load offset=8 (local.get $rt)))
    (local.set $p3 (i32.load offset=12 (local.get $rt)))
    (local.set $t (i32.load offset=60 (i32.const 0)))
    (local.set $t2 (i32.shl (local.get $t) (i32.const 1)))
    (local.set $kind (i32.load offset=20 (i32.const 0)))
    (local.set $o0 (local.get $dst))
    (local.set $o1 (i32.add (local.get $dst) (i32.load offset=64 (i32.const 0))))
    (local.set $b (i32.shl (i32.load offset=68 (i32.const 0)) (i32.const 1)))
    ;; bytes per 8 outputs
    (local.set $step
      (select (i32.const 32)
        (select (i32.const 8) (i32.const 16) (i32.eq (local.get $kind) (i32.const 1)))
        (i32.eqz (local.get $kind))))
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (block $done
      (br_if $done (i32.le_s (local.get $b) (i32.const 0)))
      (loop $block
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        ;; padded row y + 0: kernel row 0 for row y only
        (local.set $d0 (v128.load (local.get $p0)))
        (local.set $d1 (v128.load offset=16 (local.get $p0)))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w0) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w0) (local.get $a1)))
        (local.set $d0 (v128.load (i32.add (local.get $p0) (local.get $t))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p0) (local.get $t))))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w1) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w1) (local.get $a1)))
        (local.set $d0 (v128.load (i32.add (local.get $p0) (local.get $t2))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p0) (local.get $t2))))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w2) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w2) (local.get $a1)))
        ;; padded row y + 1: kernel row 1 for row y, row 0 for row y + 1
        (local.set $d0 (v128.load (local.get $p1)))
        (local.set $d1 (v128.load offset=16 (local.get $p1)))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w3) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w3) (local.get $a1)))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w0) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w0) (local.get $a3)))
        (local.set $d0 (v128.load (i32.add (local.get $p1) (local.get $t))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p1) (local.get $t))))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w4) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w4) (local.get $a1)))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w1) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w1) (local.get $a3)))
        (local.set $d0 (v128.load (i32.add (local.get $p1) (local.get $t2))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p1) (local.get $t2))))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w5) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w5) (local.get $a1)))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w2) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w2) (local.get $a3)))
        ;; padded row y + 2: kernel row 2 for row y, row 1 for row y + 1
        (local.set $d0 (v128.load (local.get $p2)))
        (local.set $d1 (v128.load offset=16 (local.get $p2)))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w6) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w6) (local.get $a1)))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w3) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w3) (local.get $a3)))
        (local.set $d0 (v128.load (i32.add (local.get $p2) (local.get $t))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p2) (local.get $t))))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w7) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w7) (local.get $a1)))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w4) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w4) (local.get $a3)))
        (local.set $d0 (v128.load (i32.add (local.get $p2) (local.get $t2))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p2) (local.get $t2))))
        (local.set $a0 (f32x4.relaxed_madd (local.get $d0) (local.get $w8) (local.get $a0)))
        (local.set $a1 (f32x4.relaxed_madd (local.get $d1) (local.get $w8) (local.get $a1)))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w5) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w5) (local.get $a3)))
        ;; padded row y + 3: kernel row 2 for row y + 1 only
        (local.set $d0 (v128.load (local.get $p3)))
        (local.set $d1 (v128.load offset=16 (local.get $p3)))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w6) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w6) (local.get $a3)))
        (local.set $d0 (v128.load (i32.add (local.get $p3) (local.get $t))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p3) (local.get $t))))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w7) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w7) (local.get $a3)))
        (local.set $d0 (v128.load (i32.add (local.get $p3) (local.get $t2))))
        (local.set $d1 (v128.load offset=16 (i32.add (local.get $p3) (local.get $t2))))
        (local.set $a2 (f32x4.relaxed_madd (local.get $d0) (local.get $w8) (local.get $a2)))
        (local.set $a3 (f32x4.relaxed_madd (local.get $d1) (local.get $w8) (local.get $a3)))
        (if (i32.eqz (local.get $kind))
          (then
            (v128.store (local.get $o0) (local.get $a0))
            (v128.store offset=16 (local.get $o0) (local.get $a1))
            (v128.store (local.get $o1) (local.get $a2))
            (v128.store offset=16 (local.get $o1) (local.get $a3)))
          (else
            ;; round half to even into the low bits (see $store), take them
            (local.set $a0 (i32x4.sub (f32x4.add (local.get $magic)
              (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $a0))) (local.get $magic)))
            (local.set $a1 (i32x4.sub (f32x4.add (local.get $magic)
              (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $a1))) (local.get $magic)))
            (local.set $a2 (i32x4.sub (f32x4.add (local.get $magic)
              (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $a2))) (local.get $magic)))
            (local.set $a3 (i32x4.sub (f32x4.add (local.get $magic)
              (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $a3))) (local.get $magic)))
            (if (i32.eq (local.get $kind) (i32.const 1))
              (then
                ;; row y in bytes 0 … 7, row y + 1 in bytes 8 … 15
                (local.set $d0 (i8x16.narrow_i16x8_u
                  (i16x8.narrow_i32x4_s (local.get $a0) (local.get $a1))
                  (i16x8.narrow_i32x4_s (local.get $a2) (local.get $a3))))
                (v128.store64_lane 0 (local.get $o0) (local.get $d0))
                (v128.store64_lane 1 (local.get $o1) (local.get $d0)))
              (else
                (v128.store (local.get $o0) (i16x8.narrow_i32x4_u (local.get $a0) (local.get $a1)))
                (v128.store (local.get $o1) (i16x8.narrow_i32x4_u (local.get $a2) (local.get $a3)))))))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 32)))
        (local.set $p1 (i32.add (local.get $p1) (i32.const 32)))
        (local.set $p2 (i32.add (local.get $p2) (i32.const 32)))
        (local.set $p3 (i32.add (local.get $p3) (i32.const 32)))
        (local.set $o0 (i32.add (local.get $o0) (local.get $step)))
        (local.set $o1 (i32.add (local.get $o1) (local.get $step)))
        (br_if $block (local.tee $b (i32.sub (local.get $b) (i32.const 1)))))))
)
