;; PNG row filtering, 128-bit SIMD: byte for byte the TypeScript reference
;; filterRow in png_filter.ts. For each row all five filters (None, Sub, Up,
;; Average, Paeth) are scored by the sum over the row of min(r, 256 - r) of
;; their residual bytes r (libpng's heuristic); the lowest score wins, the
;; lower type on a tie, and the row is written as its type byte and the
;; residuals of that filter.
;;
;; Filters work on bytes, `bpp` (1 to 8) bytes per pixel; 16-bit samples
;; come big-endian (swap16 turns little-endian rows around in place). Rows
;; are read 16 bytes at a time, up to 16 bytes before a row (its left
;; neighbours, masked to zero for the first pixel) and 15 past its end (masked
;; out of the scores); the residuals are written with up to 15 bytes of
;; overrun, which the next row's write covers (the caller leaves slack after
;; the last row).
;;
;; Paeth in unsigned bytes: with pa = |b - c|, pb = |a - c|, the libpng
;; estimate pc = |a + b - 2c| is pa + pb when a - c and b - c have the same
;; sign and |pa - pb| otherwise; saturating pa + pb at 255 keeps every
;; comparison with pa, pb (both <= 255) as it was.
(module
  (memory (export "memory") 1)

  (func $cost (param $r v128) (result v128)
    (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u
      (i8x16.min_u (local.get $r) (i8x16.neg (local.get $r))))))

  (func $absdiff (param $x v128) (param $y v128) (result v128)
    (i8x16.sub (i8x16.max_u (local.get $x) (local.get $y)) (i8x16.min_u (local.get $x) (local.get $y))))

  (func $paeth (param $a v128) (param $b v128) (param $c v128) (result v128)
    (local $pa v128) (local $pb v128) (local $pc v128)
    (local.set $pa (call $absdiff (local.get $b) (local.get $c)))
    (local.set $pb (call $absdiff (local.get $a) (local.get $c)))
    (local.set $pc (v128.bitselect
      (call $absdiff (local.get $pa) (local.get $pb))
      (i8x16.add_sat_u (local.get $pa) (local.get $pb))
      (v128.xor (i8x16.ge_u (local.get $a) (local.get $c)) (i8x16.ge_u (local.get $b) (local.get $c)))))
    (v128.bitselect
      (local.get $a)
      (v128.bitselect (local.get $b) (local.get $c) (i8x16.le_u (local.get $pb) (local.get $pc)))
      (v128.and (i8x16.le_u (local.get $pa) (local.get $pb)) (i8x16.le_u (local.get $pa) (local.get $pc)))))

  ;; floor((a + b) / 2)
  (func $avg (param $a v128) (param $b v128) (result v128)
    (i8x16.sub (i8x16.avgr_u (local.get $a) (local.get $b))
      (v128.and (v128.xor (local.get $a) (local.get $b)) (i8x16.splat (i32.const 1)))))

  (func $sum (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; Filters the n-byte row at cur (prev: the row above, zeros for the first
  ;; row) into dst: the type byte, then n residuals. Returns the type.
  (func $row (export "filter_row") (param $cur i32) (param $prev i32) (param $dst i32) (param $n i32)
    (param $bpp i32) (result i32)
    (local $i i32) (local $left i32) (local $iota v128) (local $head v128) (local $mask v128)
    (local $x v128) (local $a v128) (local $b v128) (local $c v128) (local $r v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s4 v128)
    (local $best i32) (local $type i32) (local $t i32)
    (local.set $iota (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))
    (local.set $head (i8x16.ge_u (local.get $iota) (i8x16.splat (local.get $bpp))))
    (block $scored
      (loop $score
        (br_if $scored (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $left (i32.sub (local.get $n) (local.get $i)))
        (if (i32.gt_s (local.get $left) (i32.const 16)) (then (local.set $left (i32.const 16))))
        (local.set $mask (i8x16.gt_u (i8x16.splat (local.get $left)) (local.get $iota)))
        (local.set $x (v128.load (i32.add (local.get $cur) (local.get $i))))
        (local.set $b (v128.load (i32.add (local.get $prev) (local.get $i))))
        (local.set $a (v128.and (local.get $head)
          (v128.load (i32.sub (i32.add (local.get $cur) (local.get $i)) (local.get $bpp)))))
        (local.set $c (v128.and (local.get $head)
          (v128.load (i32.sub (i32.add (local.get $prev) (local.get $i)) (local.get $bpp)))))
        (local.set $head (v128.const i32x4 -1 -1 -1 -1))
        (local.set $s0 (i32x4.add (local.get $s0) (call $cost (v128.and (local.get $mask) (local.get $x)))))
        (local.set $s1 (i32x4.add (local.get $s1)
          (call $cost (v128.and (local.get $mask) (i8x16.sub (local.get $x) (local.get $a))))))
        (local.set $s2 (i32x4.add (local.get $s2)
          (call $cost (v128.and (local.get $mask) (i8x16.sub (local.get $x) (local.get $b))))))
        (local.set $s3 (i32x4.add (local.get $s3)
          (call $cost (v128.and (local.get $mask)
            (i8x16.sub (local.get $x) (call $avg (local.get $a) (local.get $b)))))))
        (local.set $s4 (i32x4.add (local.get $s4)
          (call $cost (v128.and (local.get $mask)
            (i8x16.sub (local.get $x) (call $paeth (local.get $a) (local.get $b) (local.get $c)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $score)))
    ;; The lowest score, the lower type on a tie (scores fit 31 bits: n < 2^24).
    (local.set $best (call $sum (local.get $s0)))
    (local.set $t (call $sum (local.get $s1)))
    (if (i32.lt_u (local.get $t) (local.get $best)) (then (local.set $best (local.get $t)) (local.set $type (i32.const 1))))
    (local.set $t (call $sum (local.get $s2)))
    (if (i32.lt_u (local.get $t) (local.get $best)) (then (local.set $best (local.get $t)) (local.set $type (i32.const 2))))
    (local.set $t (call $sum (local.get $s3)))
    (if (i32.lt_u (local.get $t) (local.get $best)) (then (local.set $best (local.get $t)) (local.set $type (i32.const 3))))
    (local.set $t (call $sum (local.get $s4)))
    (if (i32.lt_u (local.get $t) (local.get $best)) (then (local.set $best (local.get $t)) (local.set $type (i32.const 4))))
    (i32.store8 (local.get $dst) (local.get $type))
    (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
    (local.set $head (i8x16.ge_u (local.get $iota) (i8x16.splat (local.get $bpp))))
    (local.set $i (i32.const 0))
    (block $written
      (loop $write
        (br_if $written (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $x (v128.load (i32.add (local.get $cur) (local.get $i))))
        (local.set $b (v128.load (i32.add (local.get $prev) (local.get $i))))
        (local.set $a (v128.and (local.get $head)
          (v128.load (i32.sub (i32.add (local.get $cur) (local.get $i)) (local.get $bpp)))))
        (local.set $c (v128.and (local.get $head)
          (v128.load (i32.sub (i32.add (local.get $prev) (local.get $i)) (local.get $bpp)))))
        (local.set $head (v128.const i32x4 -1 -1 -1 -1))
        (block $done
          (block $t4
            (block $t3
              (block $t2
                (block $t1
                  (block $t0
                    (br_table $t0 $t1 $t2 $t3 $t4 (local.get $type)))
                  (local.set $r (local.get $x))
                  (br $done))
                (local.set $r (i8x16.sub (local.get $x) (local.get $a)))
                (br $done))
              (local.set $r (i8x16.sub (local.get $x) (local.get $b)))
              (br $done))
            (local.set $r (i8x16.sub (local.get $x) (call $avg (local.get $a) (local.get $b))))
            (br $done))
          (local.set $r (i8x16.sub (local.get $x) (call $paeth (local.get $a) (local.get $b) (local.get $c)))))
        (v128.store (i32.add (local.get $dst) (local.get $i)) (local.get $r))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $write)))
    (local.get $type))

  ;; Filters `rows` consecutive n-byte rows from src into dst (rows of n + 1
  ;; bytes); the first row's upper neighbour is prev0, each other's the row
  ;; before it.
  (func (export "filter_rows") (param $src i32) (param $prev0 i32) (param $rows i32) (param $n i32)
    (param $bpp i32) (param $dst i32)
    (local $y i32) (local $prev i32)
    (local.set $prev (local.get $prev0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $y) (local.get $rows)))
        (drop (call $row (local.get $src) (local.get $prev) (local.get $dst) (local.get $n) (local.get $bpp)))
        (local.set $prev (local.get $src))
        (local.set $src (i32.add (local.get $src) (local.get $n)))
        (local.set $dst (i32.add (local.get $dst) (i32.add (local.get $n) (i32.const 1))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $next))))

  ;; Swaps the bytes of each 16-bit sample in [p, p + n) (n even; may touch
  ;; up to 14 bytes past the end).
  (func (export "swap16") (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p)
          (i8x16.shuffle 1 0 3 2 5 4 7 6 9 8 11 10 13 12 15 14 (v128.load (local.get $p)) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))))
