;; OpenCV's bit-exact u8 GaussianBlur (filters/linear/gaussian_fixed.ts), 128-bit SIMD.
;;
;; Every step is exact integer arithmetic, so the result is the TypeScript
;; path's, byte for byte:
;;
;; Row pass: u8 samples × 8-bit weights (summing to 256) in u16 lanes. Each
;;   output is below 2^16 (255 · 256), every partial sum too (all terms are
;;   non-negative), so i16x8.mul / i16x8.add (low 16 bits) are exact; the
;;   symmetric taps are added first ((a + b) · w ≤ the total). The result is
;;   kept biased, v − 2^15 as int16 (xor 0x8000), for the column pass.
;;   Taps are `tap` bytes apart: interleaved channels filter in place.
;;
;; Records: the row pass runs on two padded rows at once, 2m and 2m + 1,
;;   and stores them interleaved (a0 b0 a1 b1 …), the record m. A ring of
;;   P = (ny + 1) / 2 records holds padded rows y … y + ny for the output
;;   rows y (even) and y + 1, so each pair of output rows needs one new
;;   record: every padded row is filtered once, just before its column
;;   sums use it.
;;
;; Column pass: i32x4.dot_i16x8_s multiplies a record's lanes by a weight
;;   pair: for output row y, record m0 + p (rows y + 2p, y + 2p + 1) takes
;;   [ky[2p], ky[2p + 1]]; for row y + 1 the same record takes
;;   [ky[2p − 1], ky[2p]] (ky outside 0 … ny − 1 is 0). So each record
;;   vector loaded serves both output rows. The sum Σ w·(v − 2^15) is int32
;;   (|w·(v − 2^15)| ≤ 2^23), plus the bias 2^15 · 256 = 2^23, plus the
;;   rounding 2^15, >> 16, narrowed to u8 (never above 255: the exact total
;;   is at most 255 · 2^16).
;;
;; Both passes work on 16-sample blocks; samples past the row's end are
;; junk (each lane reads its own column only), so rows have room for whole
;; blocks and padded rows 16 spare bytes.

