# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""cpufreq policies and driver globals: what each store_*() of the kernel
takes, refuses and changes. Mixed into emu_model.Model."""

import errno

from emu_parse import (scan_uint, scan_word, kstrtobool, kstrtouint, s32,
                       S32_MAX, U32)

EPP_NAMES = ('default', 'performance', 'balance_performance',
             'balance_power', 'power')
EPP_VALUES = {'intel': (None, 0, 0x80, 0xc0, 0xff),
              'amd': (None, 0, 0x80, 0xbf, 0xff)}
EPP_DEFAULT = 0x80
STEP = 100000       # intel P-state ratio unit, kHz


class Policy:
    __slots__ = ('name', 'gov', 'last_gov', 'umin', 'umax', 'min', 'max',
                 'cur', 'setspeed', 'boost', 'epp', 'epp_saved')


def clamp(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


class PolicyMixin:
    # ------------------------------------------------------ lifecycle
    def policy(self, gi):
        p = self.policies.get(gi)
        if p is None:
            p = self._new_policy(gi)
        return p

    def _new_policy(self, gi):
        """cpufreq_online() for a new policy: QoS requests at their
        defaults, the default governor started."""
        p = Policy()
        p.name = self.gname(gi)
        p.gov = self.default_gov
        p.last_gov = None
        p.umin, p.umax = 0, S32_MAX
        p.boost = self.boost_global and self.boost_supported()
        p.epp, p.epp_saved = EPP_DEFAULT, None
        p.min, p.max = self.cpuinfo_min(), self.cpuinfo_max(p)
        p.cur = clamp(int(self.start_khz or p.max), p.min, p.max)
        p.setspeed = p.cur if p.gov == 'userspace' else None
        if self.setpolicy and p.gov == 'performance':
            p.epp_saved, p.epp = p.epp, 0
        self.policies[gi] = p
        self.refresh(p)
        return p

    def cpufreq_offline(self, cpu):
        gi = self.gmap.get(cpu)
        if gi is None or self.gname(gi) is None or self.group_active(gi):
            return
        # Last CPU of the policy: the governor stops, its name is kept
        # for the next online; QoS limits stay with the policy object.
        if self.hotplug == 'reset':
            self.policies.pop(gi, None)
            self.pname[gi] = None
            return
        p = self.policy(gi)
        p.last_gov = p.gov
        p.setspeed = None

    def cpufreq_online(self, cpu):
        gi = self.gmap.get(cpu)
        if gi is None or self.drv is None:
            return
        if self.gname(gi) is None:
            self.pname[gi] = cpu
            self.policies.pop(gi, None)
            self.policy(gi)
            return
        if any(c != cpu and c not in self.offline for c in self.groups[gi]):
            return
        p = self.policies.get(gi)
        if p is None:
            return      # never touched: it comes back at its defaults
        # cpufreq_init_policy(): the governor from before, limits kept,
        # the hardware frequency is the starting point.
        if p.last_gov in self.govs or (self.setpolicy and p.last_gov):
            p.gov = p.last_gov
        p.boost = self.boost_global and self.boost_supported()
        p.setspeed = p.cur if p.gov == 'userspace' else None
        self.refresh(p)

    # ------------------------------------------------------- limits
    def boost_supported(self):
        if self.family == 'acpi':
            return self.table_turbo
        return self.max_khz > self.base_khz

    def cpuinfo_min(self):
        return self.table[-1] if self.family == 'acpi' else self.min_khz

    def cpuinfo_max(self, p=None):
        if self.family == 'acpi':
            return self.table[0]
        if self.family == 'intel':
            return self.base_khz if self.no_turbo else self.max_khz
        boost = p.boost if p is not None else self.boost_global
        return self.max_khz if boost else self.base_khz

    def pct_limits(self):
        """intel_pstate max/min_perf_pct as frequencies."""
        turbo = self.cpuinfo_max() // STEP
        return (-(-turbo * self.min_pct // 100) * STEP,
                -(-turbo * self.max_pct // 100) * STEP)

    def min_pct_floor(self):
        if self.family != 'intel':
            return 0
        return -(-(self.min_khz // STEP) * 100 // (self.max_khz // STEP))

    def refresh(self, p):
        """cpufreq_set_policy(): aggregate the QoS requests, let the
        driver's verify() clamp them into cpuinfo, resolve them to table
        entries, then tell the governor."""
        lo, hi = s32(p.umin), s32(p.umax)
        if self.family == 'intel' and not self.setpolicy:
            # intel_cpufreq turns max/min_perf_pct into QoS requests.
            pmin, pmax = self.pct_limits()
            lo, hi = max(lo, pmin), min(hi, pmax)
        cmin, cmax = self.cpuinfo_min(), self.cpuinfo_max(p)
        p.max = clamp(hi & U32, cmin, cmax)
        p.min = clamp(lo & U32, cmin, p.max)
        if self.family == 'acpi':
            p.max = max(f for f in self.table if f <= p.max)
            p.min = min(min(f for f in self.table if f >= p.min), p.max)
        self.gov_limits(p)

    def gov_limits(self, p):
        if self.setpolicy:
            lo, hi = p.min, p.max
            if self.family == 'intel':
                pmin, pmax = self.pct_limits()
                hi = min(hi, pmax)
                lo = min(max(lo, pmin), hi)
            # An idle machine: powersave sits at the bottom of the range.
            p.cur = hi if p.gov == 'performance' else lo
        elif p.gov == 'performance':
            self.target(p, p.max, 'H')
        elif p.gov == 'userspace':
            if p.max < p.setspeed:
                self.target(p, p.max, 'H')
            elif p.min > p.setspeed:
                self.target(p, p.min, 'L')
            else:
                self.target(p, p.setspeed, 'L')
        else:   # powersave, and load-driven governors with no load
            self.target(p, p.min, 'L')

    def target(self, p, freq, rel):
        """__cpufreq_driver_target(): clamp to the policy, then what the
        driver can do (table entry, P-state ratio, or any kHz)."""
        f = clamp(freq, p.min, p.max)
        if self.family == 'acpi':
            f = min(x for x in self.table if x >= f) if rel == 'L' else \
                max(x for x in self.table if x <= f)
        elif self.family == 'intel':
            lo, hi = -(-p.min // STEP), max(p.max // STEP, 1)
            r = -(-f // STEP) if rel == 'L' else f // STEP
            f = clamp(r, min(lo, hi), hi) * STEP
        p.cur = f

    # -------------------------------------------------- policy files
    def policy_files(self):
        fam = self.family
        cpus = self.groups

        def ro(fn):
            return (0o444, fn, None)

        def rel(p):
            return cpus[self._gi(p)]
        f = {
            'affected_cpus': ro(lambda p: ' '.join(
                str(c) for c in rel(p) if c not in self.offline) + '\n'),
            'related_cpus': ro(lambda p: ' '.join(map(str, rel(p))) + '\n'),
            'cpuinfo_min_freq': ro(lambda p: '%d\n' % self.cpuinfo_min()),
            'cpuinfo_max_freq': ro(lambda p: '%d\n' % self.cpuinfo_max(p)),
            # ns: the driver constants; acpi and cppc come from firmware.
            'cpuinfo_transition_latency': ro(lambda p: '%d\n' % (
                0 if self.drv == 'intel_pstate' else
                10000 if fam in ('acpi', 'cppc') else 20000)),
            'scaling_min_freq': (0o644, lambda p: '%d\n' % p.min,
                                 self.store_min),
            'scaling_max_freq': (0o644, lambda p: '%d\n' % p.max,
                                 self.store_max),
            'scaling_cur_freq': ro(self.show_cur),
            'scaling_driver': ro(lambda p: '%s\n' % self.drv.replace(
                '-guided', '')),
            'scaling_governor': (0o644, lambda p: p.gov + '\n',
                                 self.store_governor),
            'scaling_available_governors': ro(lambda p: (
                'performance powersave' if self.setpolicy else
                ' '.join(self.govs)) + '\n'),
            'scaling_setspeed': (0o644, lambda p: '%d\n' % p.cur
                                 if p.gov == 'userspace' and not
                                 self.setpolicy else '<unsupported>\n',
                                 self.store_setspeed),
        }
        if fam in ('acpi', 'cppc'):
            f['cpuinfo_cur_freq'] = (0o400, lambda p: '%d\n' % p.cur, None)
        if fam == 'acpi':
            f['scaling_available_frequencies'] = ro(lambda p: ''.join(
                '%d ' % x for x in self.table) + '\n')
            f['bios_limit'] = ro(lambda p: '%d\n' % self.table[0])
            f['freqdomain_cpus'] = f['related_cpus']
        if self.boost_capable():
            f['boost'] = (0o644, lambda p: '%d\n' % p.boost,
                          self.store_local_boost)
        if fam == 'intel' and self.hwp:
            # SST-BF: priority cores have a base 100 MHz higher.
            f['base_frequency'] = ro(lambda p: '%d\n' % (
                self.base_khz + (STEP if set(rel(p)) & self.priority
                                 else 0)))
        if fam == 'amd':
            f['amd_pstate_max_freq'] = ro(lambda p: '%d\n' % self.max_khz)
            f['amd_pstate_lowest_nonlinear_freq'] = ro(
                lambda p: '%d\n' % self.nonlinear_khz)
            f['amd_pstate_highest_perf'] = ro(
                lambda p: '%d\n' % (self.max_khz // 10000))
            f['amd_pstate_prefcore_ranking'] = f['amd_pstate_highest_perf']
            f['amd_pstate_hw_prefcore'] = ro(lambda p: 'enabled\n')
        if (fam == 'intel' and self.hwp) or self.drv == 'amd-pstate-epp':
            f['energy_performance_preference'] = (0o644, self.show_epp,
                                                  self.store_epp)
            f['energy_performance_available_preferences'] = ro(
                lambda p: ' '.join(EPP_NAMES) + ' \n')
        return f

    def _gi(self, p):
        return self.gmap[p.name]

    def show_cur(self, p):
        # acpi-cpufreq reads APERF/MPERF: without boost the turbo step
        # runs at the highest non-turbo frequency.
        if self.family == 'acpi' and self.table_turbo and not p.boost:
            return '%d\n' % min(p.cur, self.table[1])
        return '%d\n' % p.cur

    def store_min(self, p, text):
        v = scan_uint(text, 64)
        if v is None:
            return -errno.EINVAL
        # freq_qos_update_request(): an s32; -1 is "back to default".
        p.umin = 0 if s32(v) == -1 else s32(v)
        self.refresh(p)
        return 0

    def store_max(self, p, text):
        v = scan_uint(text, 64)
        if v is None:
            return -errno.EINVAL
        p.umax = S32_MAX if s32(v) == -1 else s32(v)
        self.refresh(p)
        return 0

    def store_governor(self, p, text):
        name = scan_word(text, 15)
        if name is None:
            return -errno.EINVAL
        name = name.lower()     # strncasecmp in the kernel
        if self.setpolicy:
            if name not in ('performance', 'powersave'):
                return -errno.EINVAL
            if name != p.gov and name == 'performance':
                p.epp_saved, p.epp = p.epp, 0
            elif name != p.gov and p.epp_saved is not None:
                p.epp, p.epp_saved = p.epp_saved, None
        elif name not in self.govs:
            return -errno.EINVAL
        elif name != p.gov and name == 'userspace':
            p.setspeed = p.cur      # userspace starts where the CPU is
        elif name != p.gov:
            p.setspeed = None
        p.gov = name
        self.refresh(p)
        return 0

    def store_setspeed(self, p, text):
        if self.setpolicy or p.gov != 'userspace':
            return -errno.EINVAL
        v = scan_uint(text, 32)
        if v is None:
            return -errno.EINVAL
        p.setspeed = v
        self.target(p, v, 'L')
        return 0

    def set_boost(self, p, on):
        p.boost = on
        if self.family == 'cppc':
            # cppc_cpufreq_set_boost() rewrites the user max request.
            p.umax = self.cpuinfo_max(p)
        self.refresh(p)

    def store_local_boost(self, p, text):
        on = kstrtobool(text)
        if on is None or not self.boost_global or \
                not self.boost_supported():
            return -errno.EINVAL
        if on != p.boost:
            self.set_boost(p, on)
        return 0

    def show_epp(self, p):
        vals = EPP_VALUES[self.family]
        if p.epp in vals[1:]:
            return EPP_NAMES[vals.index(p.epp, 1)] + '\n'
        return '%d\n' % p.epp

    def store_epp(self, p, text):
        word = scan_word(text, 20)
        if word is None:
            return -errno.EINVAL
        vals = EPP_VALUES[self.family]
        if word in EPP_NAMES:
            i = EPP_NAMES.index(word)
            epp = EPP_DEFAULT if i == 0 else vals[i]
        elif self.family == 'intel':
            epp, err = kstrtouint(text)     # raw EPP, HWP_EPP CPUs only
            if err:
                return err
            if epp > 255:
                return -errno.EINVAL
        else:
            return -errno.EINVAL
        # Active mode: performance pins EPP at 0; anything else is EBUSY.
        if self.setpolicy and p.gov == 'performance' and epp > 0:
            return -errno.EBUSY
        p.epp = epp
        return 0

    # ------------------------------------------------ driver globals
    def global_dir(self):
        return {'intel': 'intel_pstate', 'amd': 'amd_pstate'}.get(
            self.family)

    def global_node(self, rest):
        fam = self.family
        files = {'status': (0o644, self.show_status, self.store_status)}
        if fam == 'amd':
            files['prefcore'] = (0o444, lambda: 'enabled\n', None)
        else:
            nt = self.max_khz // STEP - self.min_khz // STEP + 1
            files.update({
                'no_turbo': (0o644, lambda: self._needs_drv(
                    '%d\n' % self.no_turbo), self.store_no_turbo),
                'max_perf_pct': (0o644, lambda: self._needs_drv(
                    '%d\n' % self.max_pct), self.store_max_pct),
                'min_perf_pct': (0o644, lambda: self._needs_drv(
                    '%d\n' % self.min_pct), self.store_min_pct),
                'num_pstates': (0o444, lambda: self._needs_drv(
                    '%d\n' % nt), None),
                'turbo_pct': (0o444, lambda: self._needs_drv(
                    '%d\n' % self.turbo_pct()), None)})
        if not rest:
            return ('d', lambda: list(files))
        if len(rest) != 1 or rest[0] not in files:
            return None
        mode, show, store = files[rest[0]]
        return ('f', mode, show, store, False)

    def _needs_drv(self, text):
        return text if self.drv else -errno.EAGAIN

    def turbo_pct(self):
        """intel_pstate show_turbo_pct(), in its 8-bit fixed point."""
        lo = self.min_khz // STEP
        total = self.max_khz // STEP - lo + 1
        no_turbo = self.base_khz // STEP - lo + 1
        turbo_fp = (no_turbo << 8) // total
        return 100 - ((turbo_fp * (100 << 8)) >> 8 >> 8)

    def show_status(self):
        from emu_model import STATUS
        for name, drv in STATUS[self.family].items():
            if drv == self.drv:
                return name + '\n'
        return 'off\n'

    def store_status(self, text):
        from emu_model import STATUS, AMD_MODES
        word = text.split('\n', 1)[0]
        modes = STATUS[self.family]
        if self.family == 'amd':
            # amd_pstate_update_status(): length 6..7, prefix strncmp.
            if not 6 <= len(word) <= 7:
                return -errno.EINVAL
            hit = [m for m in AMD_MODES if m.startswith(word)]
            if not hit or hit[0] == 'undefined':
                return 0 if hit else -errno.EINVAL
            word = hit[0]
        elif word not in modes:
            return -errno.EINVAL
        if word == 'off' and self.hwp:
            return -errno.EBUSY     # HWP cannot be turned off again
        if modes[word] != self.drv:
            # Unregister and register: every policy starts afresh.
            self._register(modes[word])
        return 0

    def store_no_turbo(self, text):
        v = scan_uint(text, 32)
        if v is None:
            return -errno.EINVAL
        if self.drv is None:
            return -errno.EAGAIN
        nt = 1 if s32(v) > 0 else 0
        if self.turbo_off_bios and not nt:
            if self.no_turbo:
                return -errno.EPERM
            nt = 1
        if nt != self.no_turbo:
            self.no_turbo = nt
            self._refresh_all()
        return 0

    def store_max_pct(self, text):
        v = scan_uint(text, 32)
        if v is None:
            return -errno.EINVAL
        if self.drv is None:
            return -errno.EAGAIN
        self.max_pct = clamp(s32(v), self.min_pct, 100)
        self._refresh_all()
        return 0

    def store_min_pct(self, text):
        v = scan_uint(text, 32)
        if v is None:
            return -errno.EINVAL
        if self.drv is None:
            return -errno.EAGAIN
        self.min_pct = clamp(s32(v), self.min_pct_floor(), self.max_pct)
        self._refresh_all()
        return 0

    def store_boost(self, text):
        on = kstrtobool(text)
        if on is None:
            return -errno.EINVAL
        if on != self.boost_global:
            self.boost_global = on
            for gi, p in self.policies.items():
                if self.group_active(gi) and self.boost_supported():
                    self.set_boost(p, on)
        return 0

    def _refresh_all(self):
        for p in self.policies.values():
            self.refresh(p)
