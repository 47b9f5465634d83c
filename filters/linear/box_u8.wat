;; The u8 box mean (filters/linear/box_simd.ts boxMeanU8Simd), 128-bit SIMD.
;;
;; Byte-identical to the TypeScript path: the window sums are exact
;; integers, and each output is their quotient by the count rounded half to
;; even and saturated.
;;
;; vert: the column sums (i32, one per sample of the interleaved row) take
;;   one row in and one row out: col += come − gone, the difference formed
;;   in i16 lanes (−255 … 255) and sign-extended. The sums are exact
;;   integers (at most 255 · kh).
;;
;; hrow: the padded row of column sums C is the column sums with margins
;;   on both sides, gathered from the column sums by a table of (to, from)
;;   byte addresses (the border pattern of core/boundary.ts). Its inclusive
;;   prefix sums with stride `ch` (one running sum per channel),
;;   I[q] = C[q] + I[q − ch], are taken in i32x4 vectors: within a vector
;;   by shifted adds, across vectors by the previous vector's last `ch`
;;   lanes. They wrap modulo 2^32, which is harmless: a window sum
;;   I[q + (kw − 1)·ch] − I[q − ch] (I[−ch … −1] = 0, the 16 zero bytes
;;   before I) is exact modulo 2^32 and below 2^24, so exact.
;;
;;   The mean: the sum s (< 2^24, so exact in f32) over n (< 2^16), t = s/n.
;;   Each output must be t rounded half to even, saturated. Let h be any
;;   half-integer ≤ 255.5 (exact in f32, where an ulp is at most 2^-16):
;;   - f32x4.div is correctly rounded, q = RN(t), and monotonic. If t = h
;;     (a tie) then q = h. Otherwise |t − h| = |2s − (2m + 1)n| / 2n ≥ 1/2n
;;     > 2^-17 ≥ half an ulp at h, so q ≠ h and q is on t's side of h.
;;   - For odd n < 2^14 (no ties: 2s ≠ (2m + 1)n) multiplying by
;;     f = RN(1/n) = (1 + e)/n, |e| ≤ 2^-24, is cheaper: when t < 256,
;;     q = RN(s · f) is within t · 2^-24 + ½ ulp(q) ≤ 2^-16 + 2^-16 = 2^-15
;;     of t, less than 1/2n (> 2^-15), so again q ≠ h and q is on t's side
;;     of h; when t ≥ 256, q ≥ RN(256 · (1 − 2^-24)) > 255.5.
;;   So q rounds to the integer t rounds to, or t > 255.5 and q ≥ 255.5,
;;   which both saturate to 255. q + 2^23 in f32 rounds q to an integer,
;;   ties to even (the ulp in [2^23, 2^24) is 1), read back from the bits as
;;   an i32 (a larger q gives a larger i32, which saturates); the saturating
;;   narrows clamp to 0 … 255.
;;
;; Both passes work on 16-sample blocks; samples past the row's end are junk
;; (each lane reads its own column only), so buffers need spare room past
;; the end (see the memory layout in filters/linear/box_simd.ts).

