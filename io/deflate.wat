;; The deflate compressor's inner loops (scalar WebAssembly, no SIMD, so it
;; runs on every engine): Adler-32, the run-length match finder, the Huffman
;; bit writer and stored blocks. The block decisions (code lengths, block
;; type, headers) are TypeScript, in deflate.ts, which owns the layout:
;;
;;   TABLE   0 ..  4096   512 x i64: the code of each symbol, bits reversed
;;                        in the low 56 bits, bit count in the top 8.
;;                        Symbol s < 256 is literal s; 256 + k is a match of
;;                        length k + 3 at distance 1 (length code, extra bits
;;                        and distance code in one entry).
;;   FREQ 4096 ..  6144   512 x u32: how often each symbol occurs in the block.
;;   SYM  8192 ..         u16 symbols of the block.
;;   OUT / IN             given by the caller.
;;
;; The bit writer keeps fewer than 8 pending bits: after each symbol it stores
;; 8 bytes and advances by the whole bytes written, so the output area needs
;; 8 bytes of slack.
(module
  (memory (export "memory") 1)
  (global $bits (mut i64) (i64.const 0))
  (global $nbits (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 0))
  (global $nsym (mut i32) (i32.const 0))

  ;; Adler-32 of n bytes at p, continuing from adler.
  (func (export "adler32") (param $adler i32) (param $p i32) (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $end i32) (local $end16 i32)
    (local.set $a (i32.and (local.get $adler) (i32.const 0xffff)))
    (local.set $b (i32.shr_u (local.get $adler) (i32.const 16)))
    (block $done
      (loop $chunks
        (br_if $done (i32.eqz (local.get $n)))
        ;; 5552 bytes keep b below 2^32 before the reduction (zlib's NMAX).
        (local.set $end (i32.add (local.get $p)
          (select (local.get $n) (i32.const 5552) (i32.lt_u (local.get $n) (i32.const 5552)))))
        (local.set $n (i32.sub (local.get $n) (i32.sub (local.get $end) (local.get $p))))
        (local.set $end16 (i32.sub (local.get $end) (i32.const 15)))
        (block $tail16
          (loop $by16
            (br_if $tail16 (i32.ge_s (local.get $p) (local.get $end16)))
            ;; b gains 16a plus the bytes weighted 16, 15, ..., 1.
            (local.set $b (i32.add (local.get $b) (i32.shl (local.get $a) (i32.const 4))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=0 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=0 (local.get $p)) (i32.const 16))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=1 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=1 (local.get $p)) (i32.const 15))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=2 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=2 (local.get $p)) (i32.const 14))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=3 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=3 (local.get $p)) (i32.const 13))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=4 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=4 (local.get $p)) (i32.const 12))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=5 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=5 (local.get $p)) (i32.const 11))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=6 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=6 (local.get $p)) (i32.const 10))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=7 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=7 (local.get $p)) (i32.const 9))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=8 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=8 (local.get $p)) (i32.const 8))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=9 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=9 (local.get $p)) (i32.const 7))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=10 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=10 (local.get $p)) (i32.const 6))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=11 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=11 (local.get $p)) (i32.const 5))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=12 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=12 (local.get $p)) (i32.const 4))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=13 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=13 (local.get $p)) (i32.const 3))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=14 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.mul (i32.load8_u offset=14 (local.get $p)) (i32.const 2))))
            (local.set $a (i32.add (local.get $a) (i32.load8_u offset=15 (local.get $p))))
            (local.set $b (i32.add (local.get $b) (i32.load8_u offset=15 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $by16)))
        (block $tail
          (loop $by1
            (br_if $tail (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $a (i32.add (local.get $a) (i32.load8_u (local.get $p))))
            (local.set $b (i32.add (local.get $b) (local.get $a)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $by1)))
        (local.set $a (i32.rem_u (local.get $a) (i32.const 65521)))
        (local.set $b (i32.rem_u (local.get $b) (i32.const 65521)))
        (br $chunks)))
    (i32.or (i32.shl (local.get $b) (i32.const 16)) (local.get $a)))

  ;; Starts a block: no symbols, all counts zero.
  (func (export "block_reset")
    (global.set $nsym (i32.const 0))
    (memory.fill (i32.const 4096) (i32.const 0) (i32.const 2048)))

  (func (export "nsym") (result i32) (global.get $nsym))

  ;; Finds the block's symbols from p up to end (exclusive), stopping early
  ;; when the block holds maxsym symbols; returns where it stopped. A byte
  ;; equal to the one before starts a run (zlib's Z_RLE): the run of that
  ;; byte, up to 258 and not past avail, is a match at distance 1 when it is
  ;; at least 3 long. The byte at `first` (the stream's first) has no byte
  ;; before it.
  (func (export "scan") (param $p i32) (param $end i32) (param $avail i32) (param $first i32)
    (param $maxsym i32) (result i32)
    (local $s i32) (local $send i32) (local $c i32) (local $len i32) (local $max i32)
    (local $pat i64) (local $x i64) (local $f i32)
    (local.set $s (i32.add (i32.const 8192) (i32.shl (global.get $nsym) (i32.const 1))))
    (local.set $send (i32.add (i32.const 8192) (i32.shl (local.get $maxsym) (i32.const 1))))
    (block $stop
      (loop $next
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (br_if $stop (i32.ge_u (local.get $s) (local.get $send)))
        (local.set $c (i32.load8_u (local.get $p)))
        (block $literal
          (br_if $literal (i32.ne (local.get $c) (i32.load8_u offset=0 (i32.sub (local.get $p) (i32.const 1)))))
          (br_if $literal (i32.eq (local.get $p) (local.get $first)))
          (local.set $max (i32.sub (local.get $avail) (local.get $p)))
          (if (i32.gt_u (local.get $max) (i32.const 258)) (then (local.set $max (i32.const 258))))
          (br_if $literal (i32.lt_u (local.get $max) (i32.const 3)))
          ;; Quick refusal: a match needs the next two bytes equal too.
          (br_if $literal (i32.ne (i32.load16_u (local.get $p)) (i32.mul (local.get $c) (i32.const 0x0101))))
          (br_if $literal (i32.ne (i32.load8_u offset=2 (local.get $p)) (local.get $c)))
          (local.set $pat (i64.mul (i64.extend_i32_u (local.get $c)) (i64.const 0x0101010101010101)))
          (local.set $len (i32.const 1))
          (block $counted
            (block $short
              (loop $wide
                (br_if $short (i32.gt_u (i32.add (local.get $len) (i32.const 8)) (local.get $max)))
                (local.set $x (i64.xor (i64.load (i32.add (local.get $p) (local.get $len))) (local.get $pat)))
                (if (i64.ne (local.get $x) (i64.const 0))
                  (then
                    (local.set $len (i32.add (local.get $len)
                      (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $x)) (i64.const 3)))))
                    (br $counted)))
                (local.set $len (i32.add (local.get $len) (i32.const 8)))
                (br $wide)))
            (loop $narrow
              (br_if $counted (i32.ge_u (local.get $len) (local.get $max)))
              (br_if $counted (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $len))) (local.get $c)))
              (local.set $len (i32.add (local.get $len) (i32.const 1)))
              (br $narrow)))
          (br_if $literal (i32.lt_u (local.get $len) (i32.const 3)))
          (local.set $c (i32.add (local.get $len) (i32.const 253))) ;; symbol 256 + len - 3
          (local.set $p (i32.add (local.get $p) (local.get $len)))
          (i32.store16 (local.get $s) (local.get $c))
          (local.set $s (i32.add (local.get $s) (i32.const 2)))
          (local.set $f (i32.add (i32.const 4096) (i32.shl (local.get $c) (i32.const 2))))
          (i32.store (local.get $f) (i32.add (i32.load (local.get $f)) (i32.const 1)))
          (br $next))
        (i32.store16 (local.get $s) (local.get $c))
        (local.set $s (i32.add (local.get $s) (i32.const 2)))
        (local.set $f (i32.add (i32.const 4096) (i32.shl (local.get $c) (i32.const 2))))
        (i32.store (local.get $f) (i32.add (i32.load (local.get $f)) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (global.set $nsym (i32.shr_u (i32.sub (local.get $s) (i32.const 8192)) (i32.const 1)))
    (local.get $p))

  ;; Writes the block's symbols with the codes in TABLE.
  (func (export "encode")
    (local $s i32) (local $end i32) (local $e i64) (local $bits i64) (local $n i32) (local $o i32)
    (local.set $bits (global.get $bits))
    (local.set $n (global.get $nbits))
    (local.set $o (global.get $out))
    (local.set $s (i32.const 8192))
    (local.set $end (i32.add (i32.const 8192) (i32.shl (global.get $nsym) (i32.const 1))))
    (block $done
      (loop $sym
        (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
        (local.set $e (i64.load (i32.shl (i32.load16_u (local.get $s)) (i32.const 3))))
        (local.set $bits (i64.or (local.get $bits)
          (i64.shl (i64.and (local.get $e) (i64.const 0x00ffffffffffffff)) (i64.extend_i32_u (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.wrap_i64 (i64.shr_u (local.get $e) (i64.const 56)))))
        (i64.store (local.get $o) (local.get $bits))
        (local.set $o (i32.add (local.get $o) (i32.shr_u (local.get $n) (i32.const 3))))
        (local.set $bits (i64.shr_u (local.get $bits) (i64.extend_i32_u (i32.and (local.get $n) (i32.const 56)))))
        (local.set $n (i32.and (local.get $n) (i32.const 7)))
        (local.set $s (i32.add (local.get $s) (i32.const 2)))
        (br $sym)))
    (global.set $bits (local.get $bits))
    (global.set $nbits (local.get $n))
    (global.set $out (local.get $o)))

  ;; Writes the low n bits of v (n <= 32), first bit first.
  (func $put (export "put_bits") (param $v i32) (param $n i32)
    (local $bits i64) (local $k i32)
    (local.set $bits (i64.or (global.get $bits)
      (i64.shl (i64.and (i64.extend_i32_u (local.get $v))
        (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $n))) (i64.const 1)))
        (i64.extend_i32_u (global.get $nbits)))))
    (local.set $k (i32.add (global.get $nbits) (local.get $n)))
    (i64.store (global.get $out) (local.get $bits))
    (global.set $out (i32.add (global.get $out) (i32.shr_u (local.get $k) (i32.const 3))))
    (global.set $bits (i64.shr_u (local.get $bits) (i64.extend_i32_u (i32.and (local.get $k) (i32.const 56)))))
    (global.set $nbits (i32.and (local.get $k) (i32.const 7))))

  ;; Pads to a byte boundary with zero bits.
  (func $align (export "align")
    (if (global.get $nbits)
      (then
        (i64.store (global.get $out) (global.get $bits))
        (global.set $out (i32.add (global.get $out) (i32.const 1)))))
    (global.set $bits (i64.const 0))
    (global.set $nbits (i32.const 0)))

  ;; A stored block's body after its 3 header bits: byte boundary, LEN,
  ;; NLEN, then the len (<= 65535) bytes at src.
  (func (export "put_stored") (param $src i32) (param $len i32)
    (call $align)
    (i32.store16 (global.get $out) (local.get $len))
    (i32.store16 offset=2 (global.get $out) (i32.xor (local.get $len) (i32.const 0xffff)))
    (memory.copy (i32.add (global.get $out) (i32.const 4)) (local.get $src) (local.get $len))
    (global.set $out (i32.add (global.get $out) (i32.add (local.get $len) (i32.const 4)))))

  ;; Where the next whole byte goes; set_out moves it (after the caller took
  ;; the bytes before it; pending bits stay pending).
  (func (export "out") (result i32) (global.get $out))
  (func (export "set_out") (param $p i32) (global.set $out (local.get $p)))

  ;; A new stream: no pending bits.
  (func (export "reset") (param $out i32)
    (global.set $bits (i64.const 0))
    (global.set $nbits (i32.const 0))
    (global.set $out (local.get $out))
    (global.set $nsym (i32.const 0))))
