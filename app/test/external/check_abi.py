#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""
The guest library's ABI against its version map (the ABI policy of
doc/guides/guest.rst):

  check_abi.py VERSION_MAP SHARED_LIB STATIC_LIB HEADER...

- the map lists names, no wildcard but the final "local: *";
- the shared library exports exactly the map's functions, each in its
  node, and its soname major N matches the stable node VMPOWER_N;
- the functions the public headers declare are exactly the exported ones;
- those tagged __vmp_experimental are exactly the EXPERIMENTAL node, and
  their code is in section .text.experimental (as DPDK checks).
"""

import re
import subprocess
import sys


def out(cmd):
    return subprocess.run(cmd, capture_output=True, text=True,
                          check=True).stdout


def main():
    vmap, shared, static, headers = sys.argv[1], sys.argv[2], sys.argv[3], \
        sys.argv[4:]
    bad = []
    text = re.sub(r'#.*', '', open(vmap).read())
    nodes = {}
    for name, body in re.findall(r'(\w+)\s*{([^}]*)}', text):
        glob = re.search(r'global:(.*?)(local:|$)', body, re.S)
        names = [n.strip() for n in glob.group(1).split(';') if n.strip()]
        for n in names:
            if not re.fullmatch(r'[A-Za-z_]\w*', n):
                bad.append('%s: %r is not a plain name' % (name, n))
        nodes[name] = set(names)
    stable = [n for n in nodes if re.fullmatch(r'VMPOWER_\d+', n)]
    if len(stable) != 1 or set(nodes) - set(stable) - {'EXPERIMENTAL'}:
        bad.append('nodes %s: want one VMPOWER_<N> and EXPERIMENTAL' %
                   sorted(nodes))
        stable = stable[:1] or ['VMPOWER_?']
    stable = stable[0]
    soname = re.search(r'\(SONAME\).*\[(.*)\]', out(['readelf', '-d',
                                                      shared])).group(1)
    if soname != 'libvmpower-guest.so.' + stable.split('_')[1]:
        bad.append('soname %s does not match node %s' % (soname, stable))

    exported = {}
    for line in out(['nm', '-D', '--defined-only', shared]).splitlines():
        f = line.split()
        if len(f) == 3 and f[1] == 'T':
            sym, _, ver = f[2].partition('@@')
            exported[sym] = ver
    for node, names in nodes.items():
        for n in sorted(names):
            if exported.get(n) != node:
                bad.append('%s (%s in the map): exported as %s' %
                           (n, node, exported.get(n)))
    mapped = set().union(*nodes.values())
    for n in sorted(set(exported) - mapped):
        bad.append('%s exported, not in the map' % n)

    declared, experimental = set(), set()
    for h in headers:
        src = re.sub(r'/\*.*?\*/', '', open(h).read(), flags=re.S)
        for m in re.finditer(r'(__vmp_experimental\s+)?'
                             r'^[a-z][\w\s\*]*?\b(vmp_\w+)\s*\(',
                             src, re.M):
            # From the end of what precedes: "static inline" may stand
            # on a line of its own.
            pp = src.rfind('\n#', 0, m.start(2))
            pp = src.find('\n', pp + 1) if pp >= 0 else -1
            head = src[max(src.rfind(';', 0, m.start(2)),
                           src.rfind('}', 0, m.start(2)), pp) + 1:m.start(2)]
            if 'static' in head or '#' in head:
                continue
            declared.add(m.group(2))
            if m.group(1):
                experimental.add(m.group(2))
    for n in sorted(declared ^ set(exported)):
        bad.append('%s: %s' % (n, 'declared, not exported'
                               if n in declared else
                               'exported, in no public header'))
    if experimental != nodes.get('EXPERIMENTAL', set()):
        bad.append('tagged __vmp_experimental %s, EXPERIMENTAL node %s' %
                   (sorted(experimental),
                    sorted(nodes.get('EXPERIMENTAL', set()))))
    insec = set()
    for line in out(['objdump', '-t', static]).splitlines():
        f = line.split()
        if len(f) >= 6 and f[3] == '.text.experimental' and \
                not f[-1].startswith('.'):
            insec.add(f[-1])
    if insec != experimental:
        bad.append('in .text.experimental %s, tagged %s' %
                   (sorted(insec), sorted(experimental)))

    for b in bad:
        print('FAIL: ' + b)
    print('%s: %d stable, %d experimental functions; %s' %
          (soname, len(nodes.get(stable, ())),
           len(nodes.get('EXPERIMENTAL', ())),
           'ABI checks passed' if not bad else '%d failed' % len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
