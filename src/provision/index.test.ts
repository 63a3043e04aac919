import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cloudNames } from './index.js';

describe('provider registry', () => {
  it('lists exactly the files that export a create…Provider', () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const providers = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .filter((f) => /export async function create\w+Provider\(/.test(readFileSync(join(dir, f), 'utf8')))
      .map((f) => f.replace(/\.ts$/, ''));
    expect(providers.sort()).toEqual([...cloudNames].sort());
  });
});
