import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';
import { labsDir, listLabFiles, resolveLabRef } from './locate.js';

let root: string;
let labs: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ailab-locate-'));
  labs = join(root, 'labs');
  mkdirSync(labs);
  for (const name of ['week-05.yaml', 'week-12.yml', 'week-00.yaml', 'intro.yaml', 'notes.txt']) {
    writeFileSync(join(labs, name), 'id: x\n');
  }
  mkdirSync(join(labs, 'templates'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The UsageError a call throws (the test fails if it throws nothing or something else). */
function usageError(call: () => unknown): UsageError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('resolveLabRef by week', () => {
  it.each(['week-05', 'week-5', 'week5', '5', '05', 'WEEK-05'])('finds week-05.yaml from %j', (ref) => {
    expect(resolveLabRef(ref, labs)).toBe(join(labs, 'week-05.yaml'));
  });

  it('finds a .yml file and week 0', () => {
    expect(resolveLabRef('12', labs)).toBe(join(labs, 'week-12.yml'));
    expect(resolveLabRef('0', labs)).toBe(join(labs, 'week-00.yaml'));
  });

  it('finds a lab by another id', () => {
    expect(resolveLabRef('intro', labs)).toBe(join(labs, 'intro.yaml'));
  });
});

describe('resolveLabRef by path', () => {
  it('takes an absolute or relative path to a YAML file', () => {
    const file = join(labs, 'intro.yaml');
    expect(resolveLabRef(file, '/nowhere')).toBe(file);
    expect(resolveLabRef(relative(process.cwd(), file), '/nowhere')).toBe(file);
  });

  it('reports a missing file as a usage error', () => {
    const error = usageError(() => resolveLabRef('./missing/week-05.yaml', labs));
    expect(error.message).toBe('lab file not found: ./missing/week-05.yaml');
    expect(error.exitCode).toBe(2);
  });
});

describe('resolveLabRef for an unknown lab', () => {
  it('names the labs it knows', () => {
    const error = usageError(() => resolveLabRef('week-07', labs));
    expect(error.message).toBe('no lab "week-07"');
    expect(error.hint).toBe('labs: intro, week-00, week-05, week-12 (or give a path to a .yaml file)');
    expect(error.exitCode).toBe(2);
  });

  it('says so when the folder has no labs', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    const error = usageError(() => resolveLabRef('5', empty));
    expect(error.message).toBe('no lab "5"');
    expect(error.hint).toBe(`no labs in ${empty}`);
  });

  it.each(['week-123', 'lab.json', 'week--5'])('does not guess for %j', (ref) => {
    expect(usageError(() => resolveLabRef(ref, labs)).message).toBe(`no lab "${ref}"`);
  });
});

describe('listLabFiles', () => {
  it('lists YAML files only, sorted, with their paths', () => {
    expect(listLabFiles(labs)).toEqual(
      ['intro.yaml', 'week-00.yaml', 'week-05.yaml', 'week-12.yml'].map((name) => join(labs, name)),
    );
  });

  it('lists nothing for a missing folder', () => {
    expect(listLabFiles(join(root, 'no-such-folder'))).toEqual([]);
  });
});

describe('labsDir', () => {
  const saved = process.env.AILAB_LABS_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.AILAB_LABS_DIR;
    else process.env.AILAB_LABS_DIR = saved;
  });

  it("is the package's labs folder by default", () => {
    delete process.env.AILAB_LABS_DIR;
    expect(labsDir()).toBe(join(packageRoot(), 'labs'));
  });

  it('follows AILAB_LABS_DIR, and resolveLabRef uses it', () => {
    process.env.AILAB_LABS_DIR = labs;
    expect(labsDir()).toBe(labs);
    expect(resolveLabRef('week-5')).toBe(join(labs, 'week-05.yaml'));
  });
});
