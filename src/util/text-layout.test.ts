/**
 * Tables and labelled values within a terminal's width: unchanged when they fit (or without a
 * width), then headers broken at spaces, then the first column on its own line, then columns
 * folded onto as many lines as they need; never a line as wide as the terminal, no cell broken.
 */
import { describe, expect, it } from 'vitest';
import { labelledLines, textTable, type TextColumn } from './text-layout.js';

const columns: TextColumn[] = [
  { header: 'name', align: 'left' },
  { header: 'wall s', align: 'right' },
  { header: 'cost per image', align: 'right' },
];
const rows = [
  ['a-rather-long-name', '1.50', '$0.20'],
  ['b', '12.00', '$3.00'],
];

describe('textTable', () => {
  it('is one line per row when it fits, or without a width', () => {
    const wide = [
      'name                wall s  cost per image',
      'a-rather-long-name    1.50           $0.20',
      'b                    12.00           $3.00',
    ];
    expect(textTable(columns, rows)).toEqual(wide);
    expect(textTable(columns, rows, { width: 80 })).toEqual(wide);
  });

  it('breaks its headers at spaces, then puts the first column alone, then folds', () => {
    expect(textTable(columns, rows, { width: 40 })).toEqual([
      '                            cost',
      '                     wall    per',
      'name                    s  image',
      'a-rather-long-name   1.50  $0.20',
      'b                   12.00  $3.00',
    ]);
    expect(textTable(columns, rows, { width: 30 })).toEqual([
      'name',
      '    wall s  cost per image',
      'a-rather-long-name',
      '      1.50           $0.20',
      'b',
      '     12.00           $3.00',
    ]);
    const folded = textTable(columns, rows, { width: 20 });
    for (const line of folded) expect(line.length).toBeLessThan(20);
    expect(folded.join(' ').replace(/ +/g, ' ')).toContain('a-rather-long-name 1.50 $0.20 b 12.00 $3.00');
  });
});

describe('labelledLines', () => {
  it('wraps a long value under itself, its label alone in its column', () => {
    expect(
      labelledLines([['plan', 'one two three four five six seven eight nine ten']], { width: 36 }),
    ).toEqual(['plan  one two three four five six\n      seven eight nine ten']);
  });
});
