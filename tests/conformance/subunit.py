#!/usr/bin/python3
"""Parse smbtorture's subunit (v1 text) output into per-test results.

Usage: subunit.py ENTRY LOGFILE RESULTS_TSV
Appends one line per test to RESULTS_TSV:  test  result  seconds  reason  entry
and prints "success failure skip error xfail incomplete" counts on stdout.

Result is one of success, failure, error, skip, xfail, uxsuccess, incomplete.
'incomplete' means the test started ("test: NAME") but never reported a result:
smbtorture crashed, or the per-test timeout killed it.
The reason is the first non-empty line of the detail, either inline
("failure: NAME [ text ]") or a multi-line block that starts with "[" and ends
with a line holding only "]".
"""
import datetime
import re
import sys

LINE = re.compile(r'^(test|testing|success|successful|failure|fail|skip|error|xfail|uxsuccess|time):\s*(.*)$')
ALIASES = {'successful': 'success', 'fail': 'failure', 'testing': 'test'}


def parse_time(text):
    try:
        return datetime.datetime.strptime(text.strip()[:26], '%Y-%m-%d %H:%M:%S.%f').timestamp()
    except ValueError:
        return None


def split_detail(rest):
    """'NAME [ reason ]' or 'NAME [' -> (name, inline_reason or None, opens_block)."""
    if rest.endswith('['):
        return rest[:-1].rstrip(), None, True
    m = re.match(r'^(.*?)\s+\[(.*)\]\s*$', rest)
    if m:
        return m.group(1).rstrip(), m.group(2).strip(), False
    return rest.strip(), None, False


def parse(path):
    order, started, results, reasons = [], {}, {}, {}
    now = None
    in_block = None
    with open(path, errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if in_block is not None:
                if line.strip() == ']':
                    in_block = None
                elif line.strip() and in_block not in reasons:
                    reasons[in_block] = line.strip()
                continue
            m = LINE.match(line)
            if not m:
                continue
            kind = ALIASES.get(m.group(1), m.group(1))
            rest = m.group(2)
            if kind == 'time':
                now = parse_time(rest) or now
                continue
            name, why, opens = split_detail(rest)
            if kind == 'test':
                if name not in started:
                    order.append(name)
                started[name] = now
                continue
            if name not in started:
                order.append(name)
                started[name] = now
            results[name] = (kind, now)
            if why:
                reasons[name] = why
            if opens:
                in_block = name
    out = []
    for name in order:
        kind, end = results.get(name, ('incomplete', now))
        t0 = started.get(name)
        secs = '%.1f' % (end - t0) if end is not None and t0 is not None else ''
        why = '' if kind == 'success' else reasons.get(name, '')
        why = why.replace('\t', ' ')[:300]
        if kind == 'incomplete' and not why:
            why = 'no result (timeout or crash)'
        out.append((name, kind, secs, why))
    return out


def main():
    entry, log, tsv = sys.argv[1:4]
    rows = parse(log)
    counts = dict.fromkeys(('success', 'failure', 'skip', 'error', 'xfail', 'incomplete'), 0)
    with open(tsv, 'a') as out:
        for name, kind, secs, why in rows:
            counts[kind if kind in counts else 'error'] += 1
            out.write('%s\t%s\t%s\t%s\t%s\n' % (name, kind, secs, why, entry))
    print(' '.join(str(counts[k]) for k in ('success', 'failure', 'skip', 'error', 'xfail', 'incomplete')))


if __name__ == '__main__':
    main()