(module
  (memory (export "memory") 1)

  ;; vert(col, come, gone, blocks): col[i] += come[i] − gone[i], i < 16 · blocks
  ;;   col:  byte address of the i32 column sums
  ;;   come: byte address of the u8 row entering the window
  ;;   gone: byte address of the u8 row leaving it (a zero row at the start)
  (func (export "vert")
    (param $col i32) (param $come i32) (param $gone i32) (param $blocks i32)
    (local $a v128) (local $b v128) (local $lo v128) (local $hi v128)
    (block $done
      (br_if $done (i32.le_s (local.get $blocks) (i32.const 0)))
      (loop $block
        (local.set $a (v128.load (local.get $come)))
        (local.set $b (v128.load (local.get $gone)))
        (local.set $lo (i16x8.sub (i16x8.extend_low_i8x16_u (local.get $a))
          (i16x8.extend_low_i8x16_u (local.get $b))))
        (local.set $hi (i16x8.sub (i16x8.extend_high_i8x16_u (local.get $a))
          (i16x8.extend_high_i8x16_u (local.get $b))))
        (v128.store (local.get $col)
          (i32x4.add (v128.load (local.get $col)) (i32x4.extend_low_i16x8_s (local.get $lo))))
        (v128.store offset=16 (local.get $col)
          (i32x4.add (v128.load offset=16 (local.get $col))
            (i32x4.extend_high_i16x8_s (local.get $lo))))
        (v128.store offset=32 (local.get $col)
          (i32x4.add (v128.load offset=32 (local.get $col))
            (i32x4.extend_low_i16x8_s (local.get $hi))))
        (v128.store offset=48 (local.get $col)
          (i32x4.add (v128.load offset=48 (local.get $col))
            (i32x4.extend_high_i16x8_s (local.get $hi))))
        (local.set $come (i32.add (local.get $come) (i32.const 16)))
        (local.set $gone (i32.add (local.get $gone) (i32.const 16)))
        (local.set $col (i32.add (local.get $col) (i32.const 64)))
        (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1)))))))

  ;; hrow(edges, nedges, c, i, iters, ch, lag, dst, blocks, n, r)
  ;;   edges:  byte address of nedges (to, from) i32 address pairs: the margins of C
  ;;   c:      byte address of C, the padded row of column sums (i32)
  ;;   i:      byte address of I, its prefix sums (16 zero bytes before it)
  ;;   iters:  prefix iterations, each 3 vectors of C when ch is 3, else 2
  ;;   ch:     channels, 1 … 4 (the stride of the running sums)
  ;;   lag:    (kw − 1) · ch · 4, the bytes from I[q] to I[q + (kw − 1)·ch]
  ;;   dst:    byte address of the u8 output row (blocks · 16 bytes)
  ;;   blocks: 16-sample output blocks
  ;;   n:      the divisor, an integer below 2^16
  ;;   r:      0 to divide by n; else f32(1/n), multiplied instead (odd n < 2^14 only)
  (func (export "hrow")
    (param $edges i32) (param $nedges i32) (param $c i32) (param $i i32) (param $iters i32)
    (param $ch i32) (param $lag i32) (param $dst i32) (param $blocks i32) (param $n i32)
    (param $r f32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $k v128) (local $z v128)
    (local $div v128) (local $magic v128)
    (local $p i32) (local $q i32) (local $a i32) (local $b i32)
    ;; the margins
    (block $gathered
      (br_if $gathered (i32.le_s (local.get $nedges) (i32.const 0)))
      (loop $gather
        (i32.store (i32.load (local.get $edges)) (i32.load (i32.load offset=4 (local.get $edges))))
        (local.set $edges (i32.add (local.get $edges) (i32.const 8)))
        (br_if $gather (local.tee $nedges (i32.sub (local.get $nedges) (i32.const 1))))))
    ;; Prefix sums with stride ch. Within a vector by shifted adds (lanes
    ;; move up by ch, zeros in); the carry k holds, in every lane, the sum
    ;; so far of that lane's channel. For ch 1, 2, 4 the lane → channel map
    ;; is the same in every vector, so k grows by the vector's own last ch
    ;; lanes (one add on the dependency chain per vector). For ch 3 it
    ;; rotates (lanes 0 1 2 3 are channels 0 1 2 0, then 1 2 0 1, then
    ;; 2 0 1 2), so three vectors go together: with R the rotation
    ;; (lanes 1 2 3 1), X0 = v0, X1 = v1 + R(X0), X2 = v2 + R(X1), the sums
    ;; are X0 + k, X1 + R(k), X2 + R²(k), and the next k is k + R(X2).
    (local.set $z (v128.const i32x4 0 0 0 0))
    (local.set $k (local.get $z))
    (local.set $p (local.get $c))
    (local.set $q (local.get $i))
    (block $summed
      (br_if $summed (i32.le_s (local.get $iters) (i32.const 0)))
      (if (i32.eq (local.get $ch) (i32.const 1))
        (then
          (loop $s1
            (local.set $v0 (v128.load (local.get $p)))
            (local.set $v1 (v128.load offset=16 (local.get $p)))
            (local.set $v0 (i32x4.add (local.get $v0)
              (i8x16.shuffle 28 29 30 31 0 1 2 3 4 5 6 7 8 9 10 11 (local.get $v0) (local.get $z))))
            (local.set $v1 (i32x4.add (local.get $v1)
              (i8x16.shuffle 28 29 30 31 0 1 2 3 4 5 6 7 8 9 10 11 (local.get $v1) (local.get $z))))
            (local.set $v0 (i32x4.add (local.get $v0)
              (i8x16.shuffle 24 25 26 27 28 29 30 31 0 1 2 3 4 5 6 7 (local.get $v0) (local.get $z))))
            (local.set $v1 (i32x4.add (local.get $v1)
              (i8x16.shuffle 24 25 26 27 28 29 30 31 0 1 2 3 4 5 6 7 (local.get $v1) (local.get $z))))
            (v128.store (local.get $q) (i32x4.add (local.get $v0) (local.get $k)))
            (local.set $k (i32x4.add (local.get $k)
              (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15
                (local.get $v0) (local.get $v0))))
            (v128.store offset=16 (local.get $q) (i32x4.add (local.get $v1) (local.get $k)))
            (local.set $k (i32x4.add (local.get $k)
              (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15
                (local.get $v1) (local.get $v1))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br_if $s1 (local.tee $iters (i32.sub (local.get $iters) (i32.const 1)))))
          (br $summed)))
      (if (i32.eq (local.get $ch) (i32.const 2))
        (then
          (loop $s2
            (local.set $v0 (v128.load (local.get $p)))
            (local.set $v1 (v128.load offset=16 (local.get $p)))
            (local.set $v0 (i32x4.add (local.get $v0)
              (i8x16.shuffle 24 25 26 27 28 29 30 31 0 1 2 3 4 5 6 7 (local.get $v0) (local.get $z))))
            (local.set $v1 (i32x4.add (local.get $v1)
              (i8x16.shuffle 24 25 26 27 28 29 30 31 0 1 2 3 4 5 6 7 (local.get $v1) (local.get $z))))
            (v128.store (local.get $q) (i32x4.add (local.get $v0) (local.get $k)))
            (local.set $k (i32x4.add (local.get $k)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                (local.get $v0) (local.get $v0))))
            (v128.store offset=16 (local.get $q) (i32x4.add (local.get $v1) (local.get $k)))
            (local.set $k (i32x4.add (local.get $k)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
                (local.get $v1) (local.get $v1))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br_if $s2 (local.tee $iters (i32.sub (local.get $iters) (i32.const 1)))))
          (br $summed)))
      (if (i32.eq (local.get $ch) (i32.const 3))
        (then
          (loop $s3
            (local.set $v0 (v128.load (local.get $p)))
            (local.set $v1 (v128.load offset=16 (local.get $p)))
            (local.set $v2 (v128.load offset=32 (local.get $p)))
            (local.set $v0 (i32x4.add (local.get $v0)
              (i8x16.shuffle 20 21 22 23 24 25 26 27 28 29 30 31 0 1 2 3 (local.get $v0) (local.get $z))))
            (local.set $v1 (i32x4.add (local.get $v1)
              (i8x16.shuffle 20 21 22 23 24 25 26 27 28 29 30 31 0 1 2 3 (local.get $v1) (local.get $z))))
            (local.set $v2 (i32x4.add (local.get $v2)
              (i8x16.shuffle 20 21 22 23 24 25 26 27 28 29 30 31 0 1 2 3 (local.get $v2) (local.get $z))))
            ;; X1, X2
            (local.set $v1 (i32x4.add (local.get $v1)
              (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 4 5 6 7 (local.get $v0) (local.get $v0))))
            (local.set $v2 (i32x4.add (local.get $v2)
              (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 4 5 6 7 (local.get $v1) (local.get $v1))))
            (v128.store (local.get $q) (i32x4.add (local.get $v0) (local.get $k)))
            (v128.store offset=16 (local.get $q) (i32x4.add (local.get $v1)
              (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 4 5 6 7 (local.get $k) (local.get $k))))
            (v128.store offset=32 (local.get $q) (i32x4.add (local.get $v2)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 4 5 6 7 8 9 10 11 (local.get $k) (local.get $k))))
            (local.set $k (i32x4.add (local.get $k)
              (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 4 5 6 7 (local.get $v2) (local.get $v2))))
            (local.set $p (i32.add (local.get $p) (i32.const 48)))
            (local.set $q (i32.add (local.get $q) (i32.const 48)))
            (br_if $s3 (local.tee $iters (i32.sub (local.get $iters) (i32.const 1)))))
          (br $summed)))
      (loop $s4
        (local.set $k (i32x4.add (v128.load (local.get $p)) (local.get $k)))
        (v128.store (local.get $q) (local.get $k))
        (local.set $k (i32x4.add (v128.load offset=16 (local.get $p)) (local.get $k)))
        (v128.store offset=16 (local.get $q) (local.get $k))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br_if $s4 (local.tee $iters (i32.sub (local.get $iters) (i32.const 1))))))
    ;; window sums, exact means, 16 per block
    (local.set $magic (v128.const f32x4 8388608 8388608 8388608 8388608))
    (local.set $b (i32.sub (local.get $i) (i32.shl (local.get $ch) (i32.const 2))))
    (local.set $a (i32.add (local.get $i) (local.get $lag)))
    (block $done
      (br_if $done (i32.le_s (local.get $blocks) (i32.const 0)))
      (if (f32.ne (local.get $r) (f32.const 0))
        (then
          (local.set $div (f32x4.splat (local.get $r)))
          (loop $mul
            (v128.store (local.get $dst)
              (i8x16.narrow_i16x8_u
                (i16x8.narrow_i32x4_s
                  (i32x4.sub
                    (f32x4.add (local.get $magic)
                      (f32x4.mul
                        (f32x4.convert_i32x4_s
                          (i32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
                        (local.get $div)))
                    (local.get $magic))
                  (i32x4.sub
                    (f32x4.add (local.get $magic)
                      (f32x4.mul
                        (f32x4.convert_i32x4_s
                          (i32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
                        (local.get $div)))
                    (local.get $magic)))
                (i16x8.narrow_i32x4_s
                  (i32x4.sub
                    (f32x4.add (local.get $magic)
                      (f32x4.mul
                        (f32x4.convert_i32x4_s
                          (i32x4.sub (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))
                        (local.get $div)))
                    (local.get $magic))
                  (i32x4.sub
                    (f32x4.add (local.get $magic)
                      (f32x4.mul
                        (f32x4.convert_i32x4_s
                          (i32x4.sub (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))
                        (local.get $div)))
                    (local.get $magic)))))
            (local.set $a (i32.add (local.get $a) (i32.const 64)))
            (local.set $b (i32.add (local.get $b) (i32.const 64)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br_if $mul (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1)))))
          (br $done)))
      (local.set $div (f32x4.splat (f32.convert_i32_u (local.get $n))))
      (loop $block
        (v128.store (local.get $dst)
          (i8x16.narrow_i16x8_u
            (i16x8.narrow_i32x4_s
              (i32x4.sub
                (f32x4.add (local.get $magic)
                  (f32x4.div
                    (f32x4.convert_i32x4_s
                      (i32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
                    (local.get $div)))
                (local.get $magic))
              (i32x4.sub
                (f32x4.add (local.get $magic)
                  (f32x4.div
                    (f32x4.convert_i32x4_s
                      (i32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
                    (local.get $div)))
                (local.get $magic)))
            (i16x8.narrow_i32x4_s
              (i32x4.sub
                (f32x4.add (local.get $magic)
                  (f32x4.div
                    (f32x4.convert_i32x4_s
                      (i32x4.sub (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))
                    (local.get $div)))
                (local.get $magic))
              (i32x4.sub
                (f32x4.add (local.get $magic)
                  (f32x4.div
                    (f32x4.convert_i32x4_s
                      (i32x4.sub (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))
                    (local.get $div)))
                (local.get $magic)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1))))))))
