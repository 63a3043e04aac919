// Week 18 (Secure a Model Endpoint with Authentication), run for real through the `ailab` CLI on this CPU
// machine: the lab's app served by uvicorn under /usr/bin/python3 with Debian's python3-fastapi, uvicorn,
// multipart, jwt (PyJWT) and bcrypt; every auth check (tokens, API keys, refusals, forged and expired
// tokens, the rate limit) is a real HTTP exchange with it. The one stand-in: slowapi is not packaged by
// Debian and PyPI cannot be reached, so test/course/fixtures-w18/slowapi (its API and behaviour, fixed
// windows) is put on PYTHONPATH. The secrets are random per run and set with --set; the test proves that no
// output, report file or history entry contains them. The course's own app (fixtures-w18/course_main.py,
// verbatim) is graded too, with only its imports made to load here: its AND-instead-of-OR auth and literal
// secrets fail the lab. Docker and Kubernetes are not run (no engine, no cluster).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/engine/result.js';
import { ensureBuilt, REPO_ROOT, runCli } from '../helpers/cli.js';
import { freePort, isPortOpen } from '../helpers/net.js';
import { verifyResult as check, failureLines as failures } from '../helpers/run-result.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

const PYTHON = '/usr/bin/python3';
const LAB = join(REPO_ROOT, 'labs', 'week-18.yaml');
const FIXTURES = join(import.meta.dirname, 'fixtures-w18');
const STAND_IN = { PYTHONPATH: FIXTURES, PYTHONDONTWRITEBYTECODE: '1' };

function parse(stdout: string, what: string): RunResult {
  try {
    return JSON.parse(stdout) as RunResult;
  } catch {
    throw new Error(`${what} printed no JSON report:\n${stdout}`);
  }
}

beforeAll(ensureBuilt, 120_000);
afterAll(removeTempDirs);

