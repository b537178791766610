# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""The state behind the emulated /sys/devices/system/cpu: CPUs, hotplug,
cpufreq policies and the global driver knobs, after drivers/cpufreq/
cpufreq.c, intel_pstate.c, amd-pstate.c and cppc_cpufreq.c. Policies are
built on first touch, so 4096 CPUs cost nothing until used."""

import errno
import json
import time

from emu_parse import kstrtobool, parse_list, fmt_list
from emu_policy import PolicyMixin
from emu_uncore import UncoreMixin

# name: (family, sets its own policy (no governors), intel/amd status)
DRIVERS = {
    'acpi-cpufreq': ('acpi', False, None),
    'intel_pstate': ('intel', True, 'active'),
    'intel_cpufreq': ('intel', False, 'passive'),
    'amd-pstate': ('amd', False, 'passive'),
    'amd-pstate-guided': ('amd', False, 'guided'),
    'amd-pstate-epp': ('amd', True, 'active'),
    'cppc_cpufreq': ('cppc', False, None),
    # A table driver vmpower does not drive (Arm SoCs): acpi's files.
    'cpufreq-dt': ('acpi', False, None),
}
STATUS = {'intel': {'active': 'intel_pstate', 'passive': 'intel_cpufreq',
                    'off': None},
          'amd': {'disable': None, 'passive': 'amd-pstate',
                  'active': 'amd-pstate-epp', 'guided': 'amd-pstate-guided'}}
AMD_MODES = ('undefined', 'disable', 'passive', 'active', 'guided')
DEFAULT_FREQS = [2401000, 2400000, 2000000, 1600000, 1200000]


class ShapeError(Exception):
    pass


class Model(PolicyMixin, UncoreMixin):
    def __init__(self, shape):
        self.shape = dict(shape)
        self.log_file = None
        self._build()

    # ---------------------------------------------------------- shape
    def _build(self):
        s = self.shape
        try:
            cpus = s.get('cpus', 4)
            if isinstance(cpus, int) or str(cpus).isdigit():
                if int(cpus) < 1:
                    raise ValueError('no CPUs')
                self.present = list(range(int(cpus)))
            else:
                self.present = parse_list(cpus)
            self.offline = set(parse_list(s.get('offline', '')))
            no_freq = set(parse_list(s.get('no_cpufreq', '')))
            self.priority = set(parse_list(s.get('priority', '')))
            pol = s.get('policies', '')
            pol = pol if isinstance(pol, list) else str(pol).split(';')
            groups = [parse_list(g) for g in pol if str(g).strip()]
            self._uncore_build(s)
        except ValueError as e:
            raise ShapeError(str(e))
        if not self.present:
            raise ShapeError('no CPUs')
        self.pset = set(self.present)
        if not self.offline <= self.pset or self.offline >= self.pset:
            raise ShapeError('offline CPUs must be present, one online')
        self.cpu0_hotplug = bool(s.get('cpu0_hotplug'))
        if 0 in self.offline and not self.cpu0_hotplug:
            raise ShapeError('cpu0 cannot be offline without cpu0_hotplug')
        self.hotplug = s.get('hotplug', 'kernel')
        if self.hotplug not in ('kernel', 'reset'):
            raise ShapeError('hotplug is kernel or reset')
        self.possible_max = max(self.present)
        npkg = max(1, int(s.get('packages', 1)))
        self.per_pkg = -(-len(self.present) // npkg)
        self.index = {c: i for i, c in enumerate(self.present)}
        # CPU -> policy group; CPUs without cpufreq belong to none.
        self.gmap = {}
        self.groups = []
        for g in groups:
            if not set(g) <= self.pset or set(g) & set(self.gmap):
                raise ShapeError('policy %s: CPUs not present or shared'
                                 % fmt_list(g))
            for c in g:
                self.gmap[c] = len(self.groups)
            self.groups.append(g)
        size = max(1, int(s.get('policy_size', 1)))
        rest = [c for c in self.present
                if c not in self.gmap and c not in no_freq]
        for i in range(0, len(rest), size):
            for c in rest[i:i + size]:
                self.gmap[c] = len(self.groups)
            self.groups.append(rest[i:i + size])
        self._freqs(s)
        drv = s.get('driver', 'acpi-cpufreq')
        if drv not in DRIVERS:
            raise ShapeError('unknown driver %s' % drv)
        self.family = DRIVERS[drv][0]
        self.govs = str(s.get('governors', 'conservative ondemand userspace '
                              'powersave performance schedutil')).split()
        self.hwp = not s.get('no_hwp') and self.family == 'intel'
        self.turbo_off_bios = self.max_khz <= self.base_khz
        self.log_entries = []
        self.log_cache = None
        self.seq = 0
        self.lists = None
        self._register(drv)

    def _freqs(self, s):
        no_turbo = bool(s.get('no_turbo'))
        if s.get('freqs'):
            f = s['freqs']
            f = f if isinstance(f, list) else str(f).split(',')
            self.table = sorted({int(x) for x in f}, reverse=True)
        else:
            self.table = list(DEFAULT_FREQS)
            if no_turbo:
                self.table = self.table[1:]
        self.table_turbo = (len(self.table) > 1 and
                            self.table[0] == self.table[1] + 1000)
        self.min_khz = int(s.get('min_khz', 1200000))
        self.base_khz = int(s.get('base_khz', 2000000))
        self.max_khz = int(s.get('max_khz', 2400000))
        if no_turbo:
            self.max_khz = self.base_khz
        if not 0 < self.min_khz <= self.base_khz <= self.max_khz:
            raise ShapeError('need 0 < min <= base <= max')
        self.nonlinear_khz = int(s.get('nonlinear_khz', (
            (self.min_khz + self.base_khz) // 200000) * 100000))
        self.start_khz = s.get('start_khz')

    def _register(self, drv):
        """cpufreq_register_driver(): fresh policies for the online CPUs,
        driver globals back to their boot values."""
        self.drv = drv
        self.policies = {}
        self.pname = {}
        self.lists = None
        if drv is None:
            return
        fam, self.setpolicy, self.status = DRIVERS[drv]
        self.boost_global = self.boost_capable() and not self.shape.get(
            'no_boost') and fam != 'cppc'
        self.no_turbo = 1 if self.turbo_off_bios else 0
        self.max_pct = 100
        self.min_pct = self.min_pct_floor()
        gov = self.shape.get('governor')
        if self.setpolicy:
            gov = gov if gov in ('performance', 'powersave') else 'powersave'
        elif gov not in self.govs:
            gov = 'schedutil' if 'schedutil' in self.govs else self.govs[0]
        self.default_gov = gov
        # A policy is named after its first CPU online at registration.
        for gi, g in enumerate(self.groups):
            if g[0] in self.offline:
                on = [c for c in g if c not in self.offline]
                self.pname[gi] = on[0] if on else None
        self.pfiles = self.policy_files()

    def boost_capable(self):
        if self.family == 'acpi':
            return self.table_turbo
        return self.family in ('amd', 'cppc')

    def reset(self):
        log_file = self.log_file
        self._build()
        self.log_file = log_file

    # -------------------------------------------------------- topology
    def online_cpus(self):
        return [c for c in self.present if c not in self.offline]

    def _lists(self):
        if self.lists is None:
            on = self.online_cpus()
            onset = set(on)
            self.lists = {
                'possible': '0-%d' % self.possible_max
                if self.possible_max else '0',
                'present': fmt_list(self.present),
                'online': fmt_list(on),
                'offline': fmt_list(c for c in range(self.possible_max + 1)
                                    if c not in onset),
            }
        return self.lists

    def group_active(self, gi):
        return any(c not in self.offline for c in self.groups[gi])

    def gname(self, gi):
        """Policy directory number, or None when it does not exist."""
        if self.drv is None:
            return None
        return self.pname.get(gi, self.groups[gi][0])

    def _topology(self, cpu):
        i = self.index[cpu]
        pkg = i // self.per_pkg
        siblings = fmt_list(c for c in self.present[pkg * self.per_pkg:
                                                    (pkg + 1) * self.per_pkg]
                            if c not in self.offline)
        return {'core_id': i % self.per_pkg, 'physical_package_id': pkg,
                'die_id': 0, 'core_cpus_list': cpu,
                'thread_siblings_list': cpu, 'package_cpus_list': siblings,
                'core_siblings_list': siblings}

    def _cppc(self):
        p10 = 10000     # perf in 10 MHz units, as librte_power reads it
        return {'highest_perf': self.max_khz // p10,
                'nominal_perf': self.base_khz // p10,
                'guaranteed_perf': self.base_khz // p10,
                'lowest_nonlinear_perf': self.nonlinear_khz // p10,
                'lowest_perf': self.min_khz // p10,
                'reference_perf': self.base_khz // p10,
                'nominal_freq': self.base_khz // 1000,
                'lowest_freq': self.min_khz // 1000,
                'wraparound_time': 18446744073709551615,
                'feedback_ctrs': 'ref:0 del:0'}

    # ------------------------------------------------------------ tree
    @staticmethod
    def ro(text):
        return ('f', 0o444, lambda: '%s\n' % text, None, False)

    def node(self, parts):
        """('d', names()) | ('l', target) | ('f', mode, show, store, ctl)
        for a path below the mount, or None."""
        n = len(parts)
        if n == 0:
            return ('d', self._root_names)
        top = parts[0]
        if top.startswith('cpu') and top[3:].isdigit() and \
                str(int(top[3:])) == top[3:]:
            cpu = int(top[3:])
            return self._cpu_node(cpu, parts[1:]) if cpu in self.pset \
                else None
        if n == 1 and top in ('possible', 'present', 'online', 'offline'):
            return ('f', 0o444, lambda: self._lists()[top] + '\n', None,
                    False)
        if n == 1 and top == 'kernel_max':
            return self.ro(8191)
        if n == 1 and top == 'isolated':
            return self.ro('')
        if top == 'cpufreq':
            return self._cpufreq_node(parts[1:])
        if top == self.global_dir():
            return self.global_node(parts[1:])
        if top == self.UNCORE_DIR and self.uncore:
            return self.uncore_node(parts[1:])
        return None

    def _root_names(self):
        names = ['cpu%d' % c for c in self.present]
        names += ['possible', 'present', 'online', 'offline', 'kernel_max',
                  'isolated', 'cpufreq', '.vmp_emu']
        if self.global_dir():
            names.append(self.global_dir())
        if self.uncore:
            names.append(self.UNCORE_DIR)
        return names

    def _cpu_node(self, cpu, rest):
        names = []
        if cpu or self.cpu0_hotplug:
            names.append('online')
        if cpu not in self.offline:
            names.append('topology')
        gi = self.gmap.get(cpu)
        if gi is not None and self.gname(gi) is not None and (
                self.hotplug == 'kernel' or cpu not in self.offline):
            names.append('cpufreq')
        if self.family in ('cppc', 'amd'):    # amd-pstate needs _CPC too
            names.append('acpi_cppc')
        if not rest:
            return ('d', lambda: names)
        if rest[0] not in names:
            return None
        if rest[0] == 'online':
            if len(rest) > 1:
                return None
            return ('f', 0o644,
                    lambda: '%d\n' % (cpu not in self.offline),
                    lambda t: self.store_online(cpu, t), False)
        if rest[0] == 'cpufreq':
            if len(rest) > 1:   # the kernel resolves the link for us
                return None
            return ('l', '../cpufreq/policy%d' % self.gname(gi))
        files = self._topology(cpu) if rest[0] == 'topology' \
            else self._cppc()
        if len(rest) == 1:
            return ('d', lambda: list(files))
        if len(rest) == 2 and rest[1] in files:
            return self.ro(files[rest[1]])
        return None

    def _cpufreq_node(self, rest):
        if not rest:
            return ('d', self._cpufreq_names)
        name = rest[0]
        if name == 'boost' and len(rest) == 1 and self.drv and \
                self.boost_capable():
            return ('f', 0o644, lambda: '%d\n' % self.boost_global,
                    self.store_boost, False)
        if not name.startswith('policy') or not name[6:].isdigit():
            return None
        cpu = int(name[6:])
        gi = self.gmap.get(cpu)
        if gi is None or self.gname(gi) != cpu:
            return None
        if len(rest) == 1:
            return ('d', lambda: list(self.pfiles))
        if len(rest) != 2 or rest[1] not in self.pfiles:
            return None
        mode, show, store = self.pfiles[rest[1]]
        # cpufreq.c show()/store(): a policy with no CPU online is EBUSY.
        return ('f', mode,
                lambda: show(self.policy(gi)) if self.group_active(gi)
                else -errno.EBUSY,
                store and (lambda t: store(self.policy(gi), t)
                           if self.group_active(gi) else -errno.EBUSY),
                False)

    def _cpufreq_names(self):
        names = ['policy%d' % self.gname(gi) for gi in range(len(self.groups))
                 if self.gname(gi) is not None]
        if self.drv and self.boost_capable():
            names.append('boost')
        return names

    # --------------------------------------------------------- hotplug
    def store_online(self, cpu, text):
        """drivers/base/core.c online_store(): kstrtobool, then
        cpu_up/cpu_down; the last online CPU cannot go (EBUSY)."""
        up = kstrtobool(text)
        if up is None:
            return -errno.EINVAL
        if up == (cpu not in self.offline):
            return 0
        if not up and len(self.offline) + 1 == len(self.present):
            return -errno.EBUSY
        self.lists = None
        if up:
            self.offline.discard(cpu)
            self.cpufreq_online(cpu)
        else:
            self.offline.add(cpu)
            self.cpufreq_offline(cpu)
        return 0

    # ------------------------------------------------------------ log
    def log(self, path, data, err):
        self.seq += 1
        if data is None:
            val = '(open)'
        else:
            val = ''.join(chr(b) if 0x21 <= b <= 0x7e and b != 0x5c else
                          '\\n' if b == 10 else '\\\\' if b == 0x5c else
                          '\\x%02x' % b for b in data)
        line = '%d %d %s %s %s\n' % (
            self.seq, time.monotonic_ns(), path.lstrip('/'), val,
            errno.errorcode.get(err, str(err)) if err else 'OK')
        self.log_entries.append(line)
        self.log_cache = None
        if self.log_file:
            self.log_file.write(line)

    def log_text(self):
        if self.log_cache is None:
            self.log_cache = ''.join(self.log_entries)
        return self.log_cache

    def log_clear(self):
        self.log_entries = []
        self.log_cache = None

    def state_json(self):
        pol = {}
        for gi, p in sorted(self.policies.items()):
            pol['policy%d' % p.name] = dict(
                active=self.group_active(gi), governor=p.gov, min=p.min,
                max=p.max, cur=p.cur, setspeed=p.setspeed, boost=p.boost,
                epp=p.epp, user_min=p.umin, user_max=p.umax)
        st = dict(driver=self.drv, online=self._lists()['online'],
                  policies=pol)
        if self.drv:
            st.update(boost=self.boost_global, no_turbo=self.no_turbo,
                      max_perf_pct=self.max_pct, min_perf_pct=self.min_pct)
        return json.dumps(st, indent=1, sort_keys=True) + '\n'

    def shape_json(self):
        return json.dumps(self.shape, sort_keys=True) + '\n'
