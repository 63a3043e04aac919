// Run the real `ailab` CLI (bin/ailab.js → dist/main.js) as a child process. The bundle is built
// first when it is missing or older than the sources, once, under a lock shared by test workers.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'ailab.js');
export const SAMPLE_LABS = join(REPO_ROOT, 'test', 'labs');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsCurrent(): boolean {
  const bundle = join(REPO_ROOT, 'dist', 'main.js');
  const sources = Math.max(
    newestMtime(join(REPO_ROOT, 'src')),
    statSync(join(REPO_ROOT, 'scripts', 'build.mjs')).mtimeMs,
  );
  return existsSync(bundle) && statSync(bundle).mtimeMs >= sources;
}

/** `npm run build` when dist/main.js is missing or older than src/ (call in beforeAll). */
export async function ensureBuilt(): Promise<void> {
  if (bundleIsCurrent()) return;
  const lock = join(tmpdir(), `ailab-test-build-${Buffer.from(REPO_ROOT).toString('hex').slice(-24)}.lock`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than a minute is left over from a killed run.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 60_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited a minute for the build lock ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    if (!bundleIsCurrent()) build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function build(): void {
  const hadBundle = existsSync(join(REPO_ROOT, 'dist', 'main.js'));
  try {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (error) {
    // Sources being edited may not build for a moment; an older bundle still tests the CLI.
    if (!hadBundle) throw error;
    const output = ((error as { stderr?: Buffer }).stderr?.toString() ?? String(error)).split('\n');
    const errors = output.filter((line) => /ERROR/.test(line)).slice(0, 5);
    process.stderr.write(
      `ailab tests: the rebuild failed; testing the older dist/ bundle\n${errors.join('\n')}\n`,
    );
  }
}

let homeDir: string | undefined;

/** One state and cache folder for this test worker, so runs never touch the user's run history. */
function testHome(): string {
  if (!homeDir) {
    const dir = mkdtempSync(join(tmpdir(), 'ailab-cli-home-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    homeDir = dir;
  }
  return homeDir;
}

/**
 * The environment a CLI test runs in: CI, no colour forced either way, ailab's state and cache in a
 * temp folder, unless `extra` says otherwise.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CI: '1',
    AILAB_STATE_DIR: join(testHome(), 'state'),
    AILAB_CACHE_DIR: join(testHome(), 'cache'),
  };
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'AILAB_DEBUG', 'AILAB_LABS_DIR']) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the CLI after this long (a hang fails the test instead of stalling the suite). */
  timeoutMs?: number;
  /** Extra node flags before bin/ailab.js (e.g. --import). */
  nodeArgs?: string[];
}

/** Start the CLI; the caller owns the child. */
export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Wait for a spawned CLI to exit, collecting its output. */
export function collect(child: ChildProcess, timeoutMs = 15_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit within ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Run the CLI to completion. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return collect(spawnCli(args, options), options.timeoutMs);
}

/** Resolves once the child's stdout (so far) matches `pattern`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(seen);
      }
    };
    const timer = setTimeout(() => {
      child.stdout?.off('data', onData);
      reject(new Error(`no ${pattern} on stdout within ${timeoutMs}ms; saw:\n${seen}`));
    }, timeoutMs);
    child.stdout?.on('data', onData);
  });
}

/** Lines that look like a JavaScript stack frame ("    at fn (file.js:1:2)"). */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(node:.+\))$/m;
