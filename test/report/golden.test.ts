// Golden files for every reporter and every fixture: the output is compared byte for byte with the
// committed file in test/fixtures/golden/<format>/. UPDATE_GOLDEN=1 rewrites them (review the diff).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderReport, reportFormats } from '../../src/report/index.js';
import { fixtures } from './fixtures.js';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');
const EXTENSION: Record<string, string> = {
  json: 'json',
  text: 'txt',
  junit: 'xml',
  md: 'md',
  html: 'html',
  tap: 'tap',
};
const update = process.env.UPDATE_GOLDEN === '1';

describe('reporter golden files', () => {
  it('covers every registered format', () => {
    expect(Object.keys(EXTENSION).sort()).toEqual([...reportFormats].sort());
  });

  for (const format of Object.keys(EXTENSION)) {
    for (const [name, results] of Object.entries(fixtures)) {
      it(`${format}: ${name}`, async () => {
        const output = await renderReport(format, results);
        const file = join(GOLDEN_DIR, format, `${name}.${EXTENSION[format]}`);
        if (update) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, output);
        }
        expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/report`).toBe(
          true,
        );
        expect(output).toBe(readFileSync(file, 'utf8'));
      });
    }
  }

  it('renders the same output twice (pure, no clock, no randomness)', async () => {
    for (const format of Object.keys(EXTENSION)) {
      const a = await renderReport(format, fixtures.mixed);
      const b = await renderReport(format, fixtures.mixed);
      expect(a).toBe(b);
    }
  });
});
