#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""Write the seed corpus: fuzz/corpus/<target>/seed-*. Run from anywhere.

Seeds are the inputs a person would try first: valid requests of every
kind, each refusal, packets split across reads, CLI lists and domain XML
as libvirt writes it. Files the fuzzer added (named by their SHA-1) are
kept as they are.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def packet(command, unit=0, vcpu=0, name=b"", core_type=0):
    """A struct vmp_proto_packet (464 bytes), DPDK's layout."""
    p = bytearray(464)
    struct.pack_into("<QII", p, 0, vcpu, unit, command)
    p[16:16 + len(name)] = name
    p[444] = core_type
    return bytes(p)


CPU_POWER, CONNECT, POLICY = 1, 2, 3
QUERIES = (7, 8, 9, 10, 256)

requests = [packet(CPU_POWER, u, 1, b"vm0") for u in range(1, 7)]
requests += [packet(CONNECT), packet(POLICY), packet(4)]
requests += [packet(q, 0, 1) for q in QUERIES]


def policy(kind, vcpus=(0, 1), workload=0, busy=(), quiet=(), traffic=(),
           macs=(), thresh=(96000, 1800000, 2000000), filler=-1):
    """A POLICY packet (DPDK's layout): offsets of vmp_protocol.h."""
    p = bytearray(packet(POLICY, 0, 0, b"vm0"))
    for i, mac in enumerate(macs):
        p[48 + 8 * i:54 + 8 * i] = mac
    struct.pack_into("<i3I", p, 128, len(macs), *thresh)
    p[144:144 + len(vcpus)] = bytes(vcpus)
    p[152] = len(vcpus)
    hours = []
    for lst in (busy, quiet, traffic):
        hours += list(lst) + [filler] * (24 - len(lst))
    struct.pack_into("<72i", p, 156, *hours)
    struct.pack_into("<II", p, 448, workload, kind)
    return bytes(p)


requests += [policy(2, workload=1), policy(1, busy=(3, 4, 5),
                                             quiet=(11, 12, 13),
                                             traffic=(8, 10), filler=0),
             policy(0, macs=(b"\x52\x54\x00\xaa\xbb\x01",))]
refused = [packet(CPU_POWER, 9), packet(CPU_POWER, 1, 7),
           packet(CPU_POWER, 1, 0, b"vm1"), packet(CPU_POWER, 1, 0, b"", 1),
           packet(8, 0, 0, b"", 1), packet(99), packet(CPU_POWER, 1, 0,
                                                        b"v" * 32)]

seeds = {"proto": {}, "stream": {}, "cpu_list": {}, "channels": {},
         "domain_xml": {}, "uevent": {}}

for i, p in enumerate(requests + refused):
    seeds["proto"]["%02d" % i] = p + struct.pack("<I", 2) + b"vm0"
seeds["proto"]["noname"] = packet(CPU_POWER, 1, 0, b"vm0")


def stream(cuts, data, vcpus=2):
    return bytes([vcpus, len(cuts)]) + b"".join(
        struct.pack("<H", c) for c in cuts) + data


seeds["stream"]["whole"] = stream([], b"".join(requests[:4]))
seeds["stream"]["bytes"] = stream([1], requests[0] + requests[1][:100])
seeds["stream"]["split"] = stream([100, 500, 0, 464],
                                  b"".join(requests + refused))
seeds["stream"]["garbage"] = stream([4096], packet(99) * 70 +
                                    requests[0])
seeds["stream"]["backlog"] = stream([], requests[1] * 80)

for name, (max_cpu, text) in {
        "range": (15, b"0-3,8"), "unsorted": (15, b"8,0-3,2"),
        "wide": (4095, b"63-64,1023,4000"), "empty": (7, b""),
        "reversed": (7, b"3-1"), "comma": (7, b"1,,2"),
        "trailing": (7, b"1,"), "huge": (7, b"99999999999999999999"),
        "limit": (0xffff, b"1048575"), "all": (65534, b"0-65534")}.items():
    seeds["cpu_list"][name] = struct.pack("<H", max_cpu) + b"\x80" + text

seeds["channels"].update({
    "running": b"+vm2\na vm2 0-3\na vm0 all\ne vm0 1\nd vm0 all\nr vm1\n",
    "stopped": b"vm2\na vm2 0,2,4\na vm1 0-9\ne vm1 3\nd vm1 all\n",
    "symlink": b"vm2\na vm0 2\na vm0 1-3\n",
    "absent": b"vm2\na nosuch 0\ne nosuch all\nr nosuch\n",
    "dotted": b"+vm0.1\na vm0.1 all\na vm0 all\n",
})