describe('week-18: the secured API served by uvicorn, every auth path probed', () => {
  const jwtSecret = randomBytes(24).toString('hex');
  const apiKey = randomBytes(18).toString('base64url');
  let port: number;
  let work: string;
  let state: string;
  let out: { code: number | null; stdout: string; stderr: string };
  let result: RunResult;

  beforeAll(async () => {
    port = await freePort();
    work = makeTempDir('ailab-w18-');
    state = makeTempDir('ailab-w18-state-');
    out = await runCli(
      [
        'run',
        LAB,
        '--yes',
        '--json',
        '--workdir',
        work,
        '--set',
        'install=none',
        '--set',
        `python=${PYTHON}`,
        '--set',
        `port=${port}`,
        '--set',
        `jwt_secret=${jwtSecret}`,
        '--set',
        `api_key=${apiKey}`,
        '--report',
        `md:${join(work, 'report.md')}`,
        '--report',
        `junit:${join(work, 'report.xml')}`,
      ],
      { timeoutMs: 90_000, env: { ...STAND_IN, AILAB_STATE_DIR: state } },
    );
    result = parse(out.stdout, 'ailab run week-18');
  }, 100_000);

  it('runs the local steps and passes every graded check (100%)', () => {
    expect(result.status, failures(result)).toBe('passed');
    expect(out.code).toBe(0);
    for (const id of ['app', 'imports', 'run-api', 'get-jwt', 'call-protected', 'refusals', 'rate-limit'])
      expect(result.steps.find((s) => s.id === id)?.status, id).toBe('pass');
    for (const id of ['install', 'build-image', 'run-container', 'deploy', 'port-forward'])
      expect(result.steps.find((s) => s.id === id)?.status, id).toBe('skip');
    expect(result.score).toMatchObject({ earned: 16, possible: 16, passed: true });
  });

  it('refused what must be refused: no credential 401, wrong key 403, forged/expired/subject-less tokens 401', () => {
    for (const id of ['no-credential', 'wrong-key', 'forged-token', 'expired-token', 'bad-password'])
      expect(check(result, id).status, id).toBe('pass');
    const refusals = result.steps.find((s) => s.id === 'refusals')!;
    expect(refusals.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
  });

  it('let 30 calls a minute through from one client, then answered 429 Rate limit exceeded', () => {
    const burst = result.steps.find((s) => s.id === 'rate-limit')!;
    const codes = (burst.outputTail ?? '').trim().split(/\s+/);
    expect(codes).toEqual([...Array(30).fill('200'), '429']);
    expect(burst.checks[0].status).toBe('pass');
    // Verify ran after the step's burst within the same minute: everything from 127.0.0.2 is limited now.
    expect(check(result, 'rate-limit').observed).toContain('allowed=0 limited=31');
  });

  it('never shows the secrets: not on stdout or stderr, in the report files or in the run history', async () => {
    const texts: [string, string][] = [
      ['stdout', out.stdout],
      ['stderr', out.stderr],
      ['report.md', readFileSync(join(work, 'report.md'), 'utf8')],
      ['report.xml', readFileSync(join(work, 'report.xml'), 'utf8')],
    ];
    const runs = join(state, 'runs');
    for (const name of readdirSync(runs)) texts.push([name, readFileSync(join(runs, name), 'utf8')]);
    expect(texts.length).toBeGreaterThan(4);
    for (const [name, text] of texts) {
      expect(text.includes(jwtSecret), `${name} holds JWT_SECRET`).toBe(false);
      expect(text.includes(apiKey), `${name} holds API_KEY`).toBe(false);
    }
    // They were used: the plan shows *** where the step exports them.
    const plan = await runCli(
      ['run', LAB, '--dry-run', '--set', `jwt_secret=${jwtSecret}`, '--set', `api_key=${apiKey}`],
      { timeoutMs: 30_000 },
    );
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('export JWT_SECRET=*** API_KEY=***');
    expect(plan.stdout).toContain('headers: {"X-API-Key":"***"}');
    expect(`${plan.stdout}${plan.stderr}`.includes(jwtSecret)).toBe(false);
  });

  it('stopped uvicorn at cleanup', async () => {
    expect(result.cleanup).toEqual([expect.objectContaining({ id: 'stop-run-api', status: 'pass' })]);
    expect(await isPortOpen(port)).toBe(false);
  });

  it('will not run without the secrets, and refuses a short one without echoing it', async () => {
    const none = await runCli(['run', LAB, '--yes', '--set', 'install=none'], { timeoutMs: 30_000 });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/var "jwt_secret" needs a value: --set jwt_secret=/);
    const short = await runCli(
      ['run', LAB, '--yes', '--set', 'jwt_secret=change-me', '--set', `api_key=${apiKey}`],
      { timeoutMs: 30_000 },
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/var "jwt_secret": the value does not match/);
    expect(`${short.stdout}${short.stderr}`).not.toContain('change-me');
  });

  describe("the course's app (imports made loadable, nothing else changed)", () => {
    let uvicorn: ChildProcess | undefined;
    afterAll(() => {
      uvicorn?.kill('SIGTERM');
    });

    it('fails the bearer and API-key paths (it demands both) and accepts nothing signed with our secret', async () => {
      const project = join(makeTempDir('ailab-w18-course-'), 'secure-endpoint');
      cpSync(join(work, 'secure-endpoint'), project, { recursive: true });
      let course = readFileSync(join(FIXTURES, 'course_main.py'), 'utf8');
      // python-jose and passlib are not in Debian here: PyJWT and bcrypt with the same calls. And slowapi's
      // decorator (the stand-in as the real one) refuses the course's predict() at import without `request`.
      const patches: [string, string][] = [
        ['from jose import JWTError, jwt', 'import jwt\nfrom jwt import InvalidTokenError as JWTError'],
        [
          'from passlib.context import CryptContext',
          [
            'import bcrypt',
            'class CryptContext:',
            '    def __init__(self, **kw): pass',
            '    def hash(self, p): return bcrypt.hashpw(p.encode(), bcrypt.gensalt())',
            '    def verify(self, p, h): return bcrypt.checkpw(p.encode(), h)',
          ].join('\n'),
        ],
        [
          'async def predict(\n    data: Features,',
          'async def predict(\n    request: Request,\n    data: Features,',
        ],
        ['import time', 'import time\nfrom fastapi import Request'],
      ];
      for (const [from, to] of patches) {
        expect(course, from).toContain(from);
        course = course.replace(from, to);
      }
      writeFileSync(join(project, 'app', 'main.py'), course);
      const coursePort = await freePort();
      uvicorn = spawn(
        PYTHON,
        ['-m', 'uvicorn', 'app.main:app', '--host', '127.0.0.1', '--port', String(coursePort)],
        { cwd: project, stdio: 'ignore', env: { ...process.env, ...STAND_IN } },
      );
      for (let i = 0; i < 100 && !(await isPortOpen(coursePort)); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await isPortOpen(coursePort)).toBe(true);

      const graded = await runCli(
        [
          'verify',
          LAB,
          '--json',
          '--workdir',
          project,
          '--set',
          `port=${coursePort}`,
          '--set',
          `python=${PYTHON}`,
          '--set',
          `jwt_secret=${jwtSecret}`,
          '--set',
          `api_key=${apiKey}`,
        ],
        { timeoutMs: 60_000 },
      );
      const r = parse(graded.stdout, 'ailab verify week-18 (course app)');
      expect(graded.code).toBe(1);
      expect(r.score?.passed).toBe(false);
      // /token works; a token alone is refused with 403 "Invalid API key" (both dependencies demanded).
      expect(check(r, 'token').status).toBe('pass');
      const bearer = check(r, 'bearer');
      expect(bearer.status).toBe('fail');
      expect(JSON.stringify(bearer)).toContain('Invalid API key');
      expect(bearer.hint).toMatch(/AND get_api_key/);
      // Our API key alone: 401 (no token), and the course's key is the literal "super-secret" anyway.
      const key = check(r, 'api-key');
      expect(key.status).toBe('fail');
      expect(JSON.stringify(key)).toMatch(/\b401\b/);
      // A token signed with our JWT_SECRET is not the course app's key: expired/subject-less probes differ.
      expect(check(r, 'no-credential').status).toBe('pass');
      expect(JSON.stringify(r).includes(jwtSecret)).toBe(false);
      expect(JSON.stringify(r).includes(apiKey)).toBe(false);
    }, 80_000);
  });
});
