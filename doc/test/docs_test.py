#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""The docs test: the documentation must say what the code does.

1. builds the guides (sphinx-build -W) and the API reference (doxygen,
   warnings as errors) into a temporary directory;
2. checks that every option of vm_power_mgr, guest_cli and l3fwd-power
   (their --help) and every CLI command appears in the guides and in the
   man pages, and that the man pages format without warnings;
3. compares the protocol tables of protocol.rst (offsets, sizes,
   constants) with what the compiler says (vmp_proto_layout);
4. runs every block of the guides that carries a marker comment
   (".. vmpower-test: KIND ...") as that kind says:

   run NAME     a step of scenario NAME, run in document order: a file
                (code-block with an absolute :caption:) is written, a
                console transcript is run and its answers compared
   options P    command lines of program P: every --option is one P has
   build        meson/ninja lines: -D options exist in meson_options.txt
   compile      C code compiles against the public headers
   messages     each line is a message some format string in the code
                prints
   layout S, constants   protocol tables (see 3)
   domain-xml   a libvirt domain: schema-valid, and its power channels
                are the ones the daemon finds
   systemd      a unit file: ExecStart's program and options exist; the
                command runs (sandboxed) and stops on quit
   not-run WHY  shown only: needs what a test machine has not (counted)

   A code block without a marker fails the test: nothing shown goes
   unchecked by accident.

Transcripts: "# cmd" is a shell command (trailing "\\" continues it, "&"
runs it in the background and it must have exited by itself when its
scenario ends, "<<EOF" takes the lines up to "EOF" as its input); a command followed by prompt lines starts an
interactive program: "vmpower> " the daemon's CLI, "vmpower-guest> " the
guest CLI, "--> " dpdk-telemetry.py. Other lines are the expected output:
lines like "NAME: text" (upper-case NAME) are log lines, looked for on
standard error; the rest must equal standard output line by line
(telemetry answers are compared as JSON). A guest CLI reading a pipe names
the line of an error ("error: line 7: ..."); that prefix is dropped, as on
a terminal.

Shell variables: a command "NAME=value" (e.g. "DIR=$(mktemp -d)") sets
NAME for every later command of its scenario, interactive programs
included. Where the value appears in an answer it is compared as "$NAME":
a transcript shows "$DIR/qemu/vm0.0" where the program printed
"/tmp/tmp.x1Yz/qemu/vm0.0". mktemp works in a directory of the test's
own (TMPDIR), removed at the end.