DOMAIN = """<domain type='kvm'>
  <name>vm0</name>
  <vcpu placement='static'>2</vcpu>
  <devices>
    <channel type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/vm0.0'/>
      <target type='virtio' name='virtio.serial.port.poweragent.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <channel type='unix'>
      <source mode='bind' path='/tmp/powermonitor/vm0.3'/>
      <target type='virtio' name='virtio.serial.port.poweragent.3'/>
    </channel>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <channel type='pty'>
      <target type='virtio' name='virtio.serial.port.poweragent.1'/>
    </channel>
  </devices>
</domain>
"""
seeds["domain_xml"].update({
    "libvirt": DOMAIN.encode(),
    "mixed": b"<domain><devices><channel type='unix'><source path='/b'/>"
             b"<target name='virtio.serial.port.poweragent.7'/></channel>"
             b"<channel type='unix'><source path='/a'/>"
             b"<target name='virtio.serial.port.poweragent.2'/></channel>"
             b"<channel type='unix'><source path='/d'/>"
             b"<target name='virtio.serial.port.poweragent.x'/></channel>"
             b"</devices></domain>",
    "nics": b"<domain><devices><interface type='network'>"
            b"<mac address='52:54:00:aa:bb:01'/><target dev='vnet0'/>"
            b"</interface><interface type='hostdev'>"
            b"<mac address='52:54:00:aa:bb:02'/></interface>"
            b"<interface type='user'><mac address='zz'/></interface>"
            b"</devices></domain>",
    "broken": b"<domain><devices>",
    "empty": b"<domain/>",
    "entity": b"<!DOCTYPE domain [<!ENTITY p '/x'>]><domain><devices>"
              b"<channel type='unix'><source path='&p;'/><target "
              b"name='virtio.serial.port.poweragent.1'/></channel>"
              b"</devices></domain>",
})

# Kernel uevents (lib/kobject_uevent.c): header, ACTION, DEVPATH,
# SUBSYSTEM, the device's variables, SEQNUM; a CPU's MODALIAS is long.
MODALIAS = b"cpu:type:x86,ven0002fam0019mod0001:feature:," + b",".join(
    b"%04X" % i for i in range(0, 0x2ad, 3))


def uevent(action, devpath, subsystem, extra=b"", seq=4711):
    return (action + b"@" + devpath + b"\0ACTION=" + action +
            b"\0DEVPATH=" + devpath + b"\0SUBSYSTEM=" + subsystem + b"\0" +
            extra + b"SEQNUM=%d\0" % seq)


CPU3 = b"/devices/system/cpu/cpu3"
seeds["uevent"].update({
    "offline": uevent(b"offline", CPU3, b"cpu", b"MODALIAS=" + MODALIAS +
                      b"\0"),
    "online": uevent(b"online", b"/devices/system/cpu/cpu4095", b"cpu"),
    "add": uevent(b"add", CPU3, b"cpu"),
    "net": uevent(b"add", b"/devices/virtual/net/tap0", b"net",
                  b"INTERFACE=tap0\0IFINDEX=7\0"),
    "mismatch": uevent(b"offline", CPU3, b"cpu").replace(b"cpu3\0A",
                                                          b"cpu4\0A"),
    "libudev": b"libudev\0\xfe\xed\xca\xfe" + bytes(28) +
               b"ACTION=offline\0",
    "cut": uevent(b"offline", CPU3, b"cpu")[:60],
})



def json_in(text, cpu=3, cuts=()):
    """fuzz_json's input: CPU (255: none), chunk sizes, the stream."""
    return bytes([cpu, len(cuts)]) + b"".join(
        struct.pack("<H", c) for c in cuts) + text


INSTR = b'{"instruction": {"name": "ubuntu", "command": "power", "unit": "%s"}}'
seeds["json"] = {"unit-" + u.lower(): json_in(INSTR % u.encode() + b"\n")
                 for u in ("SCALE_UP", "SCALE_DOWN", "SCALE_MAX", "SCALE_MIN",
                           "ENABLE_TURBO", "DISABLE_TURBO")}
seeds["json"].update({
    "time": json_in(b'{"policy": {"name": "ubuntu", "command": "create", '
                    b'"policy_type": "TIME", "busy_hours": [17, 18, 19], '
                    b'"quiet_hours": [2, 3, 4], "core_list": [11]}}', 11),
    "traffic": json_in(b'{"policy": {"command": "create", "policy_type": '
                       b'"TRAFFIC", "mac_list": ["de:ad:be:ef:01:01", '
                       b'"5254:00aa:bb0c"], "avg_packet_thresh": 100000, '
                       b'"max_packet_thresh": 500000}}', 255),
    "workload": json_in(b'{"policy":{"command":"CREATE","policy_type":'
                        b'"WORKLOAD","workload":"HIGH","core_list":[1,2]}}',
                        255),
    "destroy": json_in(b'{"policy":{"command":"destroy"}}'),
    "resource": json_in(b'{"instruction":{"command":"power","unit":'
                        b'"SCALE_MIN","resource_id":7}}', 255),
    "glued": json_in((INSTR % b"SCALE_MAX") * 3 + b" \r\n\t" +
                     INSTR % b"SCALE_MIN", 3, (1, 7, 0, 40)),
    "utf8-cut": json_in(b'{"instruction":{"command":"power","unit":'
                        b'"SCALE_UP","name":"\\u00e9t\xc3\xa9"}}', 3,
                        (1,)),
    "refused": json_in(b'{"instruction":{"command":"power","unit":'
                       b'"SCALE_UP","resource_id":4}}{"policy":{"command":'
                       b'"create","busy_hours":[24]}}[1]', 3, (13,)),
    "garbage": json_in(b'hello {"a" 1} {"b":2}'),
    "long": json_in(b'{"a":"' + b"x" * 5000 + b'"}', 3, (4000,)),
})

for target, files in seeds.items():
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
