# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""intel_uncore_frequency/package_NN_die_00/, after drivers/platform/x86/
intel/uncore-frequency/uncore-frequency-common.c: initial_min_freq_khz
and initial_max_freq_khz read-only, min_freq_khz and max_freq_khz
writable within them (kstrtouint, EINVAL outside), current_freq_khz. One
die per package (shape 'packages'); the shape's 'uncore' is "MIN,MAX" in
kHz, none without it (as in a VM)."""

import errno

from emu_parse import kstrtouint


class UncoreMixin:
    UNCORE_DIR = 'intel_uncore_frequency'

    def _uncore_build(self, s):
        self.uncore = None
        spec = s.get('uncore')
        if not spec:
            return
        lo, hi = (int(x) for x in str(spec).split(','))
        if not 0 < lo <= hi:
            raise ValueError('uncore needs 0 < MIN <= MAX')
        npkg = max(1, int(s.get('packages', 1)))
        self.uncore = {'lo': lo, 'hi': hi,
                       'dies': {'package_%02d_die_00' % p:
                                {'min': lo, 'max': hi}
                                for p in range(npkg)}}

    def _uncore_store(self, die, key, text):
        v, err = kstrtouint(text)
        if err:
            return err
        if v < self.uncore['lo'] or v > self.uncore['hi']:
            return -errno.EINVAL
        die[key] = v
        return None

    def uncore_node(self, rest):
        u = self.uncore
        if not rest:
            return ('d', lambda: sorted(u['dies']))
        die = u['dies'].get(rest[0])
        if die is None:
            return None
        files = {
            'initial_min_freq_khz': self.ro(u['lo']),
            'initial_max_freq_khz': self.ro(u['hi']),
            'current_freq_khz': ('f', 0o444, lambda: '%d\n' % die['max'],
                                 None, False),
            'min_freq_khz': ('f', 0o644, lambda: '%d\n' % die['min'],
                             lambda t: self._uncore_store(die, 'min', t),
                             False),
            'max_freq_khz': ('f', 0o644, lambda: '%d\n' % die['max'],
                             lambda t: self._uncore_store(die, 'max', t),
                             False),
        }
        if len(rest) == 1:
            return ('d', lambda: sorted(files))
        return files.get(rest[1]) if len(rest) == 2 else None
