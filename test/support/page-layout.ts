/**
 * A report page's layout checked as the browser tests check every page, with screenshots kept
 * for people to look at: in `OBIFAAS_TEST_OUTPUT` (default test-output/, ignored by git), under
 * report-browser/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { figureRows, layoutProblems } from './layout.js';
import { repoRoot } from './repo-root.js';

/** Where the browser tests keep what outlives them: screenshots and copies of the pages. */
export const SCREENSHOT_DIR = path.join(
  process.env.OBIFAAS_TEST_OUTPUT ?? path.join(repoRoot, 'test-output'),
  'report-browser',
);

/**
 * Checks the page's layout at 1280 px (as opened), at 400 px and in print at a paper's width
 * (720 px), and keeps a full-page screenshot of each screen width as NAME.png and NAME-400.png.
 * A page of several figures must set some side by side at 1280 px, and one a row at 400 px.
 */
export async function expectGoodLayout(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.mouse.move(0, 0); // no tooltip open
  expect(await layoutProblems(page), `${name} at 1280 px`).toEqual([]);
  const figures = await figureRows(page);
  if (figures.count > 1)
    expect(figures.rows, `${name}: figures side by side at 1280 px`).toBeLessThan(figures.count);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 400, height: 900 });
  expect(await layoutProblems(page), `${name} at 400 px`).toEqual([]);
  expect(await figureRows(page), `${name}: one figure a row at 400 px`).toEqual({
    ...figures,
    rows: figures.count,
  });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-400.png`), fullPage: true });
  await page.setViewportSize({ width: 720, height: 1000 });
  await page.emulateMedia({ media: 'print' });
  expect(await layoutProblems(page, true), `${name} in print`).toEqual([]);
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 1280, height: 900 });
}
