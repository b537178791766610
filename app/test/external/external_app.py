#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""
The guest library as a DPDK developer gets it: installed, found with
pkg-config, linked into a program outside the tree.

  external_app.py --build BUILD    `meson install --destdir` of BUILD into a
                                   temporary directory, then the checks on it
  external_app.py --installed      the checks on what is installed on this
                                   system (the Debian packages, in a chroot)

Checks: what meson installs (--build only); each public header compiles
alone with only `pkg-config --cflags libvmpower-guest` (lib/compat is
private and not installed); the guide's power_app.c, copied out of the
tree, builds with `pkg-config --cflags --libs libvmpower-guest` (shared:
needs libvmpower-guest.so.0) and with `--static` (needs neither it nor
librte_eal.so); each binary runs under EAL against a pseudo-terminal
that this script serves as the host daemon would, and prints the answers
the guide shows, from the requests the host saw.

With --build the pc files are copied with prefix= pointing into the
destdir: PKG_CONFIG_SYSROOT_DIR would also move libdpdk's paths.
"""

import argparse
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
APP = os.path.join(SRC, 'doc', 'guides', 'examples', 'power_app.c')
HEADERS = ['vmp_abi.h', 'vmp_protocol.h', 'vmp_guest_channel.h',
           'vmp_guest_power.h']
# Relative to the prefix; lib/ARCH/ is libdir.
INSTALLED = [
    'sbin/vm_power_mgr', 'bin/vmpowerctl', 'bin/vmpower-guest-cli',
    'bin/vmpower-l3fwd-power', 'share/man/man8/vm_power_mgr.8',
    'share/man/man8/vmpowerctl.8', 'share/man/man1/vmpower-guest-cli.1',
    'share/man/man1/vmpower-l3fwd-power.1',
    'lib/systemd/system/vm_power_mgr.service',
    'etc/vmpower/vm_power_mgr.conf',
    'LIB/libvmpower-guest.so', 'LIB/libvmpower-guest.so.0',
    'LIB/libvmpower-guest.a', 'LIB/pkgconfig/libvmpower-guest.pc',
    'LIB/pkgconfig/libvmpower-guest-libs.pc',
] + ['include/vmpower/' + h for h in HEADERS]

# vmp_protocol.h: commands, replies, units; packet sizes.
CPU_POWER, CONNECT, QUERY_FREQ, QUERY_CAPS, QUERY_FREQ_AVAIL = 1, 2, 8, 10, 256
ACK, NACK, FREQ_LIST, CAPS_LIST, FREQ_AVAIL = 1, 2, 3, 4, 256
UP, DOWN, MAX, MIN = 1, 2, 3, 4
PACKET, FREQ_SZ, CAPS_SZ = 464, 88, 184
HEAD = struct.Struct('<QII')        # resource_id, unit, command
FREQS = [2401000, 2400000, 2000000, 1600000, 1200000]  # turbo first
EXPECT = ['freq_max: 1',
          '5 frequencies, highest 2401000 kHz, now index 1',
          'freq_down: 1', 'now index 2', 'turbo 1, priority 0']
EXPECT_REQUESTS = [('CONNECT', 0), ('CPU_POWER', MAX)]

failures = []


def fail(what):
    failures.append(what)
    print('FAIL: ' + what)


def run(cmd, env=None, **kw):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        fail('%s: exit %d\n%s%s' % (' '.join(cmd)[:200], r.returncode,
                                     r.stdout, r.stderr))
    return r


class Host:
    """The host daemon's side of one power channel, on a raw pty."""

    def __init__(self, prefix):
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        os.set_blocking(self.master, False)
        os.symlink(os.ttyname(self.slave), prefix + '.0')
        self.buf = b''
        self.cur = 1
        self.seen = []

    def close(self):
        os.close(self.master)
        os.close(self.slave)

    def answer(self, pkt):
        vcpu, unit, cmd = HEAD.unpack_from(pkt)
        slot = vcpu % 8
        if cmd == CONNECT:
            self.seen.append(('CONNECT', 0))
            return b''
        if cmd == CPU_POWER:
            self.seen.append(('CPU_POWER', unit))
            self.cur = {MAX: 1, MIN: len(FREQS) - 1,
                        UP: max(self.cur - 1, 1),
                        DOWN: min(self.cur + 1, len(FREQS) - 1)}.get(
                            unit, self.cur)
            return HEAD.pack(vcpu, unit, ACK) + pkt[HEAD.size:]
        head = b'\0' * 32           # vm_name
        if cmd == QUERY_FREQ:
            self.seen.append(('QUERY_FREQ', 0))
            fl = [0] * 8
            fl[slot] = FREQS[self.cur]
            return (HEAD.pack(vcpu, unit, FREQ_LIST) + head +
                    struct.pack('<8IB7x', *fl, 1))
        if cmd == QUERY_FREQ_AVAIL:
            self.seen.append(('QUERY_FREQ_AVAIL', unit))
            part = FREQS[unit:unit + 8]
            return (HEAD.pack(vcpu, len(FREQS), FREQ_AVAIL) + head +
                    struct.pack('<8IB7x', *(part + [0] * (8 - len(part))),
                                len(part)))
        if cmd == QUERY_CAPS:
            self.seen.append(('QUERY_CAPS', 0))
            turbo, prio = [0] * 8, [0] * 8
            turbo[slot] = 1
            return (HEAD.pack(vcpu, 0, CAPS_LIST) + head +
                    struct.pack('<8Q8QB7x', *turbo, *prio, 1))
        self.seen.append(('?%d' % cmd, unit))
        return HEAD.pack(vcpu, unit, NACK) + pkt[HEAD.size:]

    def serve(self, proc, timeout):
        """Answer requests until @proc exits; its output."""
        deadline = time.monotonic() + timeout
        out = b''
        streams = [proc.stdout]
        while proc.poll() is None or streams:
            if time.monotonic() > deadline:
                proc.kill()
                fail('the application did not finish in %d s' % timeout)
                break
            r, _, _ = select.select([self.master] + streams, [], [], 0.1)
            if proc.stdout in r:
                chunk = os.read(proc.stdout.fileno(), 65536)
                out += chunk
                if not chunk:
                    streams = []
            if self.master in r:
                try:
                    self.buf += os.read(self.master, 65536)
                except BlockingIOError:
                    pass
                while len(self.buf) >= PACKET:
                    pkt, self.buf = self.buf[:PACKET], self.buf[PACKET:]
                    reply = self.answer(pkt)
                    if reply:
                        os.write(self.master, reply)
        proc.wait()
        return proc.returncode, out.decode(errors='replace')


