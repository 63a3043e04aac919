import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModules } from '../checks/index.js';
import { packageRoot } from '../util/package-root.js';
import { inspectLab } from './load.js';
import { listLabFiles } from './locate.js';
import { checkSchema, durationSchema, labJsonSchema, labSchema, stepSchema } from './schema.js';

const root = packageRoot();

describe('the committed JSON Schema', () => {
  it('equals labJsonSchema()', () => {
    const committed = JSON.parse(readFileSync(join(root, 'schema/lab.schema.json'), 'utf8'));
    const generated = JSON.parse(JSON.stringify(labJsonSchema()));
    expect(
      committed,
      'schema/lab.schema.json is out of date with src/spec/schema.ts: run `npm run schema` and commit it',
    ).toEqual(generated);
  });

  it('is a draft-07 schema with an id, strict at the top and described for editors', () => {
    const schema = labJsonSchema() as {
      $id: string;
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { description?: string }>;
    };
    expect(schema.$id).toBe('https://ailab.dev/schema/lab.schema.json');
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['id', 'title']);
    expect(schema.additionalProperties).toBe(false);
    for (const name of ['id', 'title', 'week', 'verify', 'cleanup', 'files', 'pass_threshold']) {
      expect(schema.properties[name]?.description, name).toBeTruthy();
    }
  });

  it('lists every registered check type as a key of a check', () => {
    const schema = labJsonSchema() as { definitions: { Check: { properties: Record<string, unknown> } } };
    const keys = Object.keys(schema.definitions.Check.properties);
    for (const type of Object.keys(checkModules)) expect(keys).toContain(type);
  });
});

describe('labSchema', () => {
  const minimal = { id: 'week-05', title: 'Deploy a model' };

  it('takes a minimal lab', () => {
    expect(labSchema.parse(minimal)).toEqual(minimal);
  });

  it('refuses unknown fields at every level', () => {
    expect(labSchema.safeParse({ ...minimal, titel: 'x' }).success).toBe(false);
    expect(stepSchema.safeParse({ id: 'a', run: 'x', timout: '1m' }).success).toBe(false);
    expect(checkSchema.safeParse({ command: { run: 'x' }, pionts: 1 }).success).toBe(false);
    expect(checkSchema.safeParse({ command: { run: 'x', exitcode: 0 } }).success).toBe(false);
  });

  it('builds the check keys from the registry, with the common fields', () => {
    const keys = Object.keys(checkSchema.shape);
    expect(keys).toEqual(expect.arrayContaining([...Object.keys(checkModules), 'id', 'points', 'within']));
    // The check's own options are validated by its module's schema.
    expect(checkSchema.safeParse({ http: { url: 5 } }).success).toBe(false);
    expect(checkSchema.safeParse({ http: { url: 'http://127.0.0.1/' } }).success).toBe(true);
  });

  it('checks ids, weeks, retries and the pass mark', () => {
    expect(labSchema.safeParse({ ...minimal, id: 'Week_05' }).success).toBe(false);
    expect(labSchema.safeParse({ ...minimal, week: 41 }).success).toBe(false);
    expect(labSchema.safeParse({ ...minimal, week: 'five' }).success).toBe(false);
    expect(labSchema.safeParse({ ...minimal, pass_threshold: 101 }).success).toBe(false);
    expect(stepSchema.safeParse({ id: 'Start Server', run: 'x' }).success).toBe(false);
    expect(stepSchema.safeParse({ id: 'start_server-2', run: 'x' }).success).toBe(true);
    expect(stepSchema.safeParse({ id: 'a', run: 'x', retries: -1 }).success).toBe(false);
    expect(stepSchema.safeParse({ id: 'a', run: 'x', retries: 21 }).success).toBe(false);
    expect(stepSchema.safeParse({ id: 'a', run: 'x', retries: 3 }).success).toBe(true);
  });
});

describe('durationSchema', () => {
  it.each(['500ms', '90s', '10m', '1h30m', '1.5s', '45', 0, 2.5])('accepts %j', (value) => {
    expect(durationSchema.safeParse(value).success).toBe(true);
  });

  it.each(['10 minutes', '', 'm', '1d', '-1s', -1, '10m '])('refuses %j', (value) => {
    expect(durationSchema.safeParse(value).success).toBe(false);
  });
});

describe('the course labs', () => {
  const labs = listLabFiles(join(root, 'labs'));

  it('exist', () => {
    expect(labs.length).toBeGreaterThan(0);
  });

  it.each(labs.map((file) => [basename(file), file]))(
    '%s starts with the yaml-language-server schema line',
    (_name, file) => {
      const firstLine = readFileSync(file, 'utf8').split('\n')[0];
      expect(firstLine).toBe('# yaml-language-server: $schema=../schema/lab.schema.json');
    },
  );

  it.each(labs.map((file) => [basename(file), file]))('%s lints clean', async (_name, file) => {
    const outcome = await inspectLab(file);
    expect(outcome.problems).toEqual([]);
    expect(outcome.lab?.id).toBe(basename(file).replace(/\.ya?ml$/, ''));
  });
});
