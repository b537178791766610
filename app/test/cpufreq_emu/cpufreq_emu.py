#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""cpufreq_emu: /sys/devices/system/cpu as a FUSE file system that parses,
refuses, clamps and shares as the kernel's cpufreq sysfs does.

Run with Debian's /usr/bin/python3 (python3-pyfuse3, fuse3). README.md
beside this file describes the model, the shape options and the log.
"""

import argparse
import asyncio
import errno
import json
import os
import select
import stat
import sys
import time
import types

# Run from the source tree: leave no __pycache__ behind in it.
sys.dont_write_bytecode = True
from emu_model import Model, ShapeError, DRIVERS


def import_pyfuse3():
    """pyfuse3, switched to its asyncio mode; None if missing. It imports
    trio when loaded, which its asyncio mode never calls: an empty module
    in trio's place saves ~120 ms of CPU and 6 MB per start (and if a
    release needs more of trio at import, it gets the real one)."""
    if 'trio' not in sys.modules:
        sys.modules['trio'] = types.ModuleType('trio')
        try:
            import pyfuse3
        except Exception:
            sys.modules.pop('pyfuse3', None)
        finally:
            del sys.modules['trio']
    try:
        import pyfuse3
    except ImportError:
        return None
    try:
        import pyfuse3_asyncio      # pyfuse3 before 3.5
    except ImportError:
        try:
            import pyfuse3.asyncio as pyfuse3_asyncio
        except ImportError:
            return None
    pyfuse3_asyncio.enable()
    pyfuse3_asyncio.wait_readable = wait_readable
    return pyfuse3


async def wait_readable(fd):
    select.select([fd], [], [])


pyfuse3 = import_pyfuse3()
Operations = pyfuse3.Operations if pyfuse3 else object
FUSEError = pyfuse3.FUSEError if pyfuse3 else OSError

CTL = '.vmp_emu'
ROOT = 1            # pyfuse3.ROOT_INODE
# Names are cached (a lookup per path component costs a round trip), but
# never attributes or absences: an entry that went away still fails
# stat(), access() and open() at once (see access() and open()).
ENTRY_TIMEOUT = 3600


class EmuFS(Operations):
    """Low-level FUSE front end over the path-based Model.

    An inode number stands for a path, handed out on first lookup and
    kept for the life of the mount (the tree is small and forget() can be
    ignored). Every request resolves its path in the model again, so a
    file that went away since fails as it would on sysfs, and an open file
    handle is its inode. No per-file objects."""

    def __init__(self, model, ready_fd):
        super().__init__()
        self.m = model
        self.ready_fd = ready_fd
        self.t0 = int(time.time() * 1e9)
        self.paths = {ROOT: ''}
        self.inodes = {'': ROOT}

    def init(self):
        # Mounted and serving: tell whoever started us.
        if self.ready_fd is not None:
            os.write(self.ready_fd, b'ready\n')
            os.close(self.ready_fd)
            self.ready_fd = None

    # ------------------------------------------------------------ paths
    def _ino(self, path):
        ino = self.inodes.get(path)
        if ino is None:
            ino = len(self.paths) + 1
            self.paths[ino] = path
            self.inodes[path] = ino
        return ino

    def _path(self, ino):
        try:
            return self.paths[ino]
        except KeyError:
            raise FUSEError(errno.ENOENT)

    def _node(self, path):
        parts = path.split('/') if path else []
        if parts and parts[0] == CTL:
            return self._ctl_node(parts[1:])
        node = self.m.node(parts)
        if node is None:
            raise FUSEError(errno.ENOENT)
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
        raise FUSEError(errno.ENOENT)

    def _ctl(self, text):
        cmd = text.split()
        if cmd == ['clear']:
            self.m.log_clear()
        elif cmd == ['reset']:
            self.m.reset()
        else:
            return -errno.EINVAL
        return 0

    def _attr(self, ino, node):
        a = pyfuse3.EntryAttributes()
        a.st_ino = ino
        a.entry_timeout = ENTRY_TIMEOUT
        a.attr_timeout = 0
        a.st_uid = a.st_gid = 0
        a.st_atime_ns = a.st_mtime_ns = a.st_ctime_ns = self.t0
        a.st_blksize = 4096
        if node[0] == 'd':
            a.st_mode, a.st_nlink, a.st_size = stat.S_IFDIR | 0o755, 2, 0
        elif node[0] == 'l':
            a.st_mode, a.st_nlink = stat.S_IFLNK | 0o777, 1
            a.st_size = len(node[1])
        else:
            a.st_mode, a.st_nlink = stat.S_IFREG | node[1], 1
            a.st_size = 4096
        return a

    # --------------------------------------------------------- requests
    async def lookup(self, parent_inode, name, ctx=None):
        name = name.decode('latin-1')
        parent = self._path(parent_inode)
        if name == '.':
            path = parent
        elif name == '..':
            path = parent.rpartition('/')[0]
        else:
            path = parent + '/' + name if parent else name
        node = self._node(path)
        return self._attr(self._ino(path), node)

    async def forget(self, inode_list):
        pass

    async def getattr(self, inode, ctx=None):
        return self._attr(inode, self._node(self._path(inode)))

    async def setattr(self, inode, attr, fields, fh, ctx):
        node = self._node(self._path(inode))
        if fields.update_mode or fields.update_uid or fields.update_gid:
            raise FUSEError(errno.EPERM)
        # `echo x > file` truncates first; sysfs ignores it.
        return self._attr(inode, node)

    async def readlink(self, inode, ctx):
        node = self._node(self._path(inode))
        if node[0] != 'l':
            raise FUSEError(errno.EINVAL)
        return node[1].encode('latin-1')

    async def opendir(self, inode, ctx):
        if self._node(self._path(inode))[0] != 'd':
            raise FUSEError(errno.ENOTDIR)
        return inode

    async def readdir(self, fh, start_id, token):
        path = self._path(fh)
        node = self._node(path)
        if node[0] != 'd':
            raise FUSEError(errno.ENOTDIR)
        names = ['.', '..'] + node[1]()
        for i in range(start_id, len(names)):
            name = names[i]
            if name == '.':
                sub = path
            elif name == '..':
                sub = path.rpartition('/')[0]
            else:
                sub = path + '/' + name if path else name
            try:
                attr = self._attr(self._ino(sub), self._node(sub))
            except FUSEError:
                continue        # gone meanwhile
            if not pyfuse3.readdir_reply(token, name.encode('latin-1'),
                                         attr, i + 1):
                return

    async def releasedir(self, fh):
        pass

    async def access(self, inode, mode, ctx):
        # Called for access(2) on a cached name: it may be gone since.
        self._node(self._path(inode))
        return True

    async def open(self, inode, flags, ctx):
        path = self._path(inode)
        node = self._node(path)
        if node[0] != 'f':
            raise FUSEError(errno.EISDIR)
        acc = flags & os.O_ACCMODE
        # Files are root's: others get the "other" bits. kernfs refuses
        # an access the file lacks with EACCES even to root, whose DAC
        # override the VFS check lets through.
        mode = node[1] if ctx.uid == 0 else node[1] & 0o007
        if acc in (os.O_WRONLY, os.O_RDWR) and (
                node[3] is None or not mode & 0o222):
            if not node[4]:
                self.m.log(path, None, errno.EACCES)
            raise FUSEError(errno.EACCES)
        if acc in (os.O_RDONLY, os.O_RDWR) and (
                node[2] is None or not mode & 0o444):
            raise FUSEError(errno.EACCES)
        return pyfuse3.FileInfo(fh=inode, direct_io=True, keep_cache=False)

    async def read(self, fh, off, size):
        node = self._node(self._path(fh))
        if node[0] != 'f' or node[2] is None:
            raise FUSEError(errno.EIO)
        text = node[2]()
        if isinstance(text, int):
            raise FUSEError(-text)
        return text.encode('latin-1')[off:off + size]

    async def write(self, fh, off, buf):
        path = self._path(fh)
        node = self._node(path)
        if node[0] != 'f' or node[3] is None:
            raise FUSEError(errno.EIO)
        # sysfs: each write(2) is one store() of the bytes given, cut at
        # a NUL and at most a page; the file offset plays no part.
        data = bytes(buf[:4096])
        text = data.split(b'\0', 1)[0].decode('latin-1')
        ret = node[3](text)
        if not node[4]:
            self.m.log(path, data, -ret if ret else 0)
        if ret:
            raise FUSEError(-ret)
        return len(data)

    async def release(self, fh):
        pass

    async def statfs(self, ctx):
        st = pyfuse3.StatvfsData()
        st.f_bsize = st.f_frsize = 4096
        st.f_namemax = 255
        return st


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog='cpufreq_emu.py',
        description='Linux cpufreq sysfs emulator (FUSE). See README.md.')
    p.add_argument('mountpoint', nargs='?')
    p.add_argument('--check', action='store_true',
                   help='exit 0 if pyfuse3 and /dev/fuse are usable, else '
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
    p.add_argument('--priority', help='intel HWP: CPU list with a base '
                   'frequency 100 MHz higher (SST-BF)')
    p.add_argument('--cpu0-hotplug', action='store_true', default=None)
    p.add_argument('--hotplug', choices=('kernel', 'reset'))
    p.add_argument('--packages', type=int)
    p.add_argument('--uncore', metavar='MIN,MAX', help='intel uncore '
                   'frequency range, kHz, one die a package')
    p.add_argument('--ready-fd', type=int, help='write "ready" here once '
                   'mounted')
    p.add_argument('--log', metavar='FILE', help='also append the write '
                   'log to FILE')
    p.add_argument('--mount-opts', default='', help='extra -o options, '
                   'comma separated')
    return p.parse_args(argv)


def shape_from_args(a):
    shape = {}
    if a.shape:
        with open(a.shape) as f:
            shape = json.load(f)
    for key in ('cpus', 'driver', 'governor', 'governors', 'policy_size',
                'policies', 'freqs', 'min_khz', 'base_khz', 'max_khz',
                'start_khz', 'no_turbo', 'no_boost', 'no_hwp', 'offline',
                'no_cpufreq', 'priority', 'cpu0_hotplug', 'hotplug',
                'packages', 'uncore'):
        val = getattr(a, key)
        if val is not None:
            shape[key] = val
    return shape


def check():
    if pyfuse3 is None:
        print('cpufreq_emu: python module pyfuse3 missing '
              '(Debian: apt-get install python3-pyfuse3)', file=sys.stderr)
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
    opts = {'fsname=cpufreq_emu', 'allow_other'}
    opts.update(filter(None, a.mount_opts.split(',')))
    serve(EmuFS(model, a.ready_fd), a.mountpoint, opts)
    return 0


def serve(fs, mountpoint, opts):
    """pyfuse3's loop, one request at a time, in order. Its own wait for
    the FUSE fd, a trip through the event loop per request, tripled the
    emulator's time per request (~75 us against fusepy's 25 on the 2-core
    CI VM). import_pyfuse3() replaced it with one that blocks: no handler
    ever awaits anything else, so the loop itself never runs again. If a
    pyfuse3 release stops calling it, only that speed is lost."""
    pyfuse3.init(fs, mountpoint, opts)
    try:
        asyncio.run(pyfuse3.main(1, 1))
    finally:
        pyfuse3.close(unmount=False)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
