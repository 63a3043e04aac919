// Start-up stays light: `ailab --help` and `ailab list` must not load the cloud or Kubernetes SDKs
// or ssh2 (none is installed yet: this protects the future), and `--help` not even the terminal UI
// (ora, @inquirer/prompts) or write-file-atomic. Every module the CLI loads is recorded by a
// module hook; a chunk of the esbuild bundle counts as every package its source map lists.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT, runCli, SAMPLE_LABS } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const RECORDER = join(REPO_ROOT, 'test', 'helpers', 'record-modules.mjs');
const HEAVY = [/^@kubernetes\//, /^@aws-sdk\//, /^@google-cloud\//, /^ssh2$/];
const NOT_FOR_HELP = [/^ora$/, /^@inquirer\//, /^write-file-atomic$/];

beforeAll(ensureBuilt, 120_000);
afterEach(removeTempDirs);

/** The package a path under node_modules belongs to (`@scope/name` or `name`). */
function packageOf(path: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return m?.[1];
}

/** Packages bundled into a dist/ file, from its source map. */
function bundledPackages(file: string): string[] {
  const map = `${file}.map`;
  if (!existsSync(map)) return [];
  const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
  return sources.map((s) => packageOf(join(dirname(file), s))).filter((p): p is string => p !== undefined);
}

interface Loaded {
  files: string[];
  packages: Set<string>;
}

async function recordModules(args: string[], env: Record<string, string> = {}): Promise<Loaded> {
  const log = join(makeTempDir('ailab-modules-'), 'modules.log');
  const { code, stderr } = await runCli(args, {
    nodeArgs: ['--import', RECORDER],
    env: { ...env, AILAB_MODULE_LOG: log },
  });
  expect(code, stderr).toBe(0);
  const files = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^\S+ /, ''))
    .map((entry) => (entry.startsWith('file:') ? fileURLToPath(entry) : entry));
  const packages = new Set<string>();
  for (const file of files) {
    const pkg = packageOf(file);
    if (pkg) packages.add(pkg);
    if (file.startsWith(join(REPO_ROOT, 'dist'))) for (const p of bundledPackages(file)) packages.add(p);
  }
  return { files, packages };
}

function matching(packages: Set<string>, patterns: RegExp[]): string[] {
  return [...packages].filter((p) => patterns.some((re) => re.test(p)));
}

describe('modules loaded at start-up', () => {
  it('the recorder sees the bundle and what it bundles (a run that writes a report loads write-file-atomic)', async () => {
    const dir = makeTempDir('ailab-modules-run-');
    const loaded = await recordModules(
      ['run', 'all-pass', '-q', '--workdir', dir, '--report', `json:${join(dir, 'r.json')}`],
      { AILAB_LABS_DIR: SAMPLE_LABS },
    );

    expect(loaded.files).toContain(join(REPO_ROOT, 'dist', 'main.js'));
    expect(loaded.packages).toContain('commander');
    expect(loaded.packages).toContain('write-file-atomic');
  });

  it('--help loads neither the heavy SDKs nor the terminal UI nor write-file-atomic', async () => {
    const loaded = await recordModules(['--help']);

    expect(loaded.files).toContain(join(REPO_ROOT, 'dist', 'main.js'));
    expect(matching(loaded.packages, HEAVY)).toEqual([]);
    expect(matching(loaded.packages, NOT_FOR_HELP)).toEqual([]);
  });

  it('list loads none of the heavy SDKs', async () => {
    const loaded = await recordModules(['list'], { AILAB_LABS_DIR: SAMPLE_LABS });

    expect(loaded.packages).toContain('commander');
    expect(loaded.files.some((f) => /\/dist\/list-\w+\.js$/.test(f))).toBe(true);
    expect(matching(loaded.packages, HEAVY)).toEqual([]);
  });
});
