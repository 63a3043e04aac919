import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkModules, checkTypes, getCheckModule } from './index.js';

const folder = fileURLToPath(new URL('.', import.meta.url));
const checkFiles = readdirSync(folder)
  .filter(
    (name) =>
      name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'types.ts' && name !== 'index.ts',
  )
  .map((name) => name.slice(0, -'.ts'.length))
  // A check that grew into a folder: <type>/index.ts.
  .concat(
    readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(`${folder}${entry.name}/index.ts`))
      .map((entry) => entry.name),
  )
  .sort();
const checkEntryFile = (name: string) =>
  existsSync(`${folder}${name}.ts`) ? `${folder}${name}.ts` : `${folder}${name}/index.ts`;

describe('check registry', () => {
  it('has one key per check file (or check folder) in src/checks/', () => {
    expect([...checkTypes].sort()).toEqual(checkFiles);
  });

  it('each module names itself by its key and has a summary', () => {
    for (const [key, module] of Object.entries(checkModules)) {
      expect(module.type).toBe(key);
      expect(module.summary.length).toBeGreaterThan(0);
    }
  });

  it('each schema becomes a JSON Schema with a description on every property', () => {
    for (const module of Object.values(checkModules)) {
      const json = z.toJSONSchema(module.schema, { io: 'input' }) as {
        properties: Record<string, { description?: string }>;
        additionalProperties: boolean;
      };
      expect(json.additionalProperties).toBe(false);
      for (const [name, property] of Object.entries(json.properties)) {
        expect(property.description, `${module.type}.${name}`).toBeTruthy();
      }
    }
  });

  it('getCheckModule finds registered types only', () => {
    expect(getCheckModule('http')).toBe(checkModules.http);
    expect(getCheckModule('toString')).toBeUndefined();
    expect(getCheckModule('nope')).toBeUndefined();
  });

  it('check modules load nothing heavy at the top level', () => {
    const heavy = /^import (?!type )[^;]*from '(?:jsonpath-plus|yaml|node:https?|node:tls|node:net)';/m;
    for (const file of [...checkFiles.map(checkEntryFile), `${folder}../engine/match.ts`]) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(heavy);
    }
  });
});