(module
  (memory (export "memory") 1)

  ;; The configuration block at address 0, written by filters/linear/gaussian_fixed.ts
  ;; once per image (i32):
  ;;    0 ring     byte address of the ring of P records
  ;;    4 slots    P = (ny + 1) / 2
  ;;    8 rec      bytes per record (blocks · 64)
  ;;   12 tbl      byte address of the source table: entry j is the byte address of padded row
  ;;               y0 + j's staged source row, or -1 for a row of cval
  ;;   16 n        samples per row (width × channels)
  ;;   20 blocks   16-sample blocks per row
  ;;   24 tap      bytes between horizontal taps (the channel count)
  ;;   28 rx       the row kernel's radius
  ;;   32 kx       byte address of rx + 1 i16x8 splats: kx[0 … rx − 1] (outer to inner), the centre
  ;;   36 kye      byte address of P i32x4 splats of (ky[2p] & 0xffff) | (ky[2p + 1] << 16)
  ;;   40 kyo      byte address of P i32x4 splats of (ky[2p − 1] & 0xffff) | (ky[2p] << 16)
  ;;   44 pad      byte address of the two padded u8 rows (padded width + 16 spare bytes)
  ;;   48 pads     bytes between the two padded rows
  ;;   52 edges    byte address of the edge table: nedges pairs (byte offset in the padded row,
  ;;               byte offset in the source row or -1 for cval)
  ;;   56 nedges
  ;;   60 cval     the constant border sample (0 … 255)
  ;;   64 ds       bytes between output rows
  ;;   68 rowtab   byte address of P i32 of scratch: the pair's record addresses

  ;; gauss(y0, from, pairs, dst): output rows y0 … y0 + 2·pairs − 1 to dst (ds bytes apart).
  ;;   y0:    the first output row, even (= its first padded row)
  ;;   from:  records below `from` are in the ring already (from the previous stripe)
  ;;   pairs: output row pairs; padded rows up to y0 + 2·pairs + ny − 2 are read
  (func (export "gauss") (param $y0 i32) (param $from i32) (param $pairs i32) (param $dst i32)
    (local $ring i32) (local $slots i32) (local $rec i32) (local $tbl i32) (local $ds i32)
    (local $rowtab i32) (local $m0 i32) (local $m i32) (local $end i32) (local $s i32)
    (local $p i32) (local $row i32)
    (local.set $ring (i32.load (i32.const 0)))
    (local.set $slots (i32.load offset=4 (i32.const 0)))
    (local.set $rec (i32.load offset=8 (i32.const 0)))
    (local.set $tbl (i32.load offset=12 (i32.const 0)))
    (local.set $ds (i32.load offset=64 (i32.const 0)))
    (local.set $rowtab (i32.load offset=68 (i32.const 0)))
    (local.set $m0 (i32.shr_u (local.get $y0) (i32.const 1)))
    (block $done
      (br_if $done (i32.le_s (local.get $pairs) (i32.const 0)))
      (loop $pair
        ;; Records max(from, m0) … m0 + P − 1 into their slots (m mod P).
        (local.set $m
          (select (local.get $from) (local.get $m0) (i32.gt_s (local.get $from) (local.get $m0))))
        (local.set $end (i32.add (local.get $m0) (local.get $slots)))
        (block $filled
          (loop $fill
            (br_if $filled (i32.ge_s (local.get $m) (local.get $end)))
            ;; the table entries of padded rows 2m and 2m + 1
            (local.set $row (i32.add (local.get $tbl)
              (i32.shl (i32.sub (i32.shl (local.get $m) (i32.const 1)) (local.get $y0))
                (i32.const 2))))
            (call $record
              (i32.load (local.get $row))
              (i32.load offset=4 (local.get $row))
              (i32.add (local.get $ring)
                (i32.mul (i32.rem_u (local.get $m) (local.get $slots)) (local.get $rec))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $fill)))
        (local.set $from (local.get $end))
        ;; rowtab[p]: the slot of record m0 + p.
        (local.set $s (i32.rem_u (local.get $m0) (local.get $slots)))
        (local.set $p (i32.const 0))
        (loop $recs
          (i32.store (i32.add (local.get $rowtab) (i32.shl (local.get $p) (i32.const 2)))
            (i32.add (local.get $ring) (i32.mul (local.get $s) (local.get $rec))))
          (local.set $s (i32.add (local.get $s) (i32.const 1)))
          (if (i32.eq (local.get $s) (local.get $slots)) (then (local.set $s (i32.const 0))))
          (br_if $recs
            (i32.lt_s (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $slots))))
        (call $columns (local.get $rowtab) (local.get $dst))
        (local.set $m0 (i32.add (local.get $m0) (i32.const 1)))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $ds) (i32.const 1))))
        (br_if $pair (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1)))))))

  ;; Pads the staged source row at $src (-1: cval) into the padded row at $pad.
  (func $pad (param $src i32) (param $pad i32)
    (local $n i32) (local $lo i32) (local $e i32) (local $ee i32) (local $s i32)
    (local.set $n (i32.load offset=16 (i32.const 0)))
    (local.set $lo (i32.mul (i32.load offset=28 (i32.const 0)) (i32.load offset=24 (i32.const 0))))
    (if (i32.lt_s (local.get $src) (i32.const 0))
      (then
        (memory.fill (local.get $pad) (i32.load offset=60 (i32.const 0))
          (i32.add (local.get $n) (i32.shl (local.get $lo) (i32.const 1))))
        (return)))
    (memory.copy (i32.add (local.get $pad) (local.get $lo)) (local.get $src) (local.get $n))
    (local.set $e (i32.load offset=52 (i32.const 0)))
    (local.set $ee (i32.add (local.get $e) (i32.shl (i32.load offset=56 (i32.const 0)) (i32.const 3))))
    (block $edges_done
      (loop $edge
        (br_if $edges_done (i32.ge_u (local.get $e) (local.get $ee)))
        (local.set $s (i32.load offset=4 (local.get $e)))
        (i32.store8 (i32.add (local.get $pad) (i32.load (local.get $e)))
          (if (result i32) (i32.lt_s (local.get $s) (i32.const 0))
            (then (i32.load offset=60 (i32.const 0)))
            (else (i32.load8_u (i32.add (local.get $src) (local.get $s))))))
        (local.set $e (i32.add (local.get $e) (i32.const 8)))
        (br $edge))))

  ;; Record: pads source rows $a and $b, runs the row pass on both and stores
  ;; them interleaved at $out (biased int16, 64 bytes per 16-sample block).
  (func $record (param $a i32) (param $b i32) (param $out i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $w v128) (local $c v128) (local $bias v128)
    (local $pa i32) (local $pads i32) (local $tap i32) (local $kx i32) (local $r i32)
    (local $blocks i32) (local $mid i32) (local $pl i32) (local $pr i32) (local $wp i32)
    (local $i i32)
    (local.set $pa (i32.load offset=44 (i32.const 0)))
    (local.set $pads (i32.load offset=48 (i32.const 0)))
    (call $pad (local.get $a) (local.get $pa))
    (call $pad (local.get $b) (i32.add (local.get $pa) (local.get $pads)))
    (local.set $blocks (i32.load offset=20 (i32.const 0)))
    (local.set $tap (i32.load offset=24 (i32.const 0)))
    (local.set $r (i32.load offset=28 (i32.const 0)))
    (local.set $kx (i32.load offset=32 (i32.const 0)))
    (local.set $bias
      (v128.const i16x8 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000))
    (local.set $c (v128.load (i32.add (local.get $kx) (i32.shl (local.get $r) (i32.const 4)))))
    (local.set $mid (i32.mul (local.get $r) (local.get $tap)))
    (block $done
      (br_if $done (i32.le_s (local.get $blocks) (i32.const 0)))
      (loop $block
        (local.set $pl (i32.add (local.get $pa) (local.get $mid)))
        (local.set $pr (i32.add (local.get $pl) (local.get $pads)))
        (local.set $a0 (i16x8.mul (v128.load8x8_u (local.get $pl)) (local.get $c)))
        (local.set $a1 (i16x8.mul (v128.load8x8_u offset=8 (local.get $pl)) (local.get $c)))
        (local.set $b0 (i16x8.mul (v128.load8x8_u (local.get $pr)) (local.get $c)))
        (local.set $b1 (i16x8.mul (v128.load8x8_u offset=8 (local.get $pr)) (local.get $c)))
        ;; taps i and 2·rx − i, i = 0 … rx − 1: pl walks right, pr left
        (local.set $pl (local.get $pa))
        (local.set $pr (i32.add (local.get $pa) (i32.shl (local.get $mid) (i32.const 1))))
        (local.set $wp (local.get $kx))
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
            (local.set $b0
              (i16x8.add (local.get $b0)
                (i16x8.mul (local.get $w)
                  (i16x8.add (v128.load8x8_u (i32.add (local.get $pl) (local.get $pads)))
                    (v128.load8x8_u (i32.add (local.get $pr) (local.get $pads)))))))
            (local.set $b1
              (i16x8.add (local.get $b1)
                (i16x8.mul (local.get $w)
                  (i16x8.add (v128.load8x8_u offset=8 (i32.add (local.get $pl) (local.get $pads)))
                    (v128.load8x8_u offset=8 (i32.add (local.get $pr) (local.get $pads)))))))
            (local.set $pl (i32.add (local.get $pl) (local.get $tap)))
            (local.set $pr (i32.sub (local.get $pr) (local.get $tap)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
            (br_if $taps (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))
        (local.set $a0 (v128.xor (local.get $a0) (local.get $bias)))
        (local.set $a1 (v128.xor (local.get $a1) (local.get $bias)))
        (local.set $b0 (v128.xor (local.get $b0) (local.get $bias)))
        (local.set $b1 (v128.xor (local.get $b1) (local.get $bias)))
        (v128.store (local.get $out)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a0) (local.get $b0)))
        (v128.store offset=16 (local.get $out)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a0) (local.get $b0)))
        (v128.store offset=32 (local.get $out)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a1) (local.get $b1)))
        (v128.store offset=48 (local.get $out)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a1) (local.get $b1)))
        (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1)))))))

  ;; Column pass: output rows y (at $dst) and y + 1 (at $dst + ds) from the P records at the
  ;; addresses in $rt, 16 samples of both per step.
  (func $columns (param $rt i32) (param $dst i32)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local $we v128) (local $wo v128) (local $x v128) (local $k v128)
    (local $blocks i32) (local $slots i32) (local $kye i32) (local $kyo i32) (local $ds i32)
    (local $off i32) (local $rp i32) (local $wp i32) (local $q i32) (local $i i32)
    (local.set $blocks (i32.load offset=20 (i32.const 0)))
    (local.set $slots (i32.load offset=4 (i32.const 0)))
    (local.set $kye (i32.load offset=36 (i32.const 0)))
    (local.set $kyo (i32.sub (i32.load offset=40 (i32.const 0)) (local.get $kye)))
    (local.set $ds (i32.load offset=64 (i32.const 0)))
    ;; bias 2^15 · 256 plus rounding 2^15
    (local.set $k (v128.const i32x4 0x808000 0x808000 0x808000 0x808000))
    (local.set $off (i32.const 0))
    (block $done
      (br_if $done (i32.le_s (local.get $blocks) (i32.const 0)))
      (loop $block
        (local.set $e0 (local.get $k))
        (local.set $e1 (local.get $k))
        (local.set $e2 (local.get $k))
        (local.set $e3 (local.get $k))
        (local.set $o0 (local.get $k))
        (local.set $o1 (local.get $k))
        (local.set $o2 (local.get $k))
        (local.set $o3 (local.get $k))
        (local.set $rp (local.get $rt))
        (local.set $wp (local.get $kye))
        (local.set $i (local.get $slots))
        (loop $recs
          (local.set $we (v128.load (local.get $wp)))
          (local.set $wo (v128.load (i32.add (local.get $wp) (local.get $kyo))))
          (local.set $q (i32.add (i32.load (local.get $rp)) (local.get $off)))
          (local.set $x (v128.load (local.get $q)))
          (local.set $e0 (i32x4.add (local.get $e0) (i32x4.dot_i16x8_s (local.get $we) (local.get $x))))
          (local.set $o0 (i32x4.add (local.get $o0) (i32x4.dot_i16x8_s (local.get $wo) (local.get $x))))
          (local.set $x (v128.load offset=16 (local.get $q)))
          (local.set $e1 (i32x4.add (local.get $e1) (i32x4.dot_i16x8_s (local.get $we) (local.get $x))))
          (local.set $o1 (i32x4.add (local.get $o1) (i32x4.dot_i16x8_s (local.get $wo) (local.get $x))))
          (local.set $x (v128.load offset=32 (local.get $q)))
          (local.set $e2 (i32x4.add (local.get $e2) (i32x4.dot_i16x8_s (local.get $we) (local.get $x))))
          (local.set $o2 (i32x4.add (local.get $o2) (i32x4.dot_i16x8_s (local.get $wo) (local.get $x))))
          (local.set $x (v128.load offset=48 (local.get $q)))
          (local.set $e3 (i32x4.add (local.get $e3) (i32x4.dot_i16x8_s (local.get $we) (local.get $x))))
          (local.set $o3 (i32x4.add (local.get $o3) (i32x4.dot_i16x8_s (local.get $wo) (local.get $x))))
          (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
          (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
          (br_if $recs (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        (v128.store (local.get $dst)
          (i8x16.narrow_i16x8_u
            (i16x8.narrow_i32x4_u
              (i32x4.shr_s (local.get $e0) (i32.const 16)) (i32x4.shr_s (local.get $e1) (i32.const 16)))
            (i16x8.narrow_i32x4_u
              (i32x4.shr_s (local.get $e2) (i32.const 16)) (i32x4.shr_s (local.get $e3) (i32.const 16)))))
        (v128.store (i32.add (local.get $dst) (local.get $ds))
          (i8x16.narrow_i16x8_u
            (i16x8.narrow_i32x4_u
              (i32x4.shr_s (local.get $o0) (i32.const 16)) (i32x4.shr_s (local.get $o1) (i32.const 16)))
            (i16x8.narrow_i32x4_u
              (i32x4.shr_s (local.get $o2) (i32.const 16)) (i32x4.shr_s (local.get $o3) (i32.const 16)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $off (i32.add (local.get $off) (i32.const 64)))
        (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1))))))))
