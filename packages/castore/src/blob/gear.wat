(module
  ;; FastCDC gear scan for tvix-ts castore (packages/castore/src/blob/fastcdc.ts).
  ;; Memory: [0, 2048) gear table, [2048, 4096) gear table shifted left by one; data from 4096.
  (memory (export "memory") 17)
  (global $h (export "h") (mut i64) (i64.const 0))
  ;; Rolls two bytes per step from $pos while $pos < $limit. Returns the offset of the byte at
  ;; which (hash & mask) == 0 (first byte of a step: shifted table and mask; second: plain), or
  ;; -1 when the limit is reached. The hash at that point is left in global $h.
  (func (export "scan") (param $pos i32) (param $limit i32) (param $hash i64)
                        (param $mls i64) (param $m i64) (result i32)
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $pos) (local.get $limit)))
        (local.set $hash
          (i64.add
            (i64.shl (local.get $hash) (i64.const 2))
            (i64.load offset=2048 (i32.shl (i32.load8_u (local.get $pos)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $hash) (local.get $mls)))
          (then
            (global.set $h (local.get $hash))
            (return (local.get $pos))))
        (local.set $hash
          (i64.add
            (local.get $hash)
            (i64.load (i32.shl (i32.load8_u offset=1 (local.get $pos)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $hash) (local.get $m)))
          (then
            (global.set $h (local.get $hash))
            (return (i32.add (local.get $pos) (i32.const 1)))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 2)))
        (br $step)))
    (global.set $h (local.get $hash))
    (i32.const -1)))
