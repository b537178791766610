#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""cpufreq_emu: /sys/devices/system/cpu as a FUSE file system that parses,
refuses, clamps and shares as the kernel's cpufreq sysfs does.

Run with Debian's /usr/bin/python3 (python3-fusepy, fuse3). README.md
beside this file describes the model, the shape options and the log.
"""

import argparse
import errno
import json
import os
import stat
import sys
import time

# Run from the source tree: leave no __pycache__ behind in it.
sys.dont_write_bytecode = True
from emu_model import Model, ShapeError, DRIVERS

try:
    from fusepy import FUSE, Operations, FuseOSError, fuse_get_context
except ImportError:
    try:
        from fuse import FUSE, Operations, FuseOSError, fuse_get_context
    except ImportError:
        FUSE = None
        Operations = object

CTL = '.vmp_emu'


class EmuFS(Operations):
    """Path-based FUSE front end over Model; no per-file objects."""

    use_ns = True

    def __init__(self, model, ready_fd):
        self.m = model
        self.ready_fd = ready_fd
        self.t0 = time.time()

    def init(self, path):
        # Mounted and serving: tell whoever started us.
        if self.ready_fd is not None:
            os.write(self.ready_fd, b'ready\n')
            os.close(self.ready_fd)
            self.ready_fd = None

    def _node(self, path):
        parts = [p for p in path.split('/') if p]
        if parts and parts[0] == CTL:
            return self._ctl_node(parts[1:])
        node = self.m.node(parts)
        if node is None:
            raise FuseOSError(errno.ENOENT)
        return node

    def _ctl_node(self, rest):
        files = {'log': (0o444, self.m.log_text, None),
                 'state': (0o444, self.m.state_json, None),
                 'shape': (0o444, self.m.shape_json, None),
                 'ctl': (0o200, None, self._ctl)}
        if not rest:
            return ('d', lambda: list(files))
        if len(rest) == 1 and rest[0] in files:
            mode, show, store = files[rest[0]]
            return ('f', mode, show, store, True)
        raise FuseOSError(errno.ENOENT)

    def _ctl(self, text):
        cmd = text.split()
        if cmd == ['clear']:
            self.m.log_clear()
        elif cmd == ['reset']:
            self.m.reset()
        else:
            return -errno.EINVAL
        return 0

    def getattr(self, path, fh=None):
        node = self._node(path)
        t = int(self.t0 * 1e9)
        st = {'st_uid': 0, 'st_gid': 0, 'st_atime': t, 'st_mtime': t,
              'st_ctime': t}
        if node[0] == 'd':
            st.update(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, st_size=0)
        elif node[0] == 'l':
            st.update(st_mode=stat.S_IFLNK | 0o777, st_nlink=1,
                      st_size=len(node[1]))
        else:
            st.update(st_mode=stat.S_IFREG | node[1], st_nlink=1,
                      st_size=4096)
        return st

    def readdir(self, path, fh):
        node = self._node(path)
        if node[0] != 'd':
            raise FuseOSError(errno.ENOTDIR)
        return ['.', '..'] + node[1]()

    def readlink(self, path):
        node = self._node(path)
        if node[0] != 'l':
            raise FuseOSError(errno.EINVAL)
        return node[1]

    def access(self, path, mode):
        # Called for access(2) on a cached name: it may be gone since.
        self._node(path)
        return 0

    def open(self, path, flags):
        node = self._node(path)
        if node[0] != 'f':
            raise FuseOSError(errno.EISDIR)
        acc = flags & os.O_ACCMODE
        # Files are root's: others get the "other" bits. kernfs refuses
        # an access the file lacks with EACCES even to root, whose DAC
        # override the VFS check lets through.
        mode = node[1] if fuse_get_context()[0] == 0 else node[1] & 0o007
        if acc in (os.O_WRONLY, os.O_RDWR) and (
                node[3] is None or not mode & 0o222):
            if not node[4]:
                self.m.log(path, None, errno.EACCES)
            raise FuseOSError(errno.EACCES)
        if acc in (os.O_RDONLY, os.O_RDWR) and (
                node[2] is None or not mode & 0o444):
            raise FuseOSError(errno.EACCES)
        return 0

    def read(self, path, size, offset, fh):
        node = self._node(path)
        if node[0] != 'f' or node[2] is None:
            raise FuseOSError(errno.EIO)
        text = node[2]()
        if isinstance(text, int):
            raise FuseOSError(-text)
        data = text.encode('latin-1')
        return data[offset:offset + size]

    def write(self, path, data, offset, fh):
        node = self._node(path)
        if node[0] != 'f' or node[3] is None:
            raise FuseOSError(errno.EIO)
        # sysfs: each write(2) is one store() of the bytes given, cut at
        # a NUL and at most a page; the file offset plays no part.
        data = data[:4096]
        text = data.split(b'\0', 1)[0].decode('latin-1')
        ret = node[3](text)
        if not node[4]:
            self.m.log(path, data, -ret if ret else 0)
        if ret:
            raise FuseOSError(-ret)
        return len(data)

    def truncate(self, path, length, fh=None):
        # `echo x > file` truncates first; sysfs ignores it.
        self._node(path)
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        return 0

    def chmod(self, path, mode):
        raise FuseOSError(errno.EPERM)

    def chown(self, path, uid, gid):
        raise FuseOSError(errno.EPERM)

    def statfs(self, path):
        return {'f_bsize': 4096, 'f_namemax': 255}


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog='cpufreq_emu.py',
        description='Linux cpufreq sysfs emulator (FUSE). See README.md.')
    p.add_argument('mountpoint', nargs='?')
    p.add_argument('--check', action='store_true',
                   help='exit 0 if fusepy and /dev/fuse are usable, else '
                   '77 with the reason')
    p.add_argument('--dump', metavar='PATH', action='append',
                   help='print a file of the tree and exit (no mount)')
    p.add_argument('--shape', metavar='FILE', help='JSON shape file')
    p.add_argument('--cpus', help='count, or list of present CPU ids')
    p.add_argument('--driver', choices=sorted(DRIVERS))
    p.add_argument('--governor')
    p.add_argument('--governors', help='space separated, registered ones')
    p.add_argument('--policy-size', type=int)
    p.add_argument('--policies', help='CPU lists joined by ";"')
    p.add_argument('--freqs', help='acpi-cpufreq table, kHz, comma list')
    p.add_argument('--min', type=int, dest='min_khz')
    p.add_argument('--base', type=int, dest='base_khz')
    p.add_argument('--max', type=int, dest='max_khz')
    p.add_argument('--start', type=int, dest='start_khz')
    p.add_argument('--no-turbo', action='store_true', default=None)
    p.add_argument('--no-boost', action='store_true', default=None)
    p.add_argument('--no-hwp', action='store_true', default=None)
    p.add_argument('--offline', help='CPU list offline at start')
    p.add_argument('--no-cpufreq', help='CPU list without cpufreq')
    p.add_argument('--cpu0-hotplug', action='store_true', default=None)
    p.add_argument('--hotplug', choices=('kernel', 'reset'))
    p.add_argument('--packages', type=int)
    p.add_argument('--ready-fd', type=int, help='write "ready" here once '
                   'mounted')
    p.add_argument('--log', metavar='FILE', help='also append the write '
                   'log to FILE')
    p.add_argument('--mount-opts', default='', help='extra -o options')
    return p.parse_args(argv)


def shape_from_args(a):
    shape = {}
    if a.shape:
        with open(a.shape) as f:
            shape = json.load(f)
    for key in ('cpus', 'driver', 'governor', 'governors', 'policy_size',
                'policies', 'freqs', 'min_khz', 'base_khz', 'max_khz',
                'start_khz', 'no_turbo', 'no_boost', 'no_hwp', 'offline',
                'no_cpufreq', 'cpu0_hotplug', 'hotplug', 'packages'):
        val = getattr(a, key)
        if val is not None:
            shape[key] = val
    return shape


def check():
    if FUSE is None:
        print('cpufreq_emu: python module fusepy missing '
              '(Debian: apt-get install python3-fusepy)', file=sys.stderr)
        return 77
    try:
        os.close(os.open('/dev/fuse', os.O_RDWR))
    except OSError as e:
        print('cpufreq_emu: /dev/fuse: %s' % e.strerror, file=sys.stderr)
        return 77
    return 0


def main(argv):
    a = parse_args(argv)
    if a.check:
        return check()
    try:
        model = Model(shape_from_args(a))
    except ShapeError as e:
        print('cpufreq_emu: bad shape: %s' % e, file=sys.stderr)
        return 2
    if a.dump:
        for path in a.dump:
            node = model.node([p for p in path.split('/') if p])
            if node is None or node[0] != 'f':
                print('%s: no such file' % path, file=sys.stderr)
                return 1
            out = node[2]()
            print(out if isinstance(out, str) else
                  'error %s' % errno.errorcode[-out], end='')
        return 0
    if not a.mountpoint:
        print('cpufreq_emu: mountpoint missing', file=sys.stderr)
        return 2
    ret = check()
    if ret:
        return ret
    if a.log:
        model.log_file = open(a.log, 'a', buffering=1)
    # Names are cached (a lookup per path component costs ~100 us), but
    # never attributes or absences: an entry that went away still fails
    # stat(), access() and open() at once (see access() and open()).
    opts = dict(foreground=True, nothreads=True, allow_other=True,
                direct_io=True, entry_timeout=3600, attr_timeout=0,
                negative_timeout=0, fsname='cpufreq_emu')
    for o in filter(None, a.mount_opts.split(',')):
        k, _, v = o.partition('=')
        opts[k] = v or True
    FUSE(EmuFS(model, a.ready_fd), a.mountpoint, **opts)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
