/**
 * A real browser for tests: Debian's `chromium`, driven by playwright-core, headless, with a
 * fresh profile and nothing that reaches the network. Where no browser is found, the test fails
 * and says how to install one (CI installs it in .ci/run).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where the browser is looked for: `OBIFAAS_CHROMIUM`, then Debian's and other usual paths. */
const CANDIDATES = [
  process.env.OBIFAAS_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser's path; throws, saying how to install it, where there is none. */
export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p));
  if (found) return found;
  throw new Error(
    'NO BROWSER: the report tests need Chromium and found none at ' +
      CANDIDATES.filter(Boolean).join(', ') +
      '. Install it with `apt-get install -y chromium` (Debian; .ci/run does this), or set OBIFAAS_CHROMIUM to a Chromium binary.',
  );
}

/** A page opened from a file, with every console error and page error it raised. */
export interface OpenedPage {
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/** Opens `file` (from `file://`) in a fresh headless Chromium. */
export async function openFile(file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedPage> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'obifaas-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  // Nothing but the file itself may load.
  await page.route(/^(?!file:|data:)/, (route) => {
    errors.push(`network request: ${route.request().url()}`);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return {
    page,
    errors,
    close: async () => {
      await context?.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
