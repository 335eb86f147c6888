/**
 * The status line on a stand-in terminal: drawn in place, notices on lines of their own above
 * it, erased when stopped, and nothing but notices off a terminal.
 */
import { describe, expect, it } from 'vitest';
import {
  createStatusLine,
  fitStatusLine,
  MIN_BAR_WIDTH,
  MIN_REDRAW_MS,
  progressBar,
  type StatusStream,
} from './status-line.js';

const CLEAR = '\r\x1b[K';

function terminal(isTTY = true, columns = 60): StatusStream & { text: string } {
  const stream = {
    text: '',
    isTTY,
    columns,
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream;
}

/** What a terminal shows: each `\r` goes back to the line start, `\x1b[K` erases the rest of it. */
function screen(text: string): string[] {
  const lines: string[] = [''];
  const erase = '\x1b[K';
  for (const part of text.replaceAll(erase, '\0').split(/(\r|\n|\0)/)) {
    if (part === '\0') lines[lines.length - 1] = '';
    else if (part === '\n') lines.push('');
    else if (part !== '\r') lines[lines.length - 1] += part;
  }
  return lines;
}

describe('status line', () => {
  it('draws the view in place, at most every MIN_REDRAW_MS, and erases it when stopped', () => {
    let now = 0;
    const out = terminal();
    const status = createStatusLine(out, { now: () => now });
    status.show(() => 'one');
    status.show(() => 'two'); // too soon: drawn later
    expect(out.text).toBe(`${CLEAR}one`);
    now += MIN_REDRAW_MS;
    status.show(() => 'three');
    expect(out.text).toBe(`${CLEAR}one${CLEAR}three`);
    status.stop();
    expect(screen(out.text)).toEqual(['']);
    status.show(() => 'after');
    expect(out.text.endsWith('after')).toBe(false);
  });

  it('prints a notice on a line of its own, then the live line again under it', () => {
    const out = terminal();
    const status = createStatusLine(out, { now: () => 0 });
    status.show(() => 'images 3/10');
    status.note('obifaas: cancelling');
    expect(screen(out.text)).toEqual(['obifaas: cancelling', 'images 3/10']);
    status.stop();
    out.write('Job  done\n');
    expect(screen(out.text)).toEqual(['obifaas: cancelling', 'Job  done', '']);
  });

  it('keeps the line narrower than the terminal, so that it never wraps', () => {
    const out = terminal(true, 20);
    createStatusLine(out).show(() => 'x'.repeat(50));
    expect(screen(out.text)).toEqual(['x'.repeat(19)]);
  });

  it('on a narrow terminal narrows the bar, then leaves out last fields whole, never cutting a word', () => {
    const line = `photos ${progressBar(50, 100)} 50/100 | 1 error | 2.0 images/s | ETA 40s | 3 running`;
    expect(fitStatusLine(line, line.length)).toBe(line);
    // 79 columns: the bar gives up what is missing.
    const narrowerBar = fitStatusLine(line, line.length - 6);
    expect(narrowerBar).toBe(line.replace(progressBar(50, 100), progressBar(50, 100, 18)));
    // 50 columns: the bar at its narrowest, and the last fields left out.
    expect(fitStatusLine(line, 49)).toBe(
      `photos ${progressBar(50, 100, MIN_BAR_WIDTH)} 50/100 | 1 error | 2.0 images/s`,
    );
    expect(fitStatusLine(line, 32)).toBe(`photos ${progressBar(50, 100, MIN_BAR_WIDTH)} 50/100 | 1 error`);
    // A first field wider than the terminal is cut.
    expect(fitStatusLine('x'.repeat(50), 19)).toBe('x'.repeat(19));
    for (const width of [79, 49, 32, 31, 10])
      expect(fitStatusLine(line, width).length).toBeLessThanOrEqual(width);
  });

  it('off a terminal draws nothing and prints notices as plain lines', () => {
    const out = terminal(false);
    const status = createStatusLine(out);
    expect(status.enabled).toBe(false);
    status.show(() => 'images 3/10');
    status.note('obifaas: cancelling');
    status.stop();
    expect(out.text).toBe('obifaas: cancelling\n');
  });

  it('bars fill with the share done', () => {
    expect(progressBar(0, 10, 4)).toBe('\u2591'.repeat(4));
    expect(progressBar(5, 10, 4)).toBe('\u2588\u2588\u2591\u2591');
    expect(progressBar(12, 10, 4)).toBe('\u2588'.repeat(4));
    expect(progressBar(0, 0, 4)).toBe('\u2591'.repeat(4));
  });
});
