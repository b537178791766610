#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The vmpower authors
"""The demo's summary and picture, from its samples (devtools/demo.sh).

    demo_report.py SAMPLES.csv OUT.svg

SAMPLES.csv: one row a sample, t (ms), pcpu0_khz, pcpu1_khz, requests,
acks, nacks, rx, guest (l3fwd-power's lcore 1 line), action (what the
guest did since the sample before). Counters and frequencies of a row
were read at one instant (demo.sh reads the frequencies before and after
the counters, and samples again if they moved). Older files without
nacks, guest or action work too. Prints the summary: every statement in
it is computed from the rows.
"""

import csv
import sys


def num(v):
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


def summary(rows):
    out = []
    f1 = [(r, num(r['pcpu1_khz'])) for r in rows]
    f1 = [(r, v) for r, v in f1 if v]
    if not f1:
        return ['    no frequency was read for pCPU 1']
    t = lambda r: '%5.1f s' % (num(r['t']) / 1000)
    start = f1[0][1]
    out.append('    pCPU 1 (vCPU 1, l3fwd-power lcore 1) started at %d kHz'
               % start)
    prev = start
    for r in rows:
        act = (r.get('action') or '').strip()
        if act:
            for a in act.split(';'):
                out.append('    %s  guest: %s' % (t(r), a.strip()))
        v = num(r['pcpu1_khz'])
        if v and v != prev:
            g = (r.get('guest') or '').strip()
            out.append('    %s  pCPU 1 %d -> %d kHz%s' %
                       (t(r), prev, v, '  (guest: %s)' % g if g else ''))
            prev = v
    vals = [v for _, v in f1]
    out.append('    pCPU 1: peak %d kHz, lowest %d kHz, at the end %d kHz'
               % (max(vals), min(vals), vals[-1]))
    f0 = sorted({num(r['pcpu0_khz']) for r in rows} - {None})
    out.append('    pCPU 0 (vCPU 0, no power requests): %s' %
               ('stayed at %d kHz' % f0[0] if len(f0) == 1 else
                'took %s kHz' % ', '.join(map(str, f0))))
    last = rows[-1]
    req, ack = num(last['requests']) or 0, num(last['acks']) or 0
    nack = num(last.get('nacks'))
    out.append('    the daemon read %d packets from the VM: %d frequency '
               'requests ACKed%s, %d others (CONNECTs, queries: answered '
               'with data or nothing, never ACK)' %
               (req, ack, ', %d NACKed' % nack if nack else '',
                req - ack - (nack or 0)))
    rx = max(num(r['rx']) or 0 for r in rows)
    out.append('    the guest forwarded %d packets' % rx)
    return out


def svg(rows, dest):
    t = [num(r['t']) / 1000 for r in rows]
    rx = [num(r['rx']) or 0 for r in rows]
    # a new round restarts the counter at 0
    rate = [0.0] + [(rx[i] - (rx[i - 1] if rx[i] >= rx[i - 1] else 0)) /
                    max(t[i] - t[i - 1], 1e-3) for i in range(1, len(rows))]
    W, H, L, R, T, B = 900, 420, 80, 90, 40, 50
    tmax = max(t) if t else 1
    fmin, fmax = 1000000, 2500000
    pmax = max(rate) or 1
    X = lambda v: L + (W - L - R) * v / tmax
    Yf = lambda f: T + (H - T - B) * (1 - (f - fmin) / (fmax - fmin))
    Yp = lambda p: T + (H - T - B) * (1 - p / pmax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" '
           f'height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="20" text-anchor="middle" font-size="15">'
           'vmpower demo: pinned host cores vs the VM\'s packet rate</text>']
    for f in range(1200000, 2600000, 400000):
        y = Yf(f)
        out.append(f'<line x1="{L}" x2="{W-R}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{L-6}" y="{y+4:.1f}" text-anchor="end">'
                   f'{f/1e6:.1f} GHz</text>')
    for k in range(0, 5):
        p = pmax * k / 4
        out.append(f'<text x="{W-R+6}" y="{Yp(p)+4:.1f}" fill="#888">'
                   f'{p/1000:.0f}k pkt/s</text>')
    step = max(1, int(tmax / 10))
    for s in range(0, int(tmax) + 1, step):
        out.append(f'<text x="{X(s):.1f}" y="{H-B+18}" '
                   f'text-anchor="middle">{s}s</text>')
    out.append(f'<line x1="{L}" x2="{W-R}" y1="{H-B}" y2="{H-B}" '
               'stroke="black"/>')

    def path(ys, color, width, extra='', steps=False, dy=0.0):
        pts = [(X(a), b + dy) for a, b in zip(t, ys) if b is not None]
        if not pts:
            return
        if steps:
            # a frequency holds until the next sample
            pts = [q for a, b in zip(pts, pts[1:] + [pts[-1]])
                   for q in (a, (b[0], a[1]))]
        d = 'M' + ' L'.join(f'{x:.1f},{y:.1f}' for x, y in pts)
        out.append(f'<path d="{d}" fill="none" stroke="{color}" '
                   f'stroke-width="{width}" {extra}/>')
    path([Yp(p) for p in rate], '#999', 2, 'stroke-dasharray="4 3"')
    # pCPU 1 solid and wide; pCPU 0 dashed, 4 px lower and drawn last, so
    # that both show where they run at the same frequency.
    ys1 = [num(r['pcpu1_khz']) for r in rows]
    path([Yf(v) if v else None for v in ys1], '#d62728', 3, steps=True)
    ys0 = [num(r['pcpu0_khz']) for r in rows]
    path([Yf(v) if v else None for v in ys0], '#1f77b4', 2,
         'stroke-dasharray="8 4"', steps=True, dy=4)
    lg = [('#1f77b4', 'pCPU 0 (vCPU 0) frequency, dashed, drawn 4 px low'),
          ('#d62728', 'pCPU 1 (vCPU 1, l3fwd lcore 1) frequency'),
          ('#999', 'guest packets/s (right axis)')]
    for i, (c, s) in enumerate(lg):
        # right of the middle, below the top line: clear of the curves
        out.append(f'<rect x="{L+360}" y="{T+148+i*16}" width="14" '
                   f'height="4" fill="{c}"/>')
        out.append(f'<text x="{L+380}" y="{T+153+i*16}">{s}</text>')
    out.append('</svg>')
    open(dest, 'w').write('\n'.join(out) + '\n')


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    if not rows:
        print('    no samples')
        return 1
    print('\n'.join(summary(rows)))
    svg(rows, sys.argv[2])
    return 0


if __name__ == '__main__':
    sys.exit(main())
