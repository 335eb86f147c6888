import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OBIFAAS_VERSION } from './version.js';

describe('OBIFAAS_VERSION', () => {
  it("is package.json's version", () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(OBIFAAS_VERSION).toBe(manifest.version);
  });
});
