;; Huffman coding of a sequential scan's blocks (T.81 F.1.2), scalar
;; WebAssembly: byte for byte encodeBlocks in io/jpeg/entropy_encode.ts, about
;; twice as fast (a 64-bit bit buffer, count-trailing-zeros over the FDCT
;; kernel's nonzero masks). Imports the encoder's memory (ycc.wat).
;;
;; The bit buffer lives in globals between calls (reset / flush), so a scan
;; is coded an MCU row per call with the bytes copied out after each.
;;
;; Tables: per component 256 u32 DC entries then 256 u32 AC entries,
;; (code << 8) | length. Blocks: per block three i32 — the byte offset of its
;; 64 int16 coefficients (natural order), of its two u32 mask words (bit k:
;; zigzag position k is not zero) and its component. zz: 64 i32, the byte
;; offset of zigzag position k within a block.
(module
  (import "env" "memory" (memory 1))
  (global $acc (mut i64) (i64.const 0))
  (global $bits (mut i32) (i32.const 0))

  (func (export "huff_reset")
    (global.set $acc (i64.const 0))
    (global.set $bits (i32.const 0)))

  ;; Emits the top 32 of the pending bits at $out, FF bytes followed by 00; returns the new $out.
  (func $word (param $w i32) (param $out i32) (result i32)
    (local $b i32)
    (local.set $b (i32.shr_u (local.get $w) (i32.const 24)))
    (i32.store8 (local.get $out) (local.get $b))
    (local.set $out (i32.add (local.get $out) (i32.const 1)))
    (if (i32.eq (local.get $b) (i32.const 255))
      (then (i32.store8 (local.get $out) (i32.const 0))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))))
    (local.set $b (i32.and (i32.shr_u (local.get $w) (i32.const 16)) (i32.const 255)))
    (i32.store8 (local.get $out) (local.get $b))
    (local.set $out (i32.add (local.get $out) (i32.const 1)))
    (if (i32.eq (local.get $b) (i32.const 255))
      (then (i32.store8 (local.get $out) (i32.const 0))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))))
    (local.set $b (i32.and (i32.shr_u (local.get $w) (i32.const 8)) (i32.const 255)))
    (i32.store8 (local.get $out) (local.get $b))
    (local.set $out (i32.add (local.get $out) (i32.const 1)))
    (if (i32.eq (local.get $b) (i32.const 255))
      (then (i32.store8 (local.get $out) (i32.const 0))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))))
    (local.set $b (i32.and (local.get $w) (i32.const 255)))
    (i32.store8 (local.get $out) (local.get $b))
    (local.set $out (i32.add (local.get $out) (i32.const 1)))
    (if (i32.eq (local.get $b) (i32.const 255))
      (then (i32.store8 (local.get $out) (i32.const 0))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))))
    (local.get $out))

  ;; huff_blocks(blocks, n, tables, preds, zz, out): codes n blocks, updating the
  ;; DC predictions (i32 per component at preds); returns the bytes written at out.
  (func (export "huff_blocks") (param $blocks i32) (param $n i32) (param $tables i32)
    (param $preds i32) (param $zz i32) (param $out i32) (result i32)
    (local $start i32) (local $acc i64) (local $bits i32) (local $j i32)
    (local $at i32) (local $tab i32) (local $pred i32) (local $d i32) (local $v i32)
    (local $nb i32) (local $e i32) (local $size i32) (local $m i64) (local $k i32)
    (local $last i32) (local $run i32) (local $zrl i32)
    (local.set $start (local.get $out))
    (local.set $acc (global.get $acc))
    (local.set $bits (global.get $bits))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $at (i32.load (local.get $blocks)))
        (local.set $m (i64.and (i64.load (i32.load offset=4 (local.get $blocks))) (i64.const -2)))
        (local.set $tab (i32.add (local.get $tables) (i32.shl (i32.load offset=8 (local.get $blocks)) (i32.const 11))))
        (local.set $pred (i32.add (local.get $preds) (i32.shl (i32.load offset=8 (local.get $blocks)) (i32.const 2))))
        ;; DC: the difference's size category code, then its bits.
        (local.set $d (i32.load16_s (local.get $at)))
        (local.set $v (i32.sub (local.get $d) (i32.load (local.get $pred))))
        (i32.store (local.get $pred) (local.get $d))
        (local.set $nb (select (i32.const 0)
          (i32.sub (i32.const 32) (i32.clz (select (i32.sub (i32.const 0) (local.get $v)) (local.get $v)
            (i32.lt_s (local.get $v) (i32.const 0)))))
          (i32.eqz (local.get $v))))
        (local.set $e (i32.load (i32.add (local.get $tab) (i32.shl (local.get $nb) (i32.const 2)))))
        (local.set $size (i32.add (i32.and (local.get $e) (i32.const 255)) (local.get $nb)))
        (local.set $acc (i64.or (i64.shl (local.get $acc) (i64.extend_i32_u (local.get $size)))
          (i64.extend_i32_u (i32.or (i32.shl (i32.shr_u (local.get $e) (i32.const 8)) (local.get $nb))
            (i32.and (i32.sub (local.get $v) (i32.lt_s (local.get $v) (i32.const 0)))
              (i32.sub (i32.shl (i32.const 1) (local.get $nb)) (i32.const 1)))))))
        (local.set $bits (i32.add (local.get $bits) (local.get $size)))
        (if (i32.ge_u (local.get $bits) (i32.const 32))
          (then
            (local.set $bits (i32.sub (local.get $bits) (i32.const 32)))
            (local.set $out (call $word (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.extend_i32_u (local.get $bits))))
              (local.get $out)))))
        ;; AC: each nonzero coefficient (the mask's set bits) after its run of zeros.
        (local.set $tab (i32.add (local.get $tab) (i32.const 1024)))
        (local.set $zrl (i32.load offset=960 (local.get $tab))) ;; symbol 0xF0
        (local.set $last (i32.const 0))
        (block $acdone
          (loop $coef
            (br_if $acdone (i64.eqz (local.get $m)))
            (local.set $k (i32.wrap_i64 (i64.ctz (local.get $m))))
            (local.set $m (i64.and (local.get $m) (i64.sub (local.get $m) (i64.const 1))))
            (local.set $run (i32.sub (i32.sub (local.get $k) (local.get $last)) (i32.const 1)))
            (local.set $last (local.get $k))
            (block $zdone
              (loop $zrls
                (br_if $zdone (i32.le_s (local.get $run) (i32.const 15)))
                (local.set $size (i32.and (local.get $zrl) (i32.const 255)))
                (local.set $acc (i64.or (i64.shl (local.get $acc) (i64.extend_i32_u (local.get $size)))
                  (i64.extend_i32_u (i32.shr_u (local.get $zrl) (i32.const 8)))))
                (local.set $bits (i32.add (local.get $bits) (local.get $size)))
                (if (i32.ge_u (local.get $bits) (i32.const 32))
                  (then
                    (local.set $bits (i32.sub (local.get $bits) (i32.const 32)))
                    (local.set $out (call $word (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.extend_i32_u (local.get $bits))))
                      (local.get $out)))))
                (local.set $run (i32.sub (local.get $run) (i32.const 16)))
                (br $zrls)))
            (local.set $v (i32.load16_s (i32.add (local.get $at)
              (i32.load (i32.add (local.get $zz) (i32.shl (local.get $k) (i32.const 2)))))))
            (local.set $nb (i32.sub (i32.const 32) (i32.clz (select (i32.sub (i32.const 0) (local.get $v)) (local.get $v)
              (i32.lt_s (local.get $v) (i32.const 0))))))
            (local.set $e (i32.load (i32.add (local.get $tab)
              (i32.shl (i32.add (i32.shl (local.get $run) (i32.const 4)) (local.get $nb)) (i32.const 2)))))
            (local.set $size (i32.add (i32.and (local.get $e) (i32.const 255)) (local.get $nb)))
            (local.set $acc (i64.or (i64.shl (local.get $acc) (i64.extend_i32_u (local.get $size)))
              (i64.extend_i32_u (i32.or (i32.shl (i32.shr_u (local.get $e) (i32.const 8)) (local.get $nb))
                (i32.and (i32.sub (local.get $v) (i32.lt_s (local.get $v) (i32.const 0)))
                  (i32.sub (i32.shl (i32.const 1) (local.get $nb)) (i32.const 1)))))))
            (local.set $bits (i32.add (local.get $bits) (local.get $size)))
            (if (i32.ge_u (local.get $bits) (i32.const 32))
              (then
                (local.set $bits (i32.sub (local.get $bits) (i32.const 32)))
                (local.set $out (call $word (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.extend_i32_u (local.get $bits))))
                  (local.get $out)))))
            (br $coef)))
        ;; End of block unless coefficient 63 was the last coded.
        (if (i32.ne (local.get $last) (i32.const 63))
          (then
            (local.set $e (i32.load (local.get $tab)))
            (local.set $size (i32.and (local.get $e) (i32.const 255)))
            (local.set $acc (i64.or (i64.shl (local.get $acc) (i64.extend_i32_u (local.get $size)))
              (i64.extend_i32_u (i32.shr_u (local.get $e) (i32.const 8)))))
            (local.set $bits (i32.add (local.get $bits) (local.get $size)))
            (if (i32.ge_u (local.get $bits) (i32.const 32))
              (then
                (local.set $bits (i32.sub (local.get $bits) (i32.const 32)))
                (local.set $out (call $word (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.extend_i32_u (local.get $bits))))
                  (local.get $out)))))))
        (local.set $blocks (i32.add (local.get $blocks) (i32.const 12)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $block)))
    (global.set $acc (local.get $acc))
    (global.set $bits (local.get $bits))
    (i32.sub (local.get $out) (local.get $start)))

  ;; huff_flush(out): the pending bits, padded with one-bits to a whole byte; returns bytes written.
  (func (export "huff_flush") (param $out i32) (result i32)
    (local $start i32) (local $pad i32) (local $b i32)
    (local.set $start (local.get $out))
    (local.set $pad (i32.and (i32.sub (i32.const 8) (i32.and (global.get $bits) (i32.const 7))) (i32.const 7)))
    (global.set $acc (i64.or (i64.shl (global.get $acc) (i64.extend_i32_u (local.get $pad)))
      (i64.extend_i32_u (i32.sub (i32.shl (i32.const 1) (local.get $pad)) (i32.const 1)))))
    (global.set $bits (i32.add (global.get $bits) (local.get $pad)))
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (global.get $bits)))
        (global.set $bits (i32.sub (global.get $bits) (i32.const 8)))
        (local.set $b (i32.and (i32.wrap_i64 (i64.shr_u (global.get $acc) (i64.extend_i32_u (global.get $bits))))
          (i32.const 255)))
        (i32.store8 (local.get $out) (local.get $b))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))
        (if (i32.eq (local.get $b) (i32.const 255))
          (then (i32.store8 (local.get $out) (i32.const 0))
            (local.set $out (i32.add (local.get $out) (i32.const 1)))))
        (br $bytes)))
    (global.set $acc (i64.const 0))
    (i32.sub (local.get $out) (local.get $start))))
