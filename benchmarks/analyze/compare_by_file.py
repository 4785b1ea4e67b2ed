#!/usr/bin/env python3
"""Compares `cloc --skip-uniqueness --by-file --json DIR` with
`count --by-file DIR`, file by file and per language.

Usage: compare_by_file.py CLOC_JSON COUNT_TSV [--show N]
Prints a per-language agreement table (files, blank, comment, code for both
tools and the relative differences) and the first N files that differ.
"""
import json
import sys
from collections import defaultdict


def main():
    cloc_path, ours_path = sys.argv[1], sys.argv[2]
    show = int(sys.argv[sys.argv.index('--show') + 1]) if '--show' in sys.argv else 10
    cloc = json.load(open(cloc_path))
    cloc_files = {k: v for k, v in cloc.items() if k not in ('header', 'SUM')}
    ours = {}
    for line in open(ours_path, encoding='utf-8', errors='surrogateescape'):
        parts = line.rstrip('\n').split('\t')
        if parts[0] == '#skip':
            continue
        path, lang, blank, comment, code = parts
        ours[path] = {'language': lang, 'blank': int(blank),
                      'comment': int(comment), 'code': int(code)}
    per_lang = defaultdict(lambda: {'cloc': [0, 0, 0, 0], 'ours': [0, 0, 0, 0]})
    for side, files in (('cloc', cloc_files), ('ours', ours)):
        for v in files.values():
            row = per_lang[v['language']][side]
            row[0] += 1
            row[1] += v['blank']
            row[2] += v['comment']
            row[3] += v['code']
    print('| language | files cloc | files ours | blank cloc | blank ours | '
          'comment cloc | comment ours | code cloc | code ours | max diff |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    order = sorted(per_lang, key=lambda l: -per_lang[l]['cloc'][3])
    totals = {'cloc': [0, 0, 0, 0], 'ours': [0, 0, 0, 0]}
    for lang in order:
        c, o = per_lang[lang]['cloc'], per_lang[lang]['ours']
        for i in range(4):
            totals['cloc'][i] += c[i]
            totals['ours'][i] += o[i]
        diff = max((abs(c[i] - o[i]) / c[i] if c[i] else (1.0 if o[i] else 0.0))
                   for i in range(1, 4))
        print(f'| {lang} | {c[0]} | {o[0]} | {c[1]} | {o[1]} | {c[2]} | {o[2]} | '
              f'{c[3]} | {o[3]} | {diff * 100:.3f}% |')
    c, o = totals['cloc'], totals['ours']
    diff = max(abs(c[i] - o[i]) / c[i] if c[i] else 0.0 for i in range(1, 4))
    print(f'| **total** | {c[0]} | {o[0]} | {c[1]} | {o[1]} | {c[2]} | {o[2]} | '
          f'{c[3]} | {o[3]} | {diff * 100:.3f}% |')
    same = sum(1 for p, v in cloc_files.items() if ours.get(p) == v)
    print(f'\nfiles identical (language and all three counts): {same} of '
          f'{len(cloc_files)} (cloc) / {len(ours)} (ours)')
    only_cloc = sorted(set(cloc_files) - set(ours))
    only_ours = sorted(set(ours) - set(cloc_files))
    differing = sorted(p for p in set(cloc_files) & set(ours) if cloc_files[p] != ours[p])
    for title, items in (('only counted by cloc', only_cloc),
                         ('only counted by us', only_ours),
                         ('counted differently', differing)):
        print(f'{title}: {len(items)}')
        for p in items[:show]:
            print(f'   {p}: cloc={cloc_files.get(p)} ours={ours.get(p)}')
    return 0 if not (only_cloc or only_ours or differing) else 1


if __name__ == '__main__':
    sys.exit(main())
