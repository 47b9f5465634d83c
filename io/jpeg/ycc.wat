;; The encoder's RGB -> YCbCr and 2x2 chroma downsampling, 128-bit SIMD: byte
;; for byte the TypeScript reference io/jpeg/downsample.ts (libjpeg's jccolor.c
;; and jcsample.c arithmetic). Owns the memory the encoder's kernels share.
;;
;;   Y  = (19595 R + 38470 G + 7471 B + 2^15) >> 16
;;   Cb = (32768 B - 11059 R - 21709 G + 128 2^16 + 2^15 - 1) >> 16
;;   Cr = (32768 R - 27439 G - 5329 B + 128 2^16 + 2^15 - 1) >> 16
;; with unsigned 16x16 -> 32-bit products (every coefficient fits 16 bits).
;; 16 pixels per step; rows may be read 63 bytes and written 15 bytes past
;; their end (the arena leaves that slack, encode.ts).
(module
  (memory (export "memory") 1)

  ;; rgb_ycc(src, ch, n, y, cb, cr, padded): n pixels of ch (3 or 4) interleaved
  ;; samples to three rows, each then extended to padded samples with its last one.
  (func (export "rgb_ycc") (param $src i32) (param $ch i32) (param $n i32)
    (param $y i32) (param $cb i32) (param $cr i32) (param $padded i32)
    (local $i i32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $r v128) (local $g v128) (local $b v128)
    (local $rl v128) (local $rh v128) (local $gl v128) (local $gh v128) (local $bl v128) (local $bh v128)
    (local $half v128) (local $off v128)
    (local.set $half (i32x4.splat (i32.const 32768)))
    (local.set $off (i32x4.splat (i32.const 8421375)))
    (block $done
      (loop $px
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $v0 (v128.load (local.get $src)))
        (local.set $v1 (v128.load offset=16 (local.get $src)))
        (local.set $v2 (v128.load offset=32 (local.get $src)))
        (if (i32.eq (local.get $ch) (i32.const 3))
          (then
            (local.set $r (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 17 20 23 26 29
              (i8x16.shuffle 0 3 6 9 12 15 18 21 24 27 30 0 0 0 0 0 (local.get $v0) (local.get $v1)) (local.get $v2)))
            (local.set $g (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 18 21 24 27 30
              (i8x16.shuffle 1 4 7 10 13 16 19 22 25 28 31 0 0 0 0 0 (local.get $v0) (local.get $v1)) (local.get $v2)))
            (local.set $b (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 16 19 22 25 28 31
              (i8x16.shuffle 2 5 8 11 14 17 20 23 26 29 0 0 0 0 0 0 (local.get $v0) (local.get $v1)) (local.get $v2)))
            (local.set $src (i32.add (local.get $src) (i32.const 48))))
          (else
            (local.set $v3 (v128.load offset=48 (local.get $src)))
            (local.set $r (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (i8x16.shuffle 0 4 8 12 16 20 24 28 0 0 0 0 0 0 0 0 (local.get $v0) (local.get $v1))
              (i8x16.shuffle 0 4 8 12 16 20 24 28 0 0 0 0 0 0 0 0 (local.get $v2) (local.get $v3))))
            (local.set $g (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (i8x16.shuffle 1 5 9 13 17 21 25 29 0 0 0 0 0 0 0 0 (local.get $v0) (local.get $v1))
              (i8x16.shuffle 1 5 9 13 17 21 25 29 0 0 0 0 0 0 0 0 (local.get $v2) (local.get $v3))))
            (local.set $b (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (i8x16.shuffle 2 6 10 14 18 22 26 30 0 0 0 0 0 0 0 0 (local.get $v0) (local.get $v1))
              (i8x16.shuffle 2 6 10 14 18 22 26 30 0 0 0 0 0 0 0 0 (local.get $v2) (local.get $v3))))
            (local.set $src (i32.add (local.get $src) (i32.const 64)))))
        (local.set $rl (i16x8.extend_low_i8x16_u (local.get $r)))
        (local.set $rh (i16x8.extend_high_i8x16_u (local.get $r)))
        (local.set $gl (i16x8.extend_low_i8x16_u (local.get $g)))
        (local.set $gh (i16x8.extend_high_i8x16_u (local.get $g)))
        (local.set $bl (i16x8.extend_low_i8x16_u (local.get $b)))
        (local.set $bh (i16x8.extend_high_i8x16_u (local.get $b)))
        (v128.store (i32.add (local.get $y) (local.get $i)) (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s
            (i32x4.shr_u (i32x4.add (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $rl) (i16x8.splat (i32.const 19595))) (i32x4.extmul_low_i16x8_u (local.get $gl) (i16x8.splat (i32.const 38470))))
              (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $bl) (i16x8.splat (i32.const 7471))) (local.get $half))) (i32.const 16))
            (i32x4.shr_u (i32x4.add (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $rl) (i16x8.splat (i32.const 19595))) (i32x4.extmul_high_i16x8_u (local.get $gl) (i16x8.splat (i32.const 38470))))
              (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $bl) (i16x8.splat (i32.const 7471))) (local.get $half))) (i32.const 16)))
          (i16x8.narrow_i32x4_s
            (i32x4.shr_u (i32x4.add (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $rh) (i16x8.splat (i32.const 19595))) (i32x4.extmul_low_i16x8_u (local.get $gh) (i16x8.splat (i32.const 38470))))
              (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $bh) (i16x8.splat (i32.const 7471))) (local.get $half))) (i32.const 16))
            (i32x4.shr_u (i32x4.add (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $rh) (i16x8.splat (i32.const 19595))) (i32x4.extmul_high_i16x8_u (local.get $gh) (i16x8.splat (i32.const 38470))))
              (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $bh) (i16x8.splat (i32.const 7471))) (local.get $half))) (i32.const 16)))))
        (v128.store (i32.add (local.get $cb) (local.get $i)) (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $bl)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $rl) (i16x8.splat (i32.const 11059))) (i32x4.extmul_low_i16x8_u (local.get $gl) (i16x8.splat (i32.const 21709))))) (i32.const 16))
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $bl)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $rl) (i16x8.splat (i32.const 11059))) (i32x4.extmul_high_i16x8_u (local.get $gl) (i16x8.splat (i32.const 21709))))) (i32.const 16)))
          (i16x8.narrow_i32x4_s
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $bh)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $rh) (i16x8.splat (i32.const 11059))) (i32x4.extmul_low_i16x8_u (local.get $gh) (i16x8.splat (i32.const 21709))))) (i32.const 16))
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $bh)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $rh) (i16x8.splat (i32.const 11059))) (i32x4.extmul_high_i16x8_u (local.get $gh) (i16x8.splat (i32.const 21709))))) (i32.const 16)))))
        (v128.store (i32.add (local.get $cr) (local.get $i)) (i8x16.narrow_i16x8_u
          (i16x8.narrow_i32x4_s
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $rl)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $gl) (i16x8.splat (i32.const 27439))) (i32x4.extmul_low_i16x8_u (local.get $bl) (i16x8.splat (i32.const 5329))))) (i32.const 16))
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $rl)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $gl) (i16x8.splat (i32.const 27439))) (i32x4.extmul_high_i16x8_u (local.get $bl) (i16x8.splat (i32.const 5329))))) (i32.const 16)))
          (i16x8.narrow_i32x4_s
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $rh)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_low_i16x8_u (local.get $gh) (i16x8.splat (i32.const 27439))) (i32x4.extmul_low_i16x8_u (local.get $bh) (i16x8.splat (i32.const 5329))))) (i32.const 16))
            (i32x4.shr_s (i32x4.sub (i32x4.add (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $rh)) (i32.const 15)) (local.get $off))
              (i32x4.add (i32x4.extmul_high_i16x8_u (local.get $gh) (i16x8.splat (i32.const 27439))) (i32x4.extmul_high_i16x8_u (local.get $bh) (i16x8.splat (i32.const 5329))))) (i32.const 16)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $px)))
    ;; Extend each row with its last sample.
    (local.set $i (i32.sub (local.get $padded) (local.get $n)))
    (memory.fill (i32.add (local.get $y) (local.get $n))
      (i32.load8_u offset=0 (i32.sub (i32.add (local.get $y) (local.get $n)) (i32.const 1))) (local.get $i))
    (memory.fill (i32.add (local.get $cb) (local.get $n))
      (i32.load8_u offset=0 (i32.sub (i32.add (local.get $cb) (local.get $n)) (i32.const 1))) (local.get $i))
    (memory.fill (i32.add (local.get $cr) (local.get $n))
      (i32.load8_u offset=0 (i32.sub (i32.add (local.get $cr) (local.get $n)) (i32.const 1))) (local.get $i)))

  ;; down(top, bottom, dst, w): w samples (a + b + c + d + bias) >> 2 of the 2x2
  ;; pairs of two rows, bias 1, 2, 1, 2, ... along the row.
  (func (export "down") (param $top i32) (param $bottom i32) (param $dst i32) (param $w i32)
    (local $i i32) (local $bias v128)
    (local.set $bias (v128.const i16x8 1 2 1 2 1 2 1 2))
    (block $done
      (loop $px
        (br_if $done (i32.ge_s (local.get $i) (local.get $w)))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (i8x16.narrow_i16x8_u
            (i16x8.shr_u (i16x8.add (local.get $bias) (i16x8.add
              (i16x8.extadd_pairwise_i8x16_u (v128.load (local.get $top)))
              (i16x8.extadd_pairwise_i8x16_u (v128.load (local.get $bottom))))) (i32.const 2))
            (i16x8.shr_u (i16x8.add (local.get $bias) (i16x8.add
              (i16x8.extadd_pairwise_i8x16_u (v128.load offset=16 (local.get $top)))
              (i16x8.extadd_pairwise_i8x16_u (v128.load offset=16 (local.get $bottom))))) (i32.const 2))))
        (local.set $top (i32.add (local.get $top) (i32.const 32)))
        (local.set $bottom (i32.add (local.get $bottom) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $px)))))
