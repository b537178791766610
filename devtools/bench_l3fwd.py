#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""./run.sh bench l3fwd: energy against loss, heuristic by heuristic.

l3fwd-power (ours, --legacy, --pmd-mgmt scale) and upstream DPDK 22.11's
dpdk-l3fwd-power (built from Debian's dpdk-doc sources, when this is
22.11) forward, one at a time, the traffic of vmp_l3fwd_gen (a second
DPDK process) over a net_memif pair, in the same sandboxed cpufreq tree
(acpi-cpufreq, 2401000 turbo .. 1000000 kHz), on lcore 1; the generator
runs on lcore 0. Traces: steady low, medium, high, and bursty (1, 10,
100 ms at the generator's full speed over a floor).

A fake cpufreq tree does not slow the CPU. To make frequency matter, the
forwarder's process is given a CPU quota in its own cgroup (v1 "cpu" or
v2), quota/period = f / f_max, period 2.5 ms, following the frequency
its lcore's scaling_setspeed holds, sampled every millisecond; the same
samples give the time at each frequency.

Power proxy (documented): P ~ f * V^2, V linear from 0.70 V at the lowest
frequency to 1.20 V at the highest (a typical P-state table), reported as
% of running at the highest all along. Loss: frames the port refused
(l3fwd-power's rx ring full) plus frames that never came back. Latency:
the generator stamps each frame with the TSC of its tx burst and reads
the stamp back when the frame returns (the same process is the sink):
p50 and p99 of the forwarding latency, memif both ways included. On a
shared 2-core machine the figures measure the machine too: read them
side by side, not as absolutes.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

FREQS = [2401000, 2400000, 2100000, 1800000, 1500000, 1200000, 1000000]
V_MIN, V_MAX = 0.70, 1.20
PERIOD_US = 2500
TRACES = ('low', 'medium', 'high', 'bursty')
SPEED = '/sys/devices/system/cpu/cpu1/cpufreq/scaling_setspeed'
UPSTREAM_SRC = '/usr/share/dpdk/examples/l3fwd-power'


def volts(f):
    lo, hi = min(FREQS), max(FREQS)
    return V_MIN + (V_MAX - V_MIN) * (f - lo) / (hi - lo)


def power(f):
    return f * volts(f) ** 2 / (max(FREQS) * V_MAX ** 2)


class Cgroup:
    """A CPU quota for one process: v1 cpu controller, else v2."""

    def __init__(self, name):
        v1 = '/sys/fs/cgroup/cpu'
        if os.path.isdir(v1) and os.path.exists(v1 + '/cpu.cfs_quota_us'):
            self.path, self.v2 = os.path.join(v1, name), False
        else:
            self.path, self.v2 = os.path.join('/sys/fs/cgroup', name), True
        os.mkdir(self.path)

    def add(self, pid):
        with open(os.path.join(self.path, 'cgroup.procs'), 'w') as f:
            f.write('%d\n' % pid)

    def quota(self, share):
        q = max(1000, int(PERIOD_US * share))
        if self.v2:
            with open(os.path.join(self.path, 'cpu.max'), 'w') as f:
                f.write('%d %d\n' % (q, PERIOD_US))
            return
        with open(os.path.join(self.path, 'cpu.cfs_period_us'), 'w') as f:
            f.write('%d\n' % PERIOD_US)
        with open(os.path.join(self.path, 'cpu.cfs_quota_us'), 'w') as f:
            f.write('%d\n' % q)

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except OSError:
                time.sleep(0.1)


class Watcher(threading.Thread):
    """Samples the lcore's frequency every ms; sets the quota to match."""

    def __init__(self, cg):
        super().__init__(daemon=True)
        self.cg, self.stop, self.counting = cg, False, False
        self.ms = {}
        self.last = None

    def run(self):
        t0 = time.monotonic()
        while not self.stop:
            try:
                with open(SPEED) as f:
                    khz = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                khz = max(FREQS)
            if khz != self.last:
                self.cg.quota(khz / max(FREQS))
                self.last = khz
            time.sleep(0.001)
            t1 = time.monotonic()
            if self.counting:
                self.ms[khz] = self.ms.get(khz, 0) + (t1 - t0) * 1000
            t0 = t1


def eal(lcore, prefix, vdev):
    return ['-l', str(lcore), '--no-huge', '--no-pci', '-m', '256',
            '--file-prefix', prefix, '--vdev', vdev,
            '--log-level', 'lib.eal:error']


def wait_text(path, texts, secs):
    end = time.time() + secs
    while time.time() < end:
        try:
            out = open(path, errors='replace').read()
            if any(t in out for t in texts):
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def run_one(a, tmp, name, cmd_app, trace):
    sock = os.path.join(tmp, 'memif.sock')
    if os.path.exists(sock):
        os.unlink(sock)
    pid = os.getpid()
    app = [x.replace('@VDEV@', 'net_memif0,role=server,socket=' + sock)
           for x in cmd_app]
    log = os.path.join(tmp, '%s.%s.log' % (name, trace))
    with open(log, 'w') as out:
        p = subprocess.Popen(app, stdout=out, stderr=subprocess.STDOUT)
    cg = Cgroup('vmp_bench_l3fwd_%d' % pid)
    w = Watcher(cg)
    res = {'heuristic': name, 'trace': trace}
    try:
        cg.add(p.pid)
        w.start()
        if not wait_text(log, ('forwarding, SIGINT', 'entering main loop'),
                         15):
            raise RuntimeError('%s did not start: see %s' % (name, log))
        time.sleep(0.5)
        w.counting = True
        gen = subprocess.run(
            [a.gen] + eal(0, 'vmp_bench_gen_%d' % pid,
                          'net_memif0,role=client,socket=' + sock) +
            ['--', '--trace', trace, '--ms', str(a.ms)],
            capture_output=True, text=True, timeout=a.ms / 1000 + 30)
        w.counting = False
        line = [x for x in gen.stdout.splitlines() if x.startswith('{')]
        if not line:
            raise RuntimeError('generator: ' + gen.stderr[-500:])
        res.update(json.loads(line[-1]))
    finally:
        w.stop = True
        p.send_signal(signal.SIGINT)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        if w.is_alive():
            w.join()
        cg.remove()
    total = sum(w.ms.values()) or 1
    res['ms_at_khz'] = {str(k): round(v) for k, v in sorted(w.ms.items())}
    res['mean_mhz'] = round(sum(k * v for k, v in w.ms.items()) /
                            total / 1000)
    res['power_pct'] = round(100 * sum(power(k) * v for k, v in
                                       w.ms.items()) / total, 1)
    return res


def heuristics(a):
    l3 = [a.l3fwd] + eal(1, 'vmp_bench_l3_%d' % os.getpid(), '@VDEV@') + \
        ['--', '-p', '1', '--config', '(0,0,1)', '--routes', 'upstream',
         '--stats-interval', str(a.stats_ms)]
    out = [('ours', l3 + ['--env', 'host'] + a.ours_args),
           ('legacy', l3 + ['--env', 'host', '--legacy']),
           ('pmd-scale', l3 + ['--pmd-mgmt', 'scale'])]
    if a.upstream:
        out.append(('upstream-22.11', [a.upstream] + eal(
            1, 'vmp_bench_up_%d' % os.getpid(), '@VDEV@') +
            ['--', '-p', '1', '--config', '(0,0,1)', '--parse-ptype']))
    return [h for h in out if not a.only or h[0] in a.only]


def table(results):
    """Traces x heuristics, side by side."""
    print('\n  %-7s %-15s %8s %8s %6s %9s %9s' % (
        'trace', 'heuristic', 'lost %', 'mean MHz', 'power', 'p50 us',
        'p99 us'))
    for trace in TRACES:
        for r in results:
            if r['trace'] != trace:
                continue
            print('  %-7s %-15s %8.3f %8d %5.1f%% %9.1f %9.1f' % (
                trace, r['heuristic'],
                100.0 * r['lost'] / max(r['offered'], 1), r['mean_mhz'],
                r['power_pct'], r.get('p50_us', -1), r.get('p99_us', -1)))
    sys.stdout.flush()


def inner(a):
    results = []
    tmp = tempfile.mkdtemp(prefix='vmp_bench_l3fwd.')
    try:
        for name, cmd in heuristics(a):
            for trace in a.traces:
                r = run_one(a, tmp, name, cmd, trace)
                results.append(r)
                print('  %-15s %-7s offered %9d lost %8d (%5.2f %%) '
                      'mean %4d MHz power %5.1f %% p50 %7.1f us '
                      'p99 %8.1f us' % (
                          name, trace, r['offered'], r['lost'],
                          100.0 * r['lost'] / max(r['offered'], 1),
                          r['mean_mhz'], r['power_pct'],
                          r.get('p50_us', -1), r.get('p99_us', -1)),
                      flush=True)
        table(results)
    finally:
        if os.environ.get('VMP_BENCH_KEEP') is None:
            shutil.rmtree(tmp, ignore_errors=True)
        # EAL's runtime directories of our processes.
        for kind in ('l3', 'up', 'gen'):
            shutil.rmtree('/var/run/dpdk/vmp_bench_%s_%d' % (
                kind, os.getpid()), ignore_errors=True)
    with open(a.json, 'w') as f:
        json.dump({'freqs_khz': FREQS, 'period_us': PERIOD_US,
                   'volts': [V_MIN, V_MAX], 'runs': results}, f, indent=1)
    return 0


def build_upstream(build):
    """Upstream 22.11's binary from dpdk-doc, when this DPDK is 22.11."""
    ver = subprocess.run(['pkg-config', '--modversion', 'libdpdk'],
                         capture_output=True, text=True).stdout.strip()
    if not ver.startswith('22.11') or not os.path.isdir(UPSTREAM_SRC):
        print('bench l3fwd: no upstream 22.11 sources (dpdk-doc) for DPDK '
              '%s: upstream left out' % ver)
        return None
    out = os.path.join(build, 'bench_upstream', 'dpdk-l3fwd-power-22.11')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'libdpdk'],
                           capture_output=True, text=True).stdout.split()
    subprocess.run(['cc', '-O2', '-o', out,
                    os.path.join(UPSTREAM_SRC, 'main.c'),
                    os.path.join(UPSTREAM_SRC, 'perf_core.c'),
                    '-I' + UPSTREAM_SRC, '-DALLOW_EXPERIMENTAL_API'] + flags,
                   check=True)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--build', default='build')
    p.add_argument('--ms', type=int, default=3000, help='per trace')
    p.add_argument('--traces', default=','.join(TRACES))
    p.add_argument('--no-upstream', action='store_true')
    p.add_argument('--only', default='',
                   help='these heuristics only (ours,legacy,pmd-scale,'
                   'upstream-22.11)')
    p.add_argument('--stats-ms', type=int, default=0,
                   help="l3fwd-power's status lines every N ms, in the "
                   'logs VMP_BENCH_KEEP=1 keeps')
    p.add_argument('--ours-args', default='',
                   help='more options for ours, blank-separated')
    p.add_argument('--inner', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--upstream', help=argparse.SUPPRESS)
    a = p.parse_args()
    b = os.path.abspath(a.build)
    a.l3fwd = os.path.join(b, 'examples', 'l3fwd-power', 'l3fwd-power')
    a.gen = os.path.join(b, 'app', 'bench', 'vmp_l3fwd_gen')
    a.json = os.path.join(b, 'bench_l3fwd.json')
    a.traces = [t for t in a.traces.split(',') if t in TRACES]
    a.ours_args = a.ours_args.split()
    a.only = [h for h in a.only.split(',') if h]
    if a.inner:
        return inner(a)
    up = None if a.no_upstream else build_upstream(b)
    cmd = [os.path.join(b, 'app', 'test', 'vmp_sandbox'), '--cpus', '2',
           '--driver', 'acpi-cpufreq', '--freqs',
           ','.join(str(f) for f in FREQS), '--start', '2100000', '--',
           sys.executable, os.path.abspath(__file__), '--inner',
           '--build', b, '--ms', str(a.ms), '--traces', ','.join(a.traces),
           '--stats-ms', str(a.stats_ms), '--only', ','.join(a.only),
           '--ours-args=' + ' '.join(a.ours_args)]
    if up:
        cmd += ['--upstream', up]
    nb = len(a.only) if a.only else 3 + (up is not None)
    print('bench l3fwd: %d heuristics x %d traces, %d ms each' % (
        nb, len(a.traces), a.ms), flush=True)
    r = subprocess.run(cmd).returncode
    if r == 0:
        print('bench l3fwd: %s' % a.json)
    return r


if __name__ == '__main__':
    sys.exit(main())
