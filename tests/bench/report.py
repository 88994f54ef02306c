#!/usr/bin/python3
"""report.py RESULTS.tsv [HEADER.md] - the benchmark table (Markdown) from the raw results.

RESULTS.tsv lines: row <TAB> unit <TAB> better(h|l|-) <TAB> target <TAB> server <TAB> value
(value "ERR:<reason>" for a failed run). Each row shows the median per server over its runs,
the cifsd/Samba ratio of the medians, the target and whether it is met. Rows keep the order
of their first appearance. A benchmark: this never fails on a number.
"""
import statistics
import sys


def fmt(v):
    if v >= 1000:
        return '%.0f' % v
    if v >= 100:
        return '%.1f' % v
    if v >= 1:
        return '%.2f' % v
    return '%.3f' % v


def main():
    rows = {}
    order = []
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.rstrip('\n').split('\t')
            if len(parts) != 6:
                continue
            row, unit, better, target, server, value = parts
            if row not in rows:
                rows[row] = {'unit': unit, 'better': better, 'target': target, 'cifsd': [], 'samba': [],
                             'ref': [], 'err': {}}
                order.append(row)
            r = rows[row]
            if value.startswith('ERR'):
                r['err'].setdefault(server, value[4:] or 'error')
            else:
                try:
                    r[server].append(float(value))
                except (ValueError, KeyError):
                    pass
    out = []
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            out.append(f.read().rstrip('\n'))
            out.append('')
    out.append('| benchmark | unit | cifsd | Samba | cifsd/Samba | target | met | runs |')
    out.append('|---|---|---|---|---|---|---|---|')
    notes = []
    refs = [n for n in order if rows[n]['ref']]
    for name in order:
        r = rows[name]
        if r['ref']:
            continue
        cells = []
        med = {}
        for s in ('cifsd', 'samba'):
            if r[s]:
                med[s] = statistics.median(r[s])
                cells.append(fmt(med[s]))
            elif s in r['err']:
                cells.append('n/a (error)')
                notes.append('%s, %s: %s' % (name, s, r['err'][s][:160]))
            else:
                cells.append('-')
        ratio = ''
        met = ''
        if 'cifsd' in med and 'samba' in med and med['samba'] > 0:
            q = med['cifsd'] / med['samba']
            ratio = '%.2f' % q
            t = r['target']
            if t.startswith('>='):
                met = 'yes' if q >= float(t[2:]) else 'no'
            elif t.startswith('<='):
                met = 'yes' if q <= float(t[2:]) else 'no'
        runs = '%d/%d' % (len(r['cifsd']), len(r['samba']))
        tgt = (r['target'].replace('>=', '≥ ').replace('<=', '≤ ') + '×') if r['target'] not in ('', '-') else ''
        out.append('| %s | %s | %s | %s | %s | %s | %s | %s |' % (name, r['unit'], cells[0], cells[1], ratio, tgt,
                                                                met, runs))
    if refs:
        out.append('')
        out.append('| machine reference | unit | value (median) | runs |')
        out.append('|---|---|---|---|')
        for name in refs:
            r = rows[name]
            out.append('| %s | %s | %s | %d |' % (name, r['unit'], fmt(statistics.median(r['ref'])), len(r['ref'])))
    if notes:
        out.append('')
        out.append('Errors:')
        for n in notes:
            out.append('- ' + n.replace('|', '/'))
    print('\n'.join(out))


if __name__ == '__main__':
    main()
