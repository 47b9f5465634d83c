;; OpenCV-style u8 NL-means (filters/nl_means/opencv.ts, the integer path), one
;; anchor row over every half-plane search offset, 128-bit SIMD, for 1 or 2
;; channels sharing one weight per pixel.
;;
;; Per offset d = (dy, dx): the column sums of the squared differences slide
;; down one row (i32x4: + the new row's d², − the old row's), the patch sums
;; slide along the row (scalar) into weights table[min(SSD >>> shift, cut)],
;; and each weight goes to the anchor p (if its row is inside) and to the
;; partner p + d (if inside): wsum += wt, A_c += wt · E_c (i32x4). All of it
;; is int32 arithmetic wrapping like the Int32Array stores of the TypeScript
;; path, so the sums are exactly its sums whatever the order.
;;
;; Memory (byte addresses, set up by filters/nl_means/nl_means_simd.ts):
;;   E0, E1 = E0 + dE: the padded planes, i32, ew columns (+16 spare bytes);
;;   cols: per offset o a row of cws (cw rounded up to 4) i32 column sums;
;;   wrow: aw i32 weights (+16); table: the weight table, i32;
;;   half: (dy, dx) i32 pairs; A0, A1 = A0 + dA, wsum: w·h i32 sums.

(module
  (memory (export "memory") 1)

  ;; acc(wt, ws, a, e, n, cn, dA, dE): for i < n, ws[i] += wt[i],
  ;; a[i] += wt[i]·e[i] (and a[i + dA] += wt[i]·e[i + dE] for cn = 2).
  (func $acc
    (param $wt i32) (param $ws i32) (param $a i32) (param $e i32) (param $n i32)
    (param $cn i32) (param $dA i32) (param $dE i32)
    (local $end i32) (local $vend i32) (local $w v128) (local $s i32)
    (local.set $end (i32.add (local.get $wt) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vend (i32.add (local.get $wt)
      (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (if (i32.eq (local.get $cn) (i32.const 1))
      (then
        (block $vd
          (loop $v
            (br_if $vd (i32.ge_u (local.get $wt) (local.get $vend)))
            (local.set $w (v128.load (local.get $wt)))
            (v128.store (local.get $ws) (i32x4.add (v128.load (local.get $ws)) (local.get $w)))
            (v128.store (local.get $a) (i32x4.add (v128.load (local.get $a))
              (i32x4.mul (local.get $w) (v128.load (local.get $e)))))
            (local.set $wt (i32.add (local.get $wt) (i32.const 16)))
            (local.set $ws (i32.add (local.get $ws) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $e (i32.add (local.get $e) (i32.const 16)))
            (br $v))))
      (else
        (block $vd2
          (loop $v2
            (br_if $vd2 (i32.ge_u (local.get $wt) (local.get $vend)))
            (local.set $w (v128.load (local.get $wt)))
            (v128.store (local.get $ws) (i32x4.add (v128.load (local.get $ws)) (local.get $w)))
            (v128.store (local.get $a) (i32x4.add (v128.load (local.get $a))
              (i32x4.mul (local.get $w) (v128.load (local.get $e)))))
            (v128.store (i32.add (local.get $a) (local.get $dA))
              (i32x4.add (v128.load (i32.add (local.get $a) (local.get $dA)))
                (i32x4.mul (local.get $w) (v128.load (i32.add (local.get $e) (local.get $dE))))))
            (local.set $wt (i32.add (local.get $wt) (i32.const 16)))
            (local.set $ws (i32.add (local.get $ws) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $e (i32.add (local.get $e) (i32.const 16)))
            (br $v2)))))
    (block $sd
      (loop $s
        (br_if $sd (i32.ge_u (local.get $wt) (local.get $end)))
        (local.set $s (i32.load (local.get $wt)))
        (i32.store (local.get $ws) (i32.add (i32.load (local.get $ws)) (local.get $s)))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a))
          (i32.mul (local.get $s) (i32.load (local.get $e)))))
        (if (i32.eq (local.get $cn) (i32.const 2))
          (then
            (i32.store (i32.add (local.get $a) (local.get $dA))
              (i32.add (i32.load (i32.add (local.get $a) (local.get $dA)))
                (i32.mul (local.get $s) (i32.load (i32.add (local.get $e) (local.get $dE))))))))
        (local.set $wt (i32.add (local.get $wt) (i32.const 4)))
        (local.set $ws (i32.add (local.get $ws) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $e (i32.add (local.get $e) (i32.const 4)))
        (br $s))))

  ;; row(ar, first, cn, w, h, ew, B, sh, th, t, aw, cw, cws, shift, cut,
  ;;     E0, dE, cols, wrow, table, half, no, A0, dA, wsum)
  ;;   Anchor row ar. first = 1: the column sums are already those of the
  ;;   row (set up by the glue), no sliding.
  (func (export "row")
    (param $ar i32) (param $first i32) (param $cn i32) (param $w i32) (param $h i32)
    (param $ew i32) (param $B i32) (param $sh i32) (param $th i32) (param $t i32)
    (param $aw i32) (param $cw i32) (param $cws i32) (param $shift i32) (param $cut i32)
    (param $E0 i32) (param $dE i32) (param $cols i32) (param $wrow i32) (param $table i32)
    (param $half i32) (param $no i32) (param $A0 i32) (param $dA i32) (param $wsum i32)
    (local $o i32) (local $dy i32) (local $dx i32) (local $doff i32) (local $cb i32)
    (local $qr i32) (local $qIn i32) (local $rowIn i32)
    (local $pa i32) (local $pr i32) (local $c i32) (local $cend i32)
    (local $run i32) (local $x i32) (local $k i32) (local $wp i32) (local $cp i32)
    (local $pe i32) (local $lo i32) (local $hi i32)
    (local $va v128) (local $vb v128) (local $vv v128)
    (local.set $rowIn (i32.ge_s (local.get $ar) (i32.const 0)))
    (local.set $o (i32.const 0))
    (block $od
      (loop $ol
        (br_if $od (i32.ge_s (local.get $o) (local.get $no)))
        (local.set $dy (i32.load (i32.add (local.get $half) (i32.shl (local.get $o) (i32.const 3)))))
        (local.set $dx (i32.load (i32.add (local.get $half)
          (i32.add (i32.shl (local.get $o) (i32.const 3)) (i32.const 4)))))
        (local.set $doff (i32.shl (i32.add (i32.mul (local.get $dy) (local.get $ew)) (local.get $dx))
          (i32.const 2)))
        (local.set $cb (i32.add (local.get $cols)
          (i32.shl (i32.mul (local.get $o) (local.get $cws)) (i32.const 2))))
        (local.set $qr (i32.add (local.get $ar) (local.get $dy)))
        (local.set $qIn (i32.and (i32.ge_s (local.get $qr) (i32.const 0))
          (i32.lt_s (local.get $qr) (local.get $h))))
        ;; slide the column sums down one row
        (if (i32.eqz (local.get $first))
          (then
            (local.set $pa (i32.add (local.get $E0) (i32.shl (i32.mul
              (i32.add (i32.add (local.get $ar) (local.get $th)) (local.get $B)) (local.get $ew))
              (i32.const 2))))
            (local.set $pr (i32.add (local.get $E0) (i32.shl (i32.mul
              (i32.sub (i32.add (local.get $ar) (local.get $B))
                (i32.add (local.get $th) (i32.const 1))) (local.get $ew))
              (i32.const 2))))
            (local.set $cp (local.get $cb))
            (local.set $cend (i32.add (local.get $cb) (i32.shl (local.get $cws) (i32.const 2))))
            (if (i32.eq (local.get $cn) (i32.const 1))
              (then
                (block $cd
                  (loop $cl
                    (br_if $cd (i32.ge_u (local.get $cp) (local.get $cend)))
                    (local.set $va (i32x4.sub (v128.load (local.get $pa))
                      (v128.load (i32.add (local.get $pa) (local.get $doff)))))
                    (local.set $vb (i32x4.sub (v128.load (local.get $pr))
                      (v128.load (i32.add (local.get $pr) (local.get $doff)))))
                    (v128.store (local.get $cp)
                      (i32x4.sub (i32x4.add (v128.load (local.get $cp))
                        (i32x4.mul (local.get $va) (local.get $va)))
                        (i32x4.mul (local.get $vb) (local.get $vb))))
                    (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
                    (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
                    (local.set $pr (i32.add (local.get $pr) (i32.const 16)))
                    (br $cl))))
              (else
                (block $cd2
                  (loop $cl2
                    (br_if $cd2 (i32.ge_u (local.get $cp) (local.get $cend)))
                    (local.set $va (i32x4.sub (v128.load (local.get $pa))
                      (v128.load (i32.add (local.get $pa) (local.get $doff)))))
                    (local.set $vb (i32x4.sub (v128.load (local.get $pr))
                      (v128.load (i32.add (local.get $pr) (local.get $doff)))))
                    (local.set $vv (i32x4.sub (i32x4.add (v128.load (local.get $cp))
                      (i32x4.mul (local.get $va) (local.get $va)))
                      (i32x4.mul (local.get $vb) (local.get $vb))))
                    (local.set $va (i32x4.sub (v128.load (i32.add (local.get $pa) (local.get $dE)))
                      (v128.load (i32.add (i32.add (local.get $pa) (local.get $dE))
                        (local.get $doff)))))
                    (local.set $vb (i32x4.sub (v128.load (i32.add (local.get $pr) (local.get $dE)))
                      (v128.load (i32.add (i32.add (local.get $pr) (local.get $dE))
                        (local.get $doff)))))
                    (v128.store (local.get $cp)
                      (i32x4.sub (i32x4.add (local.get $vv)
                        (i32x4.mul (local.get $va) (local.get $va)))
                        (i32x4.mul (local.get $vb) (local.get $vb))))
                    (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
                    (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
                    (local.set $pr (i32.add (local.get $pr) (i32.const 16)))
                    (br $cl2)))))))
        (if (i32.or (local.get $rowIn) (local.get $qIn))
          (then
            ;; patch sums along the row → weights
            (local.set $run (i32.const 0))
            (local.set $k (i32.const 0))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_s (local.get $k) (i32.sub (local.get $t) (i32.const 1))))
                (local.set $run (i32.add (local.get $run)
                  (i32.load (i32.add (local.get $cb) (i32.shl (local.get $k) (i32.const 2))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $pl)))
            (local.set $cp (local.get $cb))
            (local.set $pa (i32.add (local.get $cb)
              (i32.shl (i32.sub (local.get $t) (i32.const 1)) (i32.const 2))))
            (local.set $wp (local.get $wrow))
            (local.set $cend (i32.add (local.get $wrow) (i32.shl (local.get $aw) (i32.const 2))))
            (block $wd
              (loop $wl
                (br_if $wd (i32.ge_u (local.get $wp) (local.get $cend)))
                (local.set $run (i32.add (local.get $run) (i32.load (local.get $pa))))
                (local.set $k (i32.shr_u (local.get $run) (local.get $shift)))
                (local.set $k (select (local.get $k) (local.get $cut)
                  (i32.lt_u (local.get $k) (local.get $cut))))
                (i32.store (local.get $wp)
                  (i32.load (i32.add (local.get $table) (i32.shl (local.get $k) (i32.const 2)))))
                (local.set $run (i32.sub (local.get $run) (i32.load (local.get $cp))))
                (local.set $cp (i32.add (local.get $cp) (i32.const 4)))
                (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (br $wl)))
            ;; pe: E element of anchor column 0
            (local.set $pe (i32.sub (i32.add (i32.mul (i32.add (local.get $ar) (local.get $B))
              (local.get $ew)) (local.get $B)) (local.get $sh)))
            (if (local.get $rowIn)
              (then
                (call $acc
                  (i32.add (local.get $wrow) (i32.shl (local.get $sh) (i32.const 2)))
                  (i32.add (local.get $wsum) (i32.shl (i32.mul (local.get $ar) (local.get $w))
                    (i32.const 2)))
                  (i32.add (local.get $A0) (i32.shl (i32.mul (local.get $ar) (local.get $w))
                    (i32.const 2)))
                  (i32.add (i32.add (local.get $E0) (local.get $doff))
                    (i32.shl (i32.add (local.get $pe) (local.get $sh)) (i32.const 2)))
                  (local.get $w) (local.get $cn) (local.get $dA) (local.get $dE))))
            (if (local.get $qIn)
              (then
                (local.set $lo (i32.sub (local.get $sh) (local.get $dx)))
                (local.set $lo (select (local.get $lo) (i32.const 0)
                  (i32.gt_s (local.get $lo) (i32.const 0))))
                (local.set $hi (i32.add (i32.sub (local.get $sh) (local.get $dx)) (local.get $w)))
                (local.set $hi (select (local.get $hi) (local.get $aw)
                  (i32.lt_s (local.get $hi) (local.get $aw))))
                (if (i32.lt_s (local.get $lo) (local.get $hi))
                  (then
                    ;; partner index qr·w − sh + dx + x
                    (local.set $x (i32.add (i32.sub (i32.mul (local.get $qr) (local.get $w))
                      (local.get $sh)) (i32.add (local.get $dx) (local.get $lo))))
                    (call $acc
                      (i32.add (local.get $wrow) (i32.shl (local.get $lo) (i32.const 2)))
                      (i32.add (local.get $wsum) (i32.shl (local.get $x) (i32.const 2)))
                      (i32.add (local.get $A0) (i32.shl (local.get $x) (i32.const 2)))
                      (i32.add (local.get $E0)
                        (i32.shl (i32.add (local.get $pe) (local.get $lo)) (i32.const 2)))
                      (i32.sub (local.get $hi) (local.get $lo))
                      (local.get $cn) (local.get $dA) (local.get $dE))))))))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $ol))))
)
