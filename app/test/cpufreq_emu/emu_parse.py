# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""The kernel's ways of reading a sysfs write (lib/vsprintf.c vsscanf,
lib/kstrtox.c), so that the emulator takes and refuses the same bytes."""

WS = ' \t\n\v\f\r'
S32_MAX = 0x7fffffff
U32 = 0xffffffff


def _skip_ws(s, i=0):
    while i < len(s) and s[i] in WS:
        i += 1
    return i


def _digits(s, i):
    j = i
    while j < len(s) and '0' <= s[j] <= '9':
        j += 1
    return j


def scan_uint(s, bits=32):
    """sscanf(buf, "%u" or "%lu"): white space, decimal digits, anything
    after them ignored; no sign. None when nothing converts. The kernel
    wraps on overflow."""
    i = _skip_ws(s)
    j = _digits(s, i)
    if j == i:
        return None
    return int(s[i:j]) & ((1 << bits) - 1)


def scan_word(s, width):
    """sscanf(buf, "%<width>s"): the first white-space-free word."""
    i = _skip_ws(s)
    j = i
    while j < len(s) and s[j] not in WS and j - i < width:
        j += 1
    return s[i:j] if j > i else None


def kstrtobool(s):
    """kstrtobool(): only the first one or two characters count."""
    c = s[:1]
    if c in ('y', 'Y', 't', 'T', '1'):
        return True
    if c in ('n', 'N', 'f', 'F', '0'):
        return False
    if c in ('o', 'O') and len(s) > 1:
        if s[1] in 'nN':
            return True
        if s[1] in 'fF':
            return False
    return None


def kstrtouint(s):
    """kstrtouint(buf, 10): optional '+', digits, one optional trailing
    newline, nothing else. Returns (value, 0) or (None, -errno)."""
    if s.endswith('\n'):
        s = s[:-1]
    if s.startswith('+'):
        s = s[1:]
    if not s or _digits(s, 0) != len(s):
        return None, -22     # EINVAL
    v = int(s)
    if v > U32:
        return None, -34     # ERANGE
    return v, 0


def s32(v):
    v &= U32
    return v - (1 << 32) if v > S32_MAX else v


def parse_list(text):
    """A CPU list such as "0-3,8,10-11" as a sorted list of ids."""
    out = set()
    for part in str(text).replace(' ', '').split(','):
        if not part:
            continue
        a, _, b = part.partition('-')
        if not a.isdigit() or (b and not b.isdigit()):
            raise ValueError('bad CPU list %r' % text)
        lo, hi = int(a), int(b or a)
        if hi < lo:
            raise ValueError('bad CPU range %r' % part)
        out.update(range(lo, hi + 1))
    return sorted(out)


def fmt_list(cpus):
    """Sorted ids as the kernel prints a cpulist ("0-3,8")."""
    out = []
    start = prev = None
    for c in cpus:
        if prev is not None and c == prev + 1:
            prev = c
            continue
        if start is not None:
            out.append(str(start) if start == prev else
                       '%d-%d' % (start, prev))
        start = prev = c
    if start is not None:
        out.append(str(start) if start == prev else '%d-%d' % (start, prev))
    return ','.join(out)