def needed(path):
    r = run(['readelf', '-d', path])
    return [l.split('[')[1].rstrip(']') for l in r.stdout.splitlines()
            if '(NEEDED)' in l]


def eal_runtime_dir():
    """Where EAL puts its runtime directories (eal_create_runtime_dir)."""
    if os.getuid() == 0:
        return '/var/run/dpdk'
    return os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk')


def check_run(binary, tmp, env, mode):
    d = tempfile.mkdtemp(prefix='port.', dir=tmp)
    host = Host(os.path.join(d, 'port'))
    eal = ['-l', '0', '--no-huge', '--no-pci', '-m', '64', '--no-shconf',
           '--no-telemetry', '--file-prefix', 'vmp_ext%s_%d' %
           (('_r' + os.environ['VMP_TEST_RUN'])
            if os.environ.get('VMP_TEST_RUN') else '', os.getpid())]
    start = time.monotonic()
    proc = subprocess.Popen([binary] + eal + ['--', os.path.join(d, 'port')],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env)
    try:
        rc, out = host.serve(proc, 60)
    finally:
        host.close()
        # EAL leaves its runtime directory behind on every exit.
        shutil.rmtree(os.path.join(eal_runtime_dir(), eal[-1]),
                      ignore_errors=True)
    lines = [l.strip() for l in out.splitlines()]
    got = [l for l in lines if l in EXPECT]
    if rc != 0 or got != EXPECT:
        fail('%s: exit %d, expected the lines %s in order; output:\n%s' %
             (mode, rc, EXPECT, out))
    if host.seen[:2] != EXPECT_REQUESTS or \
            ('CPU_POWER', DOWN) not in host.seen:
        fail('%s: the host saw %s' % (mode, host.seen))
    print('%s: ran in %.2f s; the host saw %s' %
          (mode, time.monotonic() - start,
           ', '.join('%s %d' % s if s[1] else s[0] for s in host.seen)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--build', help='meson build directory to install')
    g.add_argument('--installed', action='store_true',
                   help='use what is installed on this system')
    ap.add_argument('--cc', default=os.environ.get('CC', 'cc'))
    ap.add_argument('--keep', action='store_true',
                    help='keep the temporary directory')
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='vmp_external.')
    env = dict(os.environ)
    try:
        if args.build:
            info = subprocess.run(['meson', 'introspect', '--buildoptions',
                                   args.build], capture_output=True,
                                  text=True, check=True).stdout
            opts = {o['name']: o['value'] for o in json.loads(info)}
            # 'none' up to meson 1.7, a list ([] for none) since 1.8.
            if opts.get('b_sanitize', 'none') not in ('none', '', []):
                # Its library needs the sanitizer's runtime: not what a
                # user installs. Skipped, as meson counts it.
                print('skipped: a -Db_sanitize build')
                return 77
            prefix, libdir = opts['prefix'], opts['libdir']
            dest = os.path.join(tmp, 'destdir')
            r = run(['meson', 'install', '-C', args.build, '--destdir',
                     dest, '--no-rebuild', '--quiet'])
            if r.returncode != 0:
                return 1
            root = dest + prefix
            for f in INSTALLED:
                p = os.path.join(root, f.replace('LIB', libdir))
                if not os.path.exists(p):
                    fail('meson install: no %s' % p[len(dest):])
            pcdir = os.path.join(tmp, 'pkgconfig')
            os.mkdir(pcdir)
            src = os.path.join(root, libdir, 'pkgconfig')
            for pc in os.listdir(src):
                text = open(os.path.join(src, pc)).read()
                open(os.path.join(pcdir, pc), 'w').write(
                    text.replace('prefix=' + prefix, 'prefix=' + root, 1))
            env['PKG_CONFIG_PATH'] = pcdir + ':' + env.get(
                'PKG_CONFIG_PATH', '')
            env['LD_LIBRARY_PATH'] = os.path.join(root, libdir)
        pc = ['pkg-config', '--cflags', 'libvmpower-guest']
        cflags = run(pc, env=env).stdout.split()
        if any('lib/compat' in f or f.endswith('/lib/guest_channel')
               for f in cflags):
            fail('cflags point into a source tree: %s' % cflags)
        for h in HEADERS:
            c = os.path.join(tmp, 'h_%s.c' % h[:-2])
            open(c, 'w').write('#include <%s>\n' % h)
            run([args.cc, '-fsyntax-only', '-std=c11', '-Wall', '-Wextra',
                 '-Werror', '-Wno-missing-field-initializers', c] + cflags,
                env=env)
        app = os.path.join(tmp, 'power_app.c')
        shutil.copy(APP, app)
        for mode, static in (('shared', []), ('static', ['--static'])):
            flags = run(pc[:1] + static + ['--cflags', '--libs',
                                           'libvmpower-guest'],
                        env=env).stdout.split()
            exe = os.path.join(tmp, 'power_app-' + mode)
            start = time.monotonic()
            r = run([args.cc, '-O2', '-Wall', '-Wextra', '-Werror',
                     '-Wno-missing-field-initializers', '-o', exe, app] +
                    flags, env=env)
            if r.returncode != 0:
                continue
            libs = needed(exe)
            print('%s: built in %.1f s, %d bytes, needs %s' %
                  (mode, time.monotonic() - start, os.path.getsize(exe),
                   ' '.join(l for l in libs if 'vmpower' in l or
                            'rte_eal' in l) or 'no vmpower or EAL library'))
            ours = 'libvmpower-guest.so.0' in libs
            eal = any(l.startswith('librte_eal.so') for l in libs)
            if static and (ours or eal):
                fail('static: still needs %s' % libs)
            if not static and not ours:
                fail('shared: does not need libvmpower-guest.so.0: %s' %
                     libs)
            check_run(exe, tmp, env, mode)
    finally:
        if args.keep:
            print('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print('%d check(s) failed' % len(failures))
        return 1
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
