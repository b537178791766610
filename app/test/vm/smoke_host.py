#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""Host side of the real-VM smoke test, in place of vm_power_mgr.

smoke_host.py CHANDIR NAME CHANNELS T0_MS UNIT

Connects to the channel sockets CHANDIR/NAME.<lcore> that libvirt binds
(retrying until they exist), and on each expects from the guest a CONNECT
packet, then a CPU_POWER request with UNIT for the vCPU of that lcore,
carrying NAME; answers it with an ACK, and then expects nothing more until
the VM's exit closes the socket. Prints each event with its time since
T0_MS (epoch milliseconds); exits 0 only if every channel did all that.
"""

import os
import select
import socket
import struct
import sys
import time

PACKET_SZ = 464
CPU_POWER, CONNECT = 1, 2
ACK = 1
HEAD = struct.Struct("<QII32s")  # resource_id, unit, command, vm_name
CONNECT_WAIT_S = 30
DEADLINE_S = 240


def log(t0_ms, msg):
    print(f"host: {time.time() * 1000 - t0_ms:8.0f} ms  {msg}", flush=True)


def connect(path, deadline):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError as e:
            s.close()
            if time.monotonic() > deadline:
                raise SystemExit(f"host: cannot connect to {path}: {e}")
            time.sleep(0.05)


def main():
    chandir, name, nchan, t0_ms, unit = sys.argv[1:6]
    nchan, t0_ms, unit = int(nchan), float(t0_ms), int(unit)
    start = time.monotonic()
    chans = {}
    for lcore in range(nchan):
        path = os.path.join(chandir, f"{name}.{lcore}")
        s = connect(path, start + CONNECT_WAIT_S)
        chans[s.fileno()] = {"sock": s, "lcore": lcore, "buf": b"",
                             "stage": "connect", "path": path}
        log(t0_ms, f"connected to {path}")

    errors = []
    poller = select.poll()
    for fd in chans:
        poller.register(fd, select.POLLIN)
    open_fds = set(chans)
    while open_fds:
        left = DEADLINE_S - (time.monotonic() - start)
        if left <= 0:
            errors.append("timed out; stages: " + ", ".join(
                f"lcore {c['lcore']}: {c['stage']}" for c in chans.values()))
            break
        for fd, _ in poller.poll(left * 1000):
            c = chans[fd]
            data = c["sock"].recv(65536)
            if not data:
                log(t0_ms, f"lcore {c['lcore']}: EOF (VM gone)")
                if c["stage"] != "done":
                    errors.append(f"lcore {c['lcore']}: EOF at stage "
                                  f"{c['stage']}")
                if c["buf"]:
                    errors.append(f"lcore {c['lcore']}: {len(c['buf'])} "
                                  "bytes of a partial packet")
                poller.unregister(fd)
                open_fds.discard(fd)
                continue
            c["buf"] += data
            while len(c["buf"]) >= PACKET_SZ:
                pkt, c["buf"] = c["buf"][:PACKET_SZ], c["buf"][PACKET_SZ:]
                handle(c, pkt, name, unit, t0_ms, errors)

    for c in chans.values():
        c["sock"].close()
    for e in errors:
        print(f"host: FAIL {e}", flush=True)
    if errors:
        sys.exit(1)
    print("host: all channels CONNECTed, requested and were ACKed",
          flush=True)


def handle(c, pkt, name, unit, t0_ms, errors):
    vcpu, punit, cmd, vm = HEAD.unpack_from(pkt)
    vm = vm.split(b"\0", 1)[0].decode(errors="replace")
    lcore = c["lcore"]
    log(t0_ms, f"lcore {lcore}: packet command={cmd} unit={punit} "
        f"resource_id={vcpu} vm_name={vm!r}")
    if c["stage"] == "connect":
        if cmd != CONNECT:
            errors.append(f"lcore {lcore}: first packet is command {cmd}, "
                          f"not CONNECT ({CONNECT})")
        c["stage"] = "request"
    elif c["stage"] == "request":
        want = (CPU_POWER, unit, lcore, name)
        if (cmd, punit, vcpu, vm) != want:
            errors.append(f"lcore {lcore}: request (command, unit, vCPU, "
                          f"name) = {(cmd, punit, vcpu, vm)}, want {want}")
        # The ACK is the request with command ACK (DPDK's convention).
        reply = bytearray(pkt)
        struct.pack_into("<I", reply, 12, ACK)
        c["sock"].sendall(reply)
        log(t0_ms, f"lcore {lcore}: ACK sent")
        c["stage"] = "done"
    else:
        errors.append(f"lcore {lcore}: unexpected packet command {cmd}")


if __name__ == "__main__":
    main()