Scenarios run as root in a private mount namespace (unshare -m) with
tmpfs over /run/dpdk and /run/vmpower: nothing left behind, no clash with
another run. Without that privilege they are skipped (exit 77 if all
else passed).
"""

import argparse
import csv
import io
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ARGS = None
FAILS = []
NOTES = []
PRIVATE_DIRS = ['/run/dpdk', '/run/vmpower']
ASSIGN_RE = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)=(\S.*)$')
HEREDOC_RE = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
LOG_RE = re.compile(r'^[A-Z][A-Z0-9_]*: ')
PROMPTS = {'vmpower> ': 'daemon', 'vmpower-guest> ': 'guest',
           '--> ': 'telemetry'}


def fail(where, msg):
    FAILS.append('%s: %s' % (where, msg))
    print('FAIL %s: %s' % (where, msg), flush=True)


def note(msg):
    NOTES.append(msg)
    print(msg, flush=True)


# --- reading the guides ----------------------------------------------------

class Block:
    def __init__(self, path, line, marker, directive, arg, options, body):
        self.path, self.line = path, line
        self.marker = marker          # list of words, or None
        self.directive = directive    # code-block, literalinclude, ...
        self.arg = arg
        self.options = options
        self.body = body              # list of lines, unindented

    def where(self):
        return '%s:%d' % (os.path.relpath(self.path, ARGS.source), self.line)


def guide_files():
    gdir = os.path.join(ARGS.source, 'doc', 'guides')
    order = ['index']
    text = open(os.path.join(gdir, 'index.rst')).read()
    m = re.search(r'\.\. toctree::\n((?:   .*\n|\n)+)', text)
    for ln in m.group(1).splitlines():
        ln = ln.strip()
        if ln and not ln.startswith(':'):
            order.append(ln)
    return [os.path.join(gdir, n + '.rst') for n in order]


def parse_blocks(path):
    lines = open(path).read().split('\n')
    blocks, marker, i = [], None, 0
    while i < len(lines):
        ln = lines[i]
        m = re.match(r'^\.\. vmpower-test: (.*)$', ln)
        if m:
            marker = m.group(1).split()
            i += 1
            continue
        m = re.match(r'^\.\. (code-block|literalinclude|csv-table)::\s*(.*)$',
                     ln)
        if not m:
            if ln.strip() and not ln.startswith('..'):
                marker = None if not ln.startswith(' ') else marker
            i += 1
            continue
        start = i + 1
        i += 1
        options = {}
        while i < len(lines) and re.match(r'^   :([\w-]+):(.*)$', lines[i]):
            om = re.match(r'^   :([\w-]+):(.*)$', lines[i])
            options[om.group(1)] = om.group(2).strip()
            i += 1
        body = []
        while i < len(lines) and (lines[i].startswith('   ') or
                                  lines[i].strip() == ''):
            body.append(lines[i][3:])
            i += 1
        while body and body[-1].strip() == '':
            body.pop()
        while body and body[0].strip() == '':
            body.pop(0)
        blocks.append(Block(path, start, marker, m.group(1), m.group(2),
                            options, body))
        marker = None
    return blocks


# --- building --------------------------------------------------------------

def build_docs(out):
    src = ARGS.source
    t = time.time()
    r = subprocess.run(['sphinx-build', '-W', '--keep-going', '-q', '-b',
                        'html', '-d', os.path.join(out, 'doctrees'),
                        '-D', 'version=' + ARGS.version,
                        '-D', 'release=' + ARGS.version,
                        os.path.join(src, 'doc', 'guides'),
                        os.path.join(out, 'guides')],
                       capture_output=True, text=True)
    if r.returncode != 0 or r.stderr.strip():
        fail('sphinx-build', r.stderr.strip() or 'exit %d' % r.returncode)
    conf = open(os.path.join(src, 'doc', 'api', 'doxy-api.conf.in')).read()
    conf = conf.replace('@TOPDIR@', src).replace(
        '@OUTPUT@', os.path.join(out, 'api')).replace('@VERSION@',
                                                     ARGS.version)
    os.makedirs(os.path.join(out, 'api'))
    cpath = os.path.join(out, 'doxy-api.conf')
    open(cpath, 'w').write(conf)
    r = subprocess.run(['doxygen', cpath], capture_output=True, text=True)
    if r.returncode != 0 or r.stderr.strip():
        fail('doxygen', r.stderr.strip() or 'exit %d' % r.returncode)
    for f in ('guides/index.html', 'guides/try.html', 'api/html/index.html',
              'api/html/vmp__guest__power_8h.html'):
        if not os.path.exists(os.path.join(out, f)):
            fail('docs build', 'no ' + f)
    note('docs built in %.1f s: guides and API reference, no warnings' %
         (time.time() - t))


# --- options, commands, man pages ------------------------------------------

def program(name):
    env = {'vm_power_mgr': 'VM_POWER_MGR', 'guest_cli': 'GUEST_CLI',
           'vmpowerctl': 'VMPOWERCTL',
           'l3fwd-power': 'L3FWD_POWER', 'vmp_sandbox': 'VMP_SANDBOX'}[name]
    return os.environ[env]


def eal_run(cmd, **kw):
    """Run a program that starts EAL (options in @cmd before '--'), under a
    --file-prefix of this test's, whose runtime directory EAL makes even
    with --no-shconf and never removes: removed here."""
    prefix = 'vmp_docs_%d' % os.getpid()
    at = cmd.index('--')
    cmd = cmd[:at] + ['--file-prefix', prefix] + cmd[at:]
    base = '/var/run/dpdk' if os.geteuid() == 0 else os.path.join(
        os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk')
    try:
        return subprocess.run(cmd, **kw)
    finally:
        shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)


def help_text(name):
    eal = ['--no-huge', '--no-pci', '-m', '128', '--no-shconf',
           '--log-level=*:error']
    if name != 'l3fwd-power':
        # Ours parse their own options before EAL's: no EAL here.
        r = subprocess.run([program(name), '--', '--help'],
                           capture_output=True, text=True, timeout=30)
        return r.stdout
    r = eal_run([program(name)] + eal + ['--', '--help'],
                capture_output=True, text=True, timeout=30)
    return r.stdout


def help_options(name):
    # Lines that describe an option start with it; EAL's are not there.
    opts = set()
    for ln in help_text(name).splitlines():
        if re.match(r'^\s+-', ln):
            head = re.split(r'\s{2,}', ln.strip())[0]
            opts |= set(re.findall(r'(?<![\w-])(--[a-z][a-z0-9-]*|'
                                   r'-[a-zA-Z])\b', head))
    return opts


def daemon_commands():
    src = open(os.path.join(ARGS.source, 'examples', 'vm_power_manager',
                            'cli_commands.c')).read()
    return re.findall(r'TOK_CMD\(\w+, "(\w+)"\)', src)


def guest_commands():
    r = eal_run([program('guest_cli'), '-l', '0', '--no-huge',
                 '--no-pci', '-m', '64', '--no-shconf',
                 '--log-level=*:error', '--', '--channel-path',
                 '/nonexistent/port'], input='help\n',
                capture_output=True, text=True, timeout=30)
    lines = r.stdout.splitlines()
    return [ln.split()[0] for ln, nxt in zip(lines, lines[1:])
            if ln and not ln[0].isspace() and nxt.startswith('    ')]


def man_options(man):
    # The options of the OPTIONS section's items (the line after .TP).
    sect = re.search(r'^\.SH OPTIONS\n(.*?)^\.SH ', man, re.M | re.S)
    lines = sect.group(1).splitlines() if sect else []
    opts = set()
    for prev, ln in zip(lines, lines[1:]):
        if prev.startswith('.TP'):
            opts |= set(re.findall(r'(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])'
                                   r'\b', ln.replace('\\-', '-')))
    return opts


def check_man_renders(path, installed):
    # groff with every warning, and man(1) as a reader runs it: the
    # page's name, as installed, heads the output.
    r = subprocess.run(['groff', '-man', '-ww', '-z', '-Tutf8', path],
                       capture_output=True, text=True)
    if r.returncode != 0 or r.stderr.strip():
        fail(os.path.basename(path), 'groff: ' +
             (r.stderr.strip() or 'failed'))
    th = re.search(r'^\.TH (\S+) (\d)', open(path).read(), re.M)
    if not th or th.group(1).replace('\\-', '-').lower() != installed:
        fail(os.path.basename(path), '.TH does not name %s, its installed '
             'name' % installed)
    if not shutil.which('man'):
        return
    r = subprocess.run(['man', '-P', 'cat', '-l', path], capture_output=True,
                       text=True, env=dict(os.environ, MANWIDTH='80',
                                           LC_ALL='C.UTF-8'))
    if not th:
        return
    want = '%s(%s)' % (th.group(1).replace('\\-', '-'), th.group(2))
    if r.returncode != 0 or r.stderr.strip() or \
            not r.stdout.lstrip().startswith(want):
        fail(os.path.basename(path), 'man -l: exit %d, %r, first line %r '
             '(want %s)' % (r.returncode, r.stderr.strip(),
                            r.stdout.strip().split('\n')[0], want))


def check_coverage(texts):
    host = texts['host'] + texts['try']
    guest = texts['guest']
    man8 = open(os.path.join(ARGS.source, 'doc', 'man',
                             'vm_power_mgr.8')).read()
    man1 = open(os.path.join(ARGS.source, 'doc', 'man',
                             'guest_cli.1')).read()
    manl3 = open(os.path.join(ARGS.source, 'doc', 'man',
                              'l3fwd-power.1')).read()

    def man_has(man, word):
        return word in man or word.replace('-', '\\-') in man

    for name, doc, man in (('vm_power_mgr', host, man8),
                           ('guest_cli', guest, man1),
                           ('l3fwd-power', guest +
                            texts['l3fwd_power_options'], manl3)):
        opts = help_options(name)
        if len(opts) < 3:
            fail(name, '--help lists no options: %r' % opts)
        for o in sorted(opts):
            if '``%s' % o not in doc:
                fail(name, 'option %s is not in the guides' % o)
            if not man_has(man, o):
                fail(name, 'option %s is not in its man page' % o)
        # And the other way: each option the man page describes is one
        # the program has.
        for o in sorted(man_options(man) - opts):
            fail(name, 'its man page describes option %s, which --help '
                 'does not list' % o)
    cmds = daemon_commands()
    if len(cmds) < 10:
        fail('vm_power_mgr', 'found only commands %r' % cmds)
    for c in cmds:
        if '``%s' % c not in host:
            fail('vm_power_mgr', 'command %s is not in the host guide' % c)
        if not man_has(man8, c):
            fail('vm_power_mgr', 'command %s is not in its man page' % c)
    gcmds = guest_commands()
    if len(gcmds) < 8:
        fail('guest_cli', 'help lists only %r' % gcmds)
    for c in gcmds:
        if c == 'lcore':
            continue
        if '``%s' % c not in guest:
            fail('guest_cli', 'command %s is not in the guest guide' % c)
        if not man_has(man1, c):
            fail('guest_cli', 'command %s is not in its man page' % c)
    for tel in re.findall(r'rte_telemetry_register_cmd\("([^"]+)"',
                          open(os.path.join(ARGS.source, 'examples',
                               'vm_power_manager',
                               'power_telemetry.c')).read()):
        if '``%s' % tel not in host:
            fail('telemetry', '%s is not in the host guide' % tel)
    # Each page under its installed name (doc/meson.build renames two).
    for man, installed in (('vm_power_mgr.8', 'vm_power_mgr'),
                           ('vmpowerctl.8', 'vmpowerctl'),
                           ('guest_cli.1', 'vmpower-guest-cli'),
                           ('l3fwd-power.1', 'vmpower-l3fwd-power')):
        check_man_renders(os.path.join(ARGS.source, 'doc', 'man', man),
                          installed)
    note('options, commands and telemetry: %d daemon, %d guest CLI commands '
         'checked in guides and man pages' % (len(cmds), len(gcmds)))


# --- protocol tables -------------------------------------------------------

def layout():
    out = subprocess.run([os.environ['VMP_PROTO_LAYOUT']],
                         capture_output=True, text=True, check=True).stdout
    fields, sizes, consts = {}, {}, {}
    for ln in out.splitlines():
        w = ln.split()
        if w[0] == 'field':
            fields.setdefault(w[1], []).append((w[2], int(w[3]), int(w[4])))
        elif w[0] == 'size':
            sizes[w[1]] = int(w[2])
        else:
            consts[w[1]] = int(w[2])
    return fields, sizes, consts


def table_rows(b):
    return [r for r in csv.reader(io.StringIO('\n'.join(b.body)),
                                  skipinitialspace=True) if r]


def check_layout(b, lay):
    struct = b.marker[1]
    fields, sizes, _ = lay
    want = fields.get(struct)
    if want is None:
        fail(b.where(), 'no struct %s' % struct)
        return
    rows = table_rows(b)
    got = []
    for r in rows:
        name = re.sub(r'[`\[\]].*$', '', r[2].strip('`')).strip()
        got.append((name, int(r[0]), int(r[1])))
    if got != want:
        fail(b.where(), 'layout of %s differs:\n  docs %s\n  code %s' %
             (struct, got, want))
    m = re.search(r'(\d+) bytes', b.arg)
    if not m or int(m.group(1)) != sizes[struct]:
        fail(b.where(), 'size of %s is %d bytes' % (struct, sizes[struct]))


def check_constants(b, lay):
    consts = lay[2]
    for r in table_rows(b):
        name = 'VMP_PROTO_' + r[0].strip('`')
        if name not in consts:
            fail(b.where(), '%s: no such constant' % name)
        elif int(r[1]) != consts[name]:
            fail(b.where(), '%s is %d, not %s' % (name, consts[name], r[1]))


# --- messages --------------------------------------------------------------

def c_formats():
    fmts = []
    for top in ('lib', 'examples'):
        for dirpath, _, files in os.walk(os.path.join(ARGS.source, top)):
            for f in files:
                if not f.endswith('.c') and not f.endswith('.h'):
                    continue
                src = open(os.path.join(dirpath, f)).read()
                src = re.sub(r'/\*.*?\*/', ' ', src, flags=re.S)
                # String macros between literals: #define UNIT_USAGE "..."
                for name, val in re.findall(
                        r'^#define\s+(\w+)\s+("(?:[^"\\\n]|\\.)*")\s*$',
                        src, re.M):
                    src = re.sub(r'\b%s\b' % name, lambda m: val, src)
                src = re.sub(r'"\s*PRI[udx]64\s*"', 'lu', src)
                for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"(?:\s*"((?:[^"'
                                     r'\\\n]|\\.)*)")*', src):
                    lits = re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0))
                    fmts.append(''.join(lits))
    res = []
    for f in fmts:
        f = f.replace('\\n', '').replace('\\"', '"').replace("\\'", "'")
        literal = re.sub(r'%[-0-9.*]*(?:l|ll|z|h)?[sdufxc%]', '', f)
        if len(literal) < 8:
            continue
        rx = ''
        for part in re.split(r'(%[-0-9.*]*(?:l|ll|z|h)?[sdufxc%])', f):
            if part.startswith('%') and part != '%%':
                rx += '(.+)' if part.endswith('s') else r'(-?\d+)'
            elif part == '%%':
                rx += '%'
            else:
                rx += re.escape(part)
        res.append(re.compile(rx + r'$'))
    return res


def check_messages(b, fmts):
    for ln in b.body:
        if not ln.strip():
            continue
        msg = LOG_RE.sub('', ln.strip(), count=1)
        cands = {msg, re.sub(r'^error: (line \d+: )?', '', msg),
                 re.sub(r'^VM \S+ channel \d+: ', '', msg)}
        if not any(f.match(c) for f in fmts for c in cands):
            fail(b.where(), 'no such message in the code: %s' % ln.strip())


# --- command lines ---------------------------------------------------------

def command_lines(body):
    """Shell commands of a transcript: (command, [output lines])."""
    cmds, cur = [], None
    i = 0
    while i < len(body):
        ln = body[i]
        if ln.startswith('# '):
            c = ln[2:]
            while c.endswith('\\') and i + 1 < len(body):
                i += 1
                c = c[:-1].rstrip() + ' ' + body[i].strip()
            cur = (c, [])
            cmds.append(cur)
        elif cur is not None:
            cur[1].append(ln)
        i += 1
    return cmds


def check_options(b, name, opts_cache):
    if name not in opts_cache:
        opts_cache[name] = help_options(name)
    for c, _ in command_lines(b.body):
        words = shlex.split(c)
        if not any(os.path.basename(w) == name for w in words):
            continue
        after = words[words.index('--') + 1:] if '--' in words else []
        for w in after:
            if w.startswith('-') and w.split('=')[0] not in opts_cache[name]:
                fail(b.where(), '%s has no option %s' % (name, w))


def check_build(b):
    opts = re.findall(r"option\('(\w+)'", open(os.path.join(
        ARGS.source, 'meson_options.txt')).read())
    for c, _ in command_lines(b.body) or [(ln, []) for ln in b.body]:
        for o in re.findall(r'-D(\w+)=', c):
            if o not in opts:
                fail(b.where(), 'no meson option %s' % o)
        m = re.search(r'ninja -C \S+ (\w+)', c)
        if m and m.group(1) not in ('doc', 'install', 'test'):
            fail(b.where(), 'no ninja target %s' % m.group(1))


def check_compile(b, tmp):
    src = os.path.join(tmp, 'block_%d.c' % b.line)
    if b.directive == 'literalinclude':
        shutil.copy(os.path.join(os.path.dirname(b.path), b.arg), src)
    else:
        open(src, 'w').write('\n'.join(b.body) + '\n')
    cflags = subprocess.run(['pkg-config', '--cflags', 'libdpdk'],
                            capture_output=True, text=True).stdout.split()
    r = subprocess.run(['cc', '-fsyntax-only', '-Wall', '-Werror', '-I',
                        os.path.join(ARGS.source, 'lib', 'guest_channel'),
                        '-I', os.path.join(ARGS.source, 'lib', 'protocol'),
                        src] + cflags, capture_output=True, text=True)
    if r.returncode != 0:
        fail(b.where(), 'does not compile:\n' + r.stderr)


def check_domain_xml(b, tmp):
    import xml.etree.ElementTree as ET
    path = os.path.join(tmp, 'domain.xml')
    text = '\n'.join(b.body) + '\n'
    open(path, 'w').write(text)
    if shutil.which('virt-xml-validate'):
        r = subprocess.run(['virt-xml-validate', path, 'domain'],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(b.where(), 'not a valid domain:\n' + r.stdout + r.stderr)
    else:
        fail(b.where(), 'virt-xml-validate not found (libvirt-clients)')
    dom = ET.fromstring(text)
    vcpus = int(dom.find('vcpu').text)
    chans = [c for c in dom.findall('devices/channel')
             if c.get('type') == 'unix' and
             (c.find('target').get('name') or '').startswith(
                 'virtio.serial.port.poweragent.') and
             c.find('source') is not None and c.find('source').get('path')]
    if len(chans) != vcpus:
        fail(b.where(), '%d power channels for %d vCPUs' % (len(chans),
                                                             vcpus))


# --- scenarios -------------------------------------------------------------

class Proc:
    """A program with pipes; stdout and stderr read without blocking."""

    def __init__(self, cmd, kind=None, env=None):
        self.kind = kind
        self.p = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=ARGS.source,
                                  start_new_session=True, env=env)
        self.out, self.err = b'', b''
        for f in (self.p.stdout, self.p.stderr):
            os.set_blocking(f.fileno(), False)

    def pump(self, timeout):
        fds = [f for f in (self.p.stdout, self.p.stderr) if not f.closed]
        r, _, _ = select.select(fds, [], [], timeout)
        got = False
        for f in r:
            data = f.read()
            if data:
                got = True
                if f is self.p.stdout:
                    self.out += data
                else:
                    self.err += data
        return got

    def wait_for(self, pred, timeout=10):
        end = time.time() + timeout
        while not pred():
            if time.time() > end:
                return False
            if not self.pump(min(0.2, end - time.time())) and \
                    self.p.poll() is not None:
                self.pump(0)
                return pred()
        return True

    def send(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()


SENTINEL = {'daemon': ('vmpower_docs_sync',
                       "unknown command 'vmpower_docs_sync'"),
            'guest': ('vmpower_docs_sync',
                      "unknown command 'vmpower_docs_sync' (try help)")}


def rewrite(cmd):
    """build/ in a documented command is the build directory under test."""
    build = ARGS.build
    if os.path.realpath(build) == os.path.realpath(
            os.path.join(ARGS.source, 'build')):
        return cmd
    return re.sub(r'(?<![\w/.-])build/', build.rstrip('/') + '/', cmd)


class Scenario:
    def __init__(self, name):
        self.name = name
        self.procs = {}     # kind -> Proc
        self.bg = []
        self.logs_seen = {}
        self.tmp = tempfile.mkdtemp(prefix='vmp_docs_%s.' % name)
        self.vars = {}      # shell variables the transcript set
        self.env = dict(os.environ, TMPDIR=self.tmp)

    def unexpand(self, text):
        """The variables' values in a program's output, back to $NAME."""
        for name, val in sorted(self.vars.items(), key=lambda v: -len(v[1])):
            if val:
                text = text.replace(val, '$' + name)
        return text

    def assign(self, name, cmd, b, k):
        r = subprocess.run('%s; printf %%s "$%s"' % (cmd, name), shell=True,
                           cwd=ARGS.source, capture_output=True, text=True,
                           timeout=30, env=self.env)
        if r.returncode != 0 or not r.stdout:
            fail(self.where(b, k), '%s: exit %d, value %r\n%s' %
                 (cmd, r.returncode, r.stdout, r.stderr))
        self.vars[name] = r.stdout
        self.env[name] = r.stdout

    def where(self, b, k):
        return '%s (scenario %s, line %d)' % (b.where(), self.name, k)

    def expect_logs(self, proc, logs, b, k):
        def seen(lg):
            return lg in self.unexpand(proc.err.decode(errors='replace'))
        for lg in logs:
            if not proc.wait_for(lambda: seen(lg), 10):
                fail(self.where(b, k), 'log line not seen: %s\n%s' %
                     (lg, proc.err.decode(errors='replace')[-2000:]))

    def compare(self, got, want, b, k, cmd):
        want = [w for w in want if not LOG_RE.match(w)]
        got = [self.unexpand(g) for g in got]
        if got != want:
            fail(self.where(b, k), '%s: answer differs\n  docs:\n    %s\n'
                 '  got:\n    %s' % (cmd, '\n    '.join(want),
                                      '\n    '.join(got)))

    def cli(self, proc, cmd, out, b, k):
        kind = proc.kind
        sync, marker = SENTINEL[kind]
        proc.out = b''
        if cmd == 'quit':
            proc.send(cmd + '\n')
            proc.p.stdin.close()
            proc.wait_for(lambda: proc.p.poll() is not None, 10)
            proc.pump(0)
            text = proc.out.decode(errors='replace').replace('\r', '')
            got = [ln for ln in text.split('\n') if ln.strip()]
            if kind == 'daemon':
                got = [ln for ln in got if ln.strip() != 'quit']
            self.expect_logs(proc, [w for w in out if LOG_RE.match(w)],
                             b, k)
            self.compare(got, out, b, k, cmd)
            # 3: a command of the transcript failed, as it shows.
            if proc.p.wait(10) not in (0, 3):
                fail(self.where(b, k), '%s exited %d' % (kind,
                                                         proc.p.returncode))
            del self.procs[kind]
            return
        proc.send(cmd + '\n' + sync + '\n')
        if not proc.wait_for(lambda: marker.encode() in proc.out, 10):
            fail(self.where(b, k), '%s: no answer; output:\n%s\nerr:\n%s' %
                 (cmd, proc.out.decode(errors='replace'),
                  proc.err.decode(errors='replace')[-2000:]))
            return
        text = proc.out.decode(errors='replace').replace('\r', '')
        text = text[:text.index(marker)]
        lines = text.split('\n')
        if kind == 'daemon':
            # Its CLI echoes what it reads from a pipe.
            lines = [ln for ln in lines if ln.strip() not in (cmd, sync)]
        else:
            lines = [re.sub(r'^error: line \d+: ', 'error: ', ln)
                     for ln in lines]
            if lines and lines[-1].startswith('error: '):
                lines = lines[:-1]
        got = [ln for ln in lines if ln != '']
        self.expect_logs(proc, [w for w in out if LOG_RE.match(w)], b, k)
        self.compare(got, out, b, k, cmd)

    def telemetry(self, cmd, items, b, k):
        p = subprocess.run(rewrite(cmd), shell=True, cwd=ARGS.source,
                           input=''.join(c + '\n' for c, _ in items),
                           capture_output=True, text=True, timeout=30,
                           env=self.env)
        got = [ln for ln in self.unexpand(p.stdout).split('\n')
               if ln.strip()]
        if len(got) != len(items):
            fail(self.where(b, k), 'telemetry: %d answers for %d commands:'
                 '\n%s%s' % (len(got), len(items), p.stdout, p.stderr))
            return
        for (c, want), g in zip(items, got):
            try:
                w = json.loads('\n'.join(want))
            except ValueError as e:
                fail(self.where(b, k), '%s: documented answer is not JSON:'
                     ' %s' % (c, e))
                continue
            if json.loads(g) != w:
                fail(self.where(b, k), '%s: answer differs\n  docs: %s\n'
                     '  got:  %s' % (c, json.dumps(w), g))

    def run_block(self, b):
        if b.directive in ('code-block', 'literalinclude') and \
                b.options.get('caption', '').startswith('/'):
            dest = b.options['caption']
            if b.directive == 'literalinclude':
                shutil.copy(os.path.join(os.path.dirname(b.path), b.arg),
                            dest)
            else:
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                open(dest, 'w').write('\n'.join(b.body) + '\n')
            return
        body = b.body
        i = 0
        while i < len(body):
            ln = body[i]
            k = b.line + i
            if ln.startswith('# '):
                cmd = ln[2:]
                while cmd.endswith('\\') and i + 1 < len(body):
                    i += 1
                    cmd = cmd[:-1].rstrip() + ' ' + body[i].strip()
                hd = HEREDOC_RE.search(cmd)
                if hd:
                    while i + 1 < len(body):
                        i += 1
                        cmd += '\n' + body[i]
                        if body[i] == hd.group(1):
                            break
                    else:
                        fail(self.where(b, k), 'no end of here-document')
                asg = ASSIGN_RE.match(cmd)
                if asg:
                    self.assign(asg.group(1), cmd, b, k)
                    i += 1
                    continue
                out = []
                i += 1
                while i < len(body) and not body[i].startswith('# ') and \
                        not any(body[i].startswith(p) for p in PROMPTS):
                    out.append(body[i])
                    i += 1
                nxt = next((PROMPTS[p] for p in PROMPTS
                            if i < len(body) and body[i].startswith(p)),
                           None)
                if nxt == 'telemetry':
                    items = []
                    while i < len(body) and body[i].startswith('--> '):
                        c = body[i][4:]
                        i += 1
                        ans = []
                        while i < len(body) and \
                                not body[i].startswith('--> ') and \
                                not body[i].startswith('# '):
                            ans.append(body[i])
                            i += 1
                        items.append((c, ans))
                    self.telemetry(cmd, items, b, k)
                elif nxt is not None:
                    p = Proc(rewrite(cmd), nxt, self.env)
                    self.procs[nxt] = p
                    self.expect_logs(p, [w for w in out if LOG_RE.match(w)],
                                     b, k)
                elif cmd.endswith('&'):
                    self.bg.append((Proc(rewrite(cmd[:-1]), env=self.env),
                                    self.where(b, k)))
                    time.sleep(0.3)
                else:
                    r = subprocess.run(rewrite(cmd), shell=True,
                                       cwd=ARGS.source, capture_output=True,
                                       text=True, timeout=60, env=self.env)
                    if r.returncode != 0:
                        fail(self.where(b, k), '%s: exit %d\n%s' %
                             (cmd, r.returncode, r.stderr))
                    got = [x for x in r.stdout.split('\n') if x]
                    self.compare(got, out, b, k, cmd)
                continue
            prompt = next((p for p in PROMPTS if ln.startswith(p)), None)
            if prompt is None:
                fail(self.where(b, k), 'output without a command: ' + ln)
                i += 1
                continue
            kind = PROMPTS[prompt]
            cmd = ln[len(prompt):]
            out = []
            i += 1
            while i < len(body) and not body[i].startswith('# ') and \
                    not any(body[i].startswith(p) for p in PROMPTS):
                out.append(body[i])
                i += 1
            if kind not in self.procs:
                fail(self.where(b, k), 'no %s running for: %s' % (kind, cmd))
                continue
            self.cli(self.procs[kind], cmd, out, b, k)

    def check_bg(self):
        """The transcript says nothing of stopping them: they must end."""
        for p, where in self.bg:
            if not p.wait_for(lambda: p.p.poll() is not None, 5):
                fail(where, 'still running at the end of scenario %s' %
                     self.name)

    def finish(self):
        for p in list(self.procs.values()) + [p for p, _ in self.bg]:
            p.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def enter_namespace():
    """Re-run this script in a private mount namespace; True if inside."""
    if os.environ.get('VMP_DOCS_NS') == '1':
        for d in PRIVATE_DIRS:
            os.makedirs(d, exist_ok=True)
            subprocess.run(['mount', '-t', 'tmpfs', '-o', 'mode=0755',
                            'vmpower-docs', d], check=True)
        return True
    if shutil.which('unshare') is None or os.geteuid() != 0:
        return False
    r = subprocess.run(['unshare', '--mount', '--propagation', 'private',
                        'true'], capture_output=True)
    return r.returncode == 0


def run_scenarios(blocks):
    scen = {}
    for b in blocks:
        if b.marker and b.marker[0] == 'run':
            scen.setdefault(b.marker[1], []).append(b)
    for d in PRIVATE_DIRS:
        os.makedirs(d, exist_ok=True)
    env = dict(os.environ, VMP_DOCS_NS='1')
    t = time.time()
    r = subprocess.run(['unshare', '--mount', '--propagation', 'private',
                        sys.executable, os.path.abspath(__file__),
                        '--source', ARGS.source, '--build', ARGS.build,
                        '--version', ARGS.version, '--scenarios-only'],
                       env=env, timeout=170)
    if r.returncode != 0:
        fail('scenarios', 'failed (see above)')
    note('%d scenarios (%s), %d blocks run in %.1f s' %
         (len(scen), ', '.join(sorted(scen)),
          sum(len(v) for v in scen.values()), time.time() - t))


def scenarios_inside(blocks):
    enter_namespace()
    scen = {}
    for b in blocks:
        if b.marker and b.marker[0] == 'run':
            scen.setdefault(b.marker[1], []).append(b)
    for b in blocks:
        if b.marker and b.marker[0] == 'systemd':
            systemd_smoke(b)
    for name, bl in scen.items():
        s = Scenario(name)
        try:
            for b in bl:
                s.run_block(b)
            s.check_bg()
        finally:
            s.finish()


def systemd_unit(b):
    unit = {}
    body = b.body
    if b.directive == 'literalinclude':
        body = open(os.path.join(os.path.dirname(b.path),
                                 b.arg)).read().split('\n')
    for ln in body:
        m = re.match(r'^(\w+)=(.*)$', ln)
        if m:
            unit.setdefault(m.group(1), []).append(m.group(2))
    return unit


def check_systemd(b, opts_cache):
    unit = systemd_unit(b)
    for k in ('ExecStart', 'Type', 'Description', 'WantedBy'):
        if k not in unit:
            fail(b.where(), 'unit has no %s=' % k)
    cmd = ' '.join(shlex.split(unit['ExecStart'][0])[2:]) \
        if unit['ExecStart'][0].startswith('/bin/sh -c') else \
        unit['ExecStart'][0]
    fake = Block(b.path, b.line, None, '', '', {}, ['# ' + cmd])
    check_options(fake, 'vm_power_mgr', opts_cache)


def systemd_smoke(b):
    """Run the unit's command (not under systemd, in a sandbox, its own
    state directory), ask it through vmpowerctl, stop it with quit."""
    unit = systemd_unit(b)
    for c in unit.get('ExecStartPre', []):
        subprocess.run(c, shell=True, check=True)
    state = tempfile.mkdtemp(prefix='vmp_docs_unit.')
    ctl = [program('vmpowerctl'), '--socket', state + '/control']
    cmd = unit['ExecStart'][0]
    cmd = cmd.replace('/usr/local/sbin/vm_power_mgr',
                      'exec %s --cpus 2 -- %s' % (program('vmp_sandbox'),
                                                  program('vm_power_mgr')))
    # Its own state and channel directories: not the host's
    # /tmp/powermonitor.
    cmd = cmd.replace(' -- --', ' --file-prefix systemd -- --state-dir %s '
                      '--channel-dir %s/channels --' % (state, state), 1)
    # libvirt's test driver, not the host's VMs: a libvirtd with VMs of
    # its own (a developer's, the vm suite's) must not change the answer.
    cmd = cmd.replace('--libvirt-uri qemu:///system',
                      '--libvirt-uri test:///default')
    p = Proc('/bin/sh -c %s' % shlex.quote(cmd))
    where = b.where() + ' (ExecStart)'
    try:
        if not p.wait_for(lambda: b'ready:' in p.err, 10):
            fail(where, 'did not start:\n' + p.err.decode(errors='replace'))
        r = subprocess.run(ctl + ['list_vms'], capture_output=True,
                           text=True, timeout=10)
        if r.returncode != 0 or 'no VMs' not in r.stdout:
            fail(where, 'vmpowerctl list_vms: exit %d: %s%s' %
                 (r.returncode, r.stdout, r.stderr))
        subprocess.run(ctl + ['quit'], capture_output=True, timeout=10)
        try:
            rc = p.p.wait(10)
        except subprocess.TimeoutExpired:
            rc = -1
        p.pump(0)
        if rc != 0 or b'restoring cores' not in p.err:
            fail(where, 'did not stop cleanly on quit (exit %s)' % rc)
    finally:
        p.stop()
        shutil.rmtree(state, ignore_errors=True)


# --- main ------------------------------------------------------------------

def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument('--source', required=True)
    ap.add_argument('--build', required=True)
    ap.add_argument('--version', default='dev')
    ap.add_argument('--scenarios-only', action='store_true')
    ARGS = ap.parse_args()
    ARGS.source = os.path.abspath(ARGS.source)
    ARGS.build = os.path.abspath(ARGS.build)
    files = guide_files()
    blocks = [b for f in files for b in parse_blocks(f)]
    if ARGS.scenarios_only:
        scenarios_inside(blocks)
        return 1 if FAILS else 0

    tmp = tempfile.mkdtemp(prefix='vmp_docs.')
    try:
        build_docs(tmp)
        texts = {os.path.basename(f)[:-4]: open(f).read() for f in files}
        check_coverage(texts)
        lay = layout()
        fmts = c_formats()
        opts_cache = {}
        not_run = []
        for b in blocks:
            kind = b.marker[0] if b.marker else None
            if kind is None:
                fail(b.where(), '%s without a ".. vmpower-test:" marker' %
                     b.directive)
            elif kind == 'layout':
                check_layout(b, lay)
            elif kind == 'constants':
                check_constants(b, lay)
            elif kind == 'messages':
                check_messages(b, fmts)
            elif kind == 'options':
                check_options(b, b.marker[1], opts_cache)
            elif kind == 'build':
                check_build(b)
            elif kind == 'compile':
                check_compile(b, tmp)
            elif kind == 'domain-xml':
                check_domain_xml(b, tmp)
            elif kind == 'systemd':
                check_systemd(b, opts_cache)
            elif kind == 'not-run':
                not_run.append('%s (%s)' % (b.where(),
                                            ' '.join(b.marker[1:])))
            elif kind != 'run':
                fail(b.where(), 'unknown marker %s' % kind)
        if enter_namespace():
            run_scenarios(blocks)
            skipped = False
        else:
            note('SKIP scenarios: no private mount namespace here '
                 '(needs root and unshare)')
            skipped = True
        for n in not_run:
            note('shown, not run: ' + n)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print('%d docs check(s) failed' % len(FAILS))
        return 1
    print('docs: %d blocks checked' % len(blocks))
    return 77 if skipped else 0


if __name__ == '__main__':
    sys.exit(main())
