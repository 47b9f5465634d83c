;; Huffman decoding of a sequential scan's MCUs (T.81 F.2.2), scalar
;; WebAssembly: coefficient for coefficient and error for error
;; sequentialMcu in io/jpeg/entropy.ts, with a 64-bit bit buffer, its next
;; bit the top one (refilled to at least 57 bits when it holds fewer than
;; 32, so a whole code and its value bits decode without another check). At a marker or the end of the
;; data it appends zero bits, counting them, as entropy.ts does: a block that
;; used any is a truncated file. Imports the decoder's memory (idct.wat) and
;; writes the int16 coefficients straight into the staged MCU row the IDCT
;; reads.
;;
;; The entropy-coded bytes come through a window the glue (entropy_decode.ts)
;; refills: unless the window reaches the end of the data, an MCU is only
;; started when the window holds more bytes than it can consume (512 per
;; block: 64 codes of ≤ 16 bits with ≤ 15 value bits, every byte stuffed,
;; plus 32 for the bit buffer's look-ahead), so a refill never splits an MCU.
;;
;; Context at $ctx (i32 fields, byte offsets):
;;   0 pos, 4 end (window end), 8 final (1: the window ends where the data ends),
;;   12 bits, 16 acc (i64, the bits left-aligned), 24 zeros (zero bits appended at a marker or the end),
;;   28 MCUs until the next restart marker, 32 next RST number, 36 restart interval,
;;   40 blocks per MCU, 44 next MCU of the row, 48 four DC predictions;
;;   64 + 32·b, block b of an MCU: its coefficients' byte address in MCU 0,
;;   bytes per MCU, DC table, AC table, address of its DC prediction;
;;   384: 64 i32, the byte offset of zigzag position k within a block.
;; A table (5632 bytes): fast i32[1024] at 0 (see huffman.ts), lookup u16[512]
;; at 4096, maxcode i32[18] at 5120, offset i32[18] at 5248, symbols u8[256] at 5376.
;;
;; huff_mcus returns 0 when the row is done, 1 when the window needs
;; refilling, 2 for a restart marker the glue must look for (not in the
;; window, or not the expected one), 3 for a code no table holds, 4 for a
;; run past coefficient 63, 5 when a block used appended zero bits. (On 3-5
;; the glue has entropy.ts decode the scan again for its exact message.)
(module
  (import "env" "memory" (memory 1))
  (global $end (mut i32) (i32.const 0))
  (global $zeros (mut i32) (i32.const 0))

  ;; Tops the bit buffer up to at least 57 bits (as entropy.ts fill does to 25:
  ;; bytes, FF 00 as FF, zero bytes at a marker or the end).
  (func $fill (param $acc i64) (param $bits i32) (param $pos i32) (result i64 i32 i32)
    (local $byte i32)
    (block $done
      (loop $more
        (br_if $done (i32.gt_s (local.get $bits) (i32.const 56)))
        (local.set $byte (i32.const 0))
        (if (i32.lt_u (local.get $pos) (global.get $end))
          (then
            (local.set $byte (i32.load8_u (local.get $pos)))
            (if (i32.ne (local.get $byte) (i32.const 255))
              (then (local.set $pos (i32.add (local.get $pos) (i32.const 1))))
              (else
                (if (i32.and
                      (i32.lt_u (i32.add (local.get $pos) (i32.const 1)) (global.get $end))
                      (i32.eqz (i32.load8_u offset=1 (local.get $pos))))
                  (then (local.set $pos (i32.add (local.get $pos) (i32.const 2))))
                  (else
                    (local.set $byte (i32.const 0))
                    (global.set $zeros (i32.add (global.get $zeros) (i32.const 8))))))))
          (else (global.set $zeros (i32.add (global.get $zeros) (i32.const 8)))))
        (local.set $acc (i64.or (local.get $acc) (i64.shl (i64.extend_i32_u (local.get $byte))
          (i64.extend_i32_u (i32.sub (i32.const 56) (local.get $bits))))))
        (local.set $bits (i32.add (local.get $bits) (i32.const 8)))
        (br $more)))
    (local.get $acc) (local.get $bits) (local.get $pos))

  ;; The code of table $t starting the $bits (≥ 17) valid low bits of $acc:
  ;; (length << 8) | symbol, or -1 (entropy.ts codeAt).
  (func $codeAt (param $t i32) (param $acc i32) (param $bits i32) (result i32)
    (local $e i32) (local $l i32) (local $code i32)
    (local.set $e (i32.load16_u offset=4096 (i32.add (local.get $t)
      (i32.shl (i32.and (i32.shr_u (local.get $acc) (i32.sub (local.get $bits) (i32.const 9)))
        (i32.const 511)) (i32.const 1)))))
    (if (local.get $e) (then (return (local.get $e))))
    (local.set $l (i32.const 10))
    (local.set $code (i32.and (i32.shr_u (local.get $acc) (i32.sub (local.get $bits) (i32.const 10)))
      (i32.const 1023)))
    (block $found
      (loop $longer
        (br_if $found (i32.le_s (local.get $code)
          (i32.load offset=5120 (i32.add (local.get $t) (i32.shl (local.get $l) (i32.const 2))))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (local.set $code (i32.and (i32.shr_u (local.get $acc) (i32.sub (local.get $bits) (local.get $l)))
          (i32.sub (i32.shl (i32.const 1) (local.get $l)) (i32.const 1))))
        (br $longer)))
    (if (i32.gt_u (local.get $l) (i32.const 16)) (then (return (i32.const -1))))
    (i32.or (i32.shl (local.get $l) (i32.const 8))
      (i32.load8_u offset=5376 (i32.add (local.get $t)
        (i32.and (i32.add (local.get $code)
          (i32.load offset=5248 (i32.add (local.get $t) (i32.shl (local.get $l) (i32.const 2)))))
          (i32.const 255))))))

  ;; huff_mcus(ctx, count): decodes MCUs from the context's next MCU up to
  ;; `count` (the MCUs of the row); returns the status (see above).
  (func (export "huff_mcus") (param $ctx i32) (param $count i32) (result i32)
    (local $pos i32) (local $acc i64) (local $bits i32) (local $m i32) (local $nb i32)
    (local $until i32) (local $rst i32) (local $interval i32) (local $final i32)
    (local $status i32) (local $b i32) (local $blk i32) (local $at i32) (local $ac i32)
    (local $pred i32) (local $e i32) (local $s i32) (local $r i32) (local $v i32)
    (local $k i32) (local $f i32) (local $p i32) (local $next i32)
    (local.set $pos (i32.load (local.get $ctx)))
    (global.set $end (i32.load offset=4 (local.get $ctx)))
    (local.set $final (i32.load offset=8 (local.get $ctx)))
    (local.set $bits (i32.load offset=12 (local.get $ctx)))
    (local.set $acc (i64.load offset=16 (local.get $ctx)))
    (global.set $zeros (i32.load offset=24 (local.get $ctx)))
    (local.set $until (i32.load offset=28 (local.get $ctx)))
    (local.set $rst (i32.load offset=32 (local.get $ctx)))
    (local.set $interval (i32.load offset=36 (local.get $ctx)))
    (local.set $nb (i32.load offset=40 (local.get $ctx)))
    (local.set $m (i32.load offset=44 (local.get $ctx)))
    (block $exit
      (loop $mcu
        (br_if $exit (i32.ge_s (local.get $m) (local.get $count)))
        (if (local.get $interval)
          (then
            (if (i32.eqz (local.get $until))
              (then
                (if (i32.gt_s (global.get $zeros) (local.get $bits))
                  (then (local.set $status (i32.const 5)) (br $exit)))
                ;; The next marker (FF not followed by 00 or FF) from pos, in the window.
                (local.set $p (local.get $pos))
                (block $found
                  (loop $seek
                    (if (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (global.get $end))
                      (then (local.set $status (i32.const 2)) (br $exit)))
                    (local.set $next (i32.load8_u offset=1 (local.get $p)))
                    (br_if $found (i32.and (i32.eq (i32.load8_u (local.get $p)) (i32.const 255))
                      (i32.and (i32.ne (local.get $next) (i32.const 0))
                        (i32.ne (local.get $next) (i32.const 255)))))
                    (local.set $p (i32.add (local.get $p) (i32.const 1)))
                    (br $seek)))
                (if (i32.ne (local.get $next) (i32.add (i32.const 0xd0) (local.get $rst)))
                  (then (local.set $status (i32.const 2)) (br $exit)))
                (local.set $pos (i32.add (local.get $p) (i32.const 2)))
                (local.set $rst (i32.and (i32.add (local.get $rst) (i32.const 1)) (i32.const 7)))
                (local.set $acc (i64.const 0))
                (local.set $bits (i32.const 0))
                (global.set $zeros (i32.const 0))
                (i64.store offset=48 (local.get $ctx) (i64.const 0))
                (i64.store offset=56 (local.get $ctx) (i64.const 0))
                (local.set $until (local.get $interval))))))
        ;; Room for the whole MCU in the window, unless the window ends with the data.
        (if (i32.and (i32.eqz (local.get $final))
              (i32.gt_u (i32.add (i32.add (local.get $pos) (i32.shl (local.get $nb) (i32.const 9)))
                (i32.const 32)) (global.get $end)))
          (then (local.set $status (i32.const 1)) (br $exit)))
        (if (local.get $interval)
          (then (local.set $until (i32.sub (local.get $until) (i32.const 1)))))
        (local.set $b (i32.const 0))
        (loop $block
          (local.set $blk (i32.add (i32.add (local.get $ctx) (i32.const 64)) (i32.shl (local.get $b) (i32.const 5))))
          (local.set $at (i32.add (i32.load (local.get $blk))
            (i32.mul (local.get $m) (i32.load offset=4 (local.get $blk)))))
          (local.set $ac (i32.load offset=12 (local.get $blk)))
          (local.set $pred (i32.load offset=16 (local.get $blk)))
          ;; DC: the symbol is the size of the difference (F.2.2.1).
          (if (i32.lt_s (local.get $bits) (i32.const 32))
            (then (call $fill (local.get $acc) (local.get $bits) (local.get $pos))
              (local.set $pos) (local.set $bits) (local.set $acc)))
          (local.set $e (call $codeAt (i32.load offset=8 (local.get $blk))
            (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.const 32)))
            (i32.const 32)))
          (if (i32.lt_s (local.get $e) (i32.const 0))
            (then (local.set $status (i32.const 3)) (br $exit)))
          (local.set $acc (i64.shl (local.get $acc) (i64.extend_i32_u (i32.shr_u (local.get $e) (i32.const 8)))))
          (local.set $bits (i32.sub (local.get $bits) (i32.shr_u (local.get $e) (i32.const 8))))
          (local.set $s (i32.and (local.get $e) (i32.const 255)))
          (local.set $v (i32.const 0))
          (if (local.get $s)
            (then
              (local.set $v (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.extend_i32_u (i32.sub (i32.const 64) (local.get $s))))))
              (local.set $acc (i64.shl (local.get $acc) (i64.extend_i32_u (local.get $s))))
              (local.set $bits (i32.sub (local.get $bits) (local.get $s)))
              (if (i32.lt_s (local.get $v) (i32.shl (i32.const 1) (i32.sub (local.get $s) (i32.const 1))))
                (then (local.set $v (i32.add (local.get $v)
                  (i32.sub (i32.const 1) (i32.shl (i32.const 1) (local.get $s)))))))))
          (local.set $v (i32.add (i32.load (local.get $pred)) (local.get $v)))
          (i32.store (local.get $pred) (local.get $v))
          (i32.store16 (local.get $at) (local.get $v))
          ;; AC: run/size symbols (F.2.2.2).
          (local.set $k (i32.const 1))
          (block $acdone
            (loop $coef
              (br_if $acdone (i32.gt_s (local.get $k) (i32.const 63)))
              (if (i32.lt_s (local.get $bits) (i32.const 32))
                (then (call $fill (local.get $acc) (local.get $bits) (local.get $pos))
                  (local.set $pos) (local.set $bits) (local.set $acc)))
              ;; A short code with its value bits: one look-up.
              (local.set $f (i32.load (i32.add (local.get $ac)
                (i32.shl (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.const 54))) (i32.const 2)))))
              (if (local.get $f)
                (then
                  (local.set $acc (i64.shl (local.get $acc) (i64.extend_i32_u (i32.and (local.get $f) (i32.const 255)))))
                  (local.set $bits (i32.sub (local.get $bits) (i32.and (local.get $f) (i32.const 255))))
                  (local.set $k (i32.add (local.get $k)
                    (i32.and (i32.shr_u (local.get $f) (i32.const 8)) (i32.const 255))))
                  (if (i32.gt_s (local.get $k) (i32.const 63))
                    (then (local.set $status (i32.const 4)) (br $exit)))
                  (i32.store16 (i32.add (local.get $at)
                    (i32.load offset=384 (i32.add (local.get $ctx) (i32.shl (local.get $k) (i32.const 2)))))
                    (i32.shr_s (local.get $f) (i32.const 16)))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $coef)))
              (local.set $e (call $codeAt (local.get $ac)
                (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.const 32)))
                (i32.const 32)))
              (if (i32.lt_s (local.get $e) (i32.const 0))
                (then (local.set $status (i32.const 3)) (br $exit)))
              (local.set $acc (i64.shl (local.get $acc) (i64.extend_i32_u (i32.shr_u (local.get $e) (i32.const 8)))))
              (local.set $bits (i32.sub (local.get $bits) (i32.shr_u (local.get $e) (i32.const 8))))
              (local.set $s (i32.and (local.get $e) (i32.const 15)))
              (local.set $r (i32.and (i32.shr_u (local.get $e) (i32.const 4)) (i32.const 15)))
              (if (i32.eqz (local.get $s))
                (then
                  (br_if $acdone (i32.ne (local.get $r) (i32.const 15))) ;; EOB
                  (local.set $k (i32.add (local.get $k) (i32.const 16))) ;; ZRL
                  (if (i32.gt_s (local.get $k) (i32.const 64))
                    (then (local.set $status (i32.const 4)) (br $exit)))
                  (br $coef)))
              (local.set $k (i32.add (local.get $k) (local.get $r)))
              (if (i32.gt_s (local.get $k) (i32.const 63))
                (then (local.set $status (i32.const 4)) (br $exit)))
              (local.set $v (i32.wrap_i64 (i64.shr_u (local.get $acc) (i64.extend_i32_u (i32.sub (i32.const 64) (local.get $s))))))
              (local.set $acc (i64.shl (local.get $acc) (i64.extend_i32_u (local.get $s))))
              (local.set $bits (i32.sub (local.get $bits) (local.get $s)))
              (if (i32.lt_s (local.get $v) (i32.shl (i32.const 1) (i32.sub (local.get $s) (i32.const 1))))
                (then (local.set $v (i32.add (local.get $v)
                  (i32.sub (i32.const 1) (i32.shl (i32.const 1) (local.get $s)))))))
              (i32.store16 (i32.add (local.get $at)
                (i32.load offset=384 (i32.add (local.get $ctx) (i32.shl (local.get $k) (i32.const 2)))))
                (local.get $v))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $coef)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br_if $block (i32.lt_s (local.get $b) (local.get $nb))))
        (if (i32.gt_s (global.get $zeros) (local.get $bits))
          (then (local.set $status (i32.const 5)) (br $exit)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mcu)))
    (i32.store (local.get $ctx) (local.get $pos))
    (i32.store offset=12 (local.get $ctx) (local.get $bits))
    (i64.store offset=16 (local.get $ctx) (local.get $acc))
    (i32.store offset=24 (local.get $ctx) (global.get $zeros))
    (i32.store offset=28 (local.get $ctx) (local.get $until))
    (i32.store offset=32 (local.get $ctx) (local.get $rst))
    (i32.store offset=44 (local.get $ctx) (local.get $m))
    (local.get $status)))
