#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""How much slower than the reference this machine is now: VMP_TEST_SLOW.

./run.sh runs this before each leg's tests (unless the user set
VMP_TEST_SLOW) and exports the factor it prints last; test_slow_ms()
stretches every wall-clock bound of the tests by it. Three probes, each
timed by the wall clock (a loaded machine shows there, not in CPU time),
each the best of a few rounds:

  cpu   a fixed pure-Python workload (integer arithmetic, no I/O)
  fork  fork+exec of /bin/true, 40 times
  eal   one start and stop of DPDK's EAL (the build's guest_cli with the
        tests' EAL options; it exits on a bad application option),
        when the build has it

Each time is divided by its reference (REFERENCE below: this project's
2-core Debian 12 CI machine, idle); the factor is the largest ratio,
rounded up, clamped to 1..MAX_FACTOR. The tests' bounds are generous
already at 1: the factor only follows the machine, it does not make a
slow machine pass a test that is wrong.

usage: calibrate.py [--build DIR] [--rounds N] [--quiet]
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import time

# Milliseconds each probe takes on the reference machine (this project's
# 2-core Debian 12 CI machine, 2026-12-02) with a core to itself: the
# CPU time (user + system, the children's included) the probes used
# there, best of 5, which is their wall time on an idle machine. Their
# wall times under a load average of 13 were 16-40 times these.
REFERENCE = {'cpu': 70.0, 'fork': 45.0, 'eal': 100.0}
MAX_FACTOR = 10


def cpu_probe():
    start = time.perf_counter()
    x = 0
    for i in range(600000):
        x = (x * 31 + i) & 0xffffffff
    return (time.perf_counter() - start) * 1000


def fork_probe():
    start = time.perf_counter()
    for _ in range(40):
        subprocess.run(['/bin/true'], check=False)
    return (time.perf_counter() - start) * 1000


def eal_runtime_dir():
    if os.getuid() == 0:
        return '/var/run/dpdk'
    return os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk')


def eal_probe(cli):
    prefix = 'vmp_calib_%d' % os.getpid()
    cmd = [cli, '-l', '0', '--no-huge', '--no-pci', '-m', '64',
           '--no-shconf', '--no-telemetry', '--log-level=lib.eal:error',
           '--file-prefix', prefix, '--', '--calibration-probe']
    start = time.perf_counter()
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60, check=False)
    finally:
        shutil.rmtree(os.path.join(eal_runtime_dir(), prefix),
                      ignore_errors=True)
    return (time.perf_counter() - start) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build', help='meson build directory (EAL probe)')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--quiet', action='store_true',
                    help='print the factor only')
    args = ap.parse_args()

    probes = {'cpu': cpu_probe, 'fork': fork_probe}
    cli = args.build and os.path.join(
        args.build, 'examples/vm_power_manager/guest_cli/guest_cli')
    if cli and os.access(cli, os.X_OK):
        probes['eal'] = lambda: eal_probe(cli)
    best = {k: min(f() for _ in range(max(args.rounds, 1)))
            for k, f in probes.items()}
    ratio = {k: v / REFERENCE[k] for k, v in best.items()}
    factor = min(MAX_FACTOR, max(1, math.ceil(max(ratio.values()) - 0.05)))
    if not args.quiet:
        print('calibration: ' + ', '.join(
            '%s %.0f ms (reference %.0f, x%.2f)' %
            (k, best[k], REFERENCE[k], ratio[k]) for k in best) +
            '; VMP_TEST_SLOW=%d' % factor, file=sys.stderr)
    print(factor)
    return 0


if __name__ == '__main__':
    sys.exit(main())
