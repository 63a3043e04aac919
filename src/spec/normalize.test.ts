import { describe, expect, it } from 'vitest';
import { checkTypeOf, DEFAULTS, normalizeLab } from './normalize.js';
import { parseLabText } from './parse.js';
import type { Lab } from './types.js';

/** Parse (schema-valid, or the test fails) and normalise a lab body under a fixed head. */
function lab(body = ''): Lab {
  const parsed = parseLabText(`id: lab\ntitle: A lab\n${body}`, 'lab.yaml');
  expect(parsed.problems).toEqual([]);
  return normalizeLab(parsed.lab!, '/labs/lab.yaml', '/labs/templates');
}

describe('DEFAULTS', () => {
  it('are the documented timeouts and marks', () => {
    expect(DEFAULTS).toMatchObject({
      stepTimeoutMs: 600_000,
      checkTimeoutMs: 30_000,
      pollIntervalMs: 1000,
      cleanupTimeoutMs: 120_000,
      retryDelayMs: 2000,
      readyWithinMs: 30_000,
      passThreshold: 70,
      python: 'python3',
    });
  });
});

describe('normalizeLab: the lab', () => {
  it('fills an empty lab', () => {
    expect(lab()).toEqual({
      id: 'lab',
      week: undefined,
      title: 'A lab',
      goal: undefined,
      durationMs: undefined,
      cost: undefined,
      file: '/labs/lab.yaml',
      templatesDir: '/labs/templates',
      requires: { commands: [], os: [], python: 'python3', pythonModules: [], notes: [] },
      vars: {},
      choices: {},
      files: [],
      steps: [],
      cleanup: [],
      verify: [],
      passThreshold: 70,
    });
  });

  it('keeps what the author wrote', () => {
    const result = lab('week: 5\nduration: 1h30m\npass_threshold: 90\n');
    expect(result).toMatchObject({ week: 5, durationMs: 5_400_000, passThreshold: 90 });
  });
});

describe('normalizeLab: requires', () => {
  it('reads the list shorthand as commands', () => {
    expect(lab('requires: [docker, kubectl]\n').requires.commands).toEqual(['docker', 'kubectl']);
  });

  it('reads the long form, sizes in bytes', () => {
    const result = lab(
      'requires:\n  commands: [git]\n  os: [linux]\n  cpus: 4\n  memory: 4GiB\n  disk: 20GB\n  python: python3.11\n  python_modules: [torch]\n',
    );
    expect(result.requires).toEqual({
      commands: ['git'],
      os: ['linux'],
      cpus: 4,
      memoryBytes: 4 * 1024 ** 3,
      diskBytes: 20e9,
      python: 'python3.11',
      pythonModules: ['torch'],
      notes: [],
    });
  });
});

describe('normalizeLab: vars and choices', () => {
  it('turns every var default into a string, with secret and required off', () => {
    const result = lab(
      'vars:\n  port: 8080\n  debug: false\n  token: { secret: true, required: true, description: API token }\n',
    );
    expect(result.vars).toEqual({
      port: { name: 'port', default: '8080', secret: false, required: false },
      debug: { name: 'debug', default: 'false', secret: false, required: false },
      token: {
        name: 'token',
        default: undefined,
        description: 'API token',
        secret: true,
        required: true,
        pattern: undefined,
      },
    });
  });

  it('defaults a choice to its first option, labels to values', () => {
    const result = lab(
      'choices:\n  cloud:\n    prompt: Which cloud?\n    options: [{ value: aws, label: Path A (AWS) }, gcp]\n',
    );
    expect(result.choices.cloud).toEqual({
      name: 'cloud',
      prompt: 'Which cloud?',
      options: [
        { value: 'aws', label: 'Path A (AWS)' },
        { value: 'gcp', label: 'gcp' },
      ],
      default: 'aws',
    });
  });

  it('keeps a choice default that the author gave', () => {
    expect(lab('choices:\n  c: { prompt: p, options: [a, b], default: b }\n').choices.c.default).toBe('b');
  });
});

describe('normalizeLab: files', () => {
  it('reads the mode as octal and renders by default', () => {
    const result = lab(
      "files:\n  - { template: a.sh, to: a.sh, mode: '0755' }\n  - { template: b, to: b, mode: '644', render: false }\n  - { template: c, to: c }\n",
    );
    expect(result.files).toEqual([
      { template: 'a.sh', to: 'a.sh', mode: 0o755, render: true },
      { template: 'b', to: 'b', mode: 0o644, render: false },
      { template: 'c', to: 'c', mode: undefined, render: true },
    ]);
  });
});

describe('normalizeLab: steps', () => {
  it('gives a step a 10 minute timeout, no retries and a 2s retry delay', () => {
    const [step] = lab('steps:\n  - id: build\n    run: make\n').steps;
    expect(step).toEqual({
      id: 'build',
      title: 'build',
      description: undefined,
      kind: 'run',
      run: 'make',
      script: undefined,
      background: undefined,
      manual: undefined,
      timeoutMs: 600_000,
      retries: 0,
      retryDelayMs: 2000,
      continueOnError: false,
      env: {},
      cwd: undefined,
      when: undefined,
      confirm: undefined,
      requires: [],
      expect: [],
    });
  });

  it('reads durations in units or as seconds', () => {
    const steps = lab(
      'steps:\n  - { id: a, run: x, timeout: 90s, retry_delay: 500ms, retries: 3 }\n  - { id: b, run: x, timeout: 5 }\n',
    ).steps;
    expect(steps[0]).toMatchObject({ timeoutMs: 90_000, retryDelayMs: 500, retries: 3 });
    expect(steps[1].timeoutMs).toBe(5000);
  });

  it('names the kind of each step; a script runs with bash by default', () => {
    const steps = lab(
      'steps:\n  - { id: a, script: { body: echo hi } }\n  - { id: b, background: { run: serve } }\n  - { id: c, manual: Click. }\n',
    ).steps;
    expect(steps.map((s) => s.kind)).toEqual(['script', 'background', 'manual']);
    expect(steps[0].script).toEqual({ interpreter: 'bash', body: 'echo hi', args: [] });
    expect(steps[1].background).toEqual({
      run: 'serve',
      ready: undefined,
      readyWithinMs: 30_000,
      stop: undefined,
    });
  });

  it('asks a question for confirm: true, keeps a question, drops false', () => {
    const steps = lab(
      'steps:\n  - { id: a, title: Launch a GPU VM, run: x, confirm: true }\n  - { id: b, run: x, confirm: Spend $3? }\n  - { id: c, run: x, confirm: false }\n  - { id: d, run: x, confirm: true }\n',
    ).steps;
    expect(steps.map((s) => s.confirm)).toEqual([
      'Run "Launch a GPU VM"?',
      'Spend $3?',
      undefined,
      'Run "d"?',
    ]);
  });

  it('polls a background ready check every 250ms, worth no points', () => {
    const [step] = lab(
      'steps:\n  - id: api\n    background:\n      run: serve\n      ready: { port: { port: 8000 } }\n      ready_within: 1m\n',
    ).steps;
    expect(step.background?.readyWithinMs).toBe(60_000);
    expect(step.background?.ready).toMatchObject({
      id: 'api-ready',
      type: 'port',
      intervalMs: 250,
      timeoutMs: 30_000,
      points: 0,
      path: 'steps[0].background.ready',
    });
  });
});

describe('normalizeLab: checks', () => {
  it('gives a verify check 1 point, a 30s timeout, a 1s interval and no polling', () => {
    const [check] = lab('verify:\n  - command: { run: nvidia-smi -L }\n').verify;
    expect(check).toEqual({
      id: 'verify-1',
      title: 'command: nvidia-smi -L',
      type: 'command',
      options: { run: 'nvidia-smi -L', exit_code: 0 },
      points: 1,
      required: false,
      bonus: false,
      hint: undefined,
      withinMs: 0,
      intervalMs: 1000,
      timeoutMs: 30_000,
      when: undefined,
      requires: [],
      path: 'verify[0]',
    });
  });

  it('gives an expect check 0 points and an id from its step', () => {
    const [step] = lab(
      'steps:\n  - id: serve\n    run: x\n    expect:\n      - port: { port: 80 }\n      - file: { path: out.txt }\n',
    ).steps;
    expect(step.expect.map((c) => [c.id, c.points, c.path, c.title])).toEqual([
      ['serve-1', 0, 'steps[0].expect[0]', 'port: 80'],
      ['serve-2', 0, 'steps[0].expect[1]', 'file: out.txt'],
    ]);
  });

  it('keeps what the author gave', () => {
    const [check] = lab(
      "verify:\n  - { id: gpu, title: A GPU, points: 3, bonus: true, required: true, within: 2m, interval: 5s, timeout: 10s, hint: Install the driver, when: gpu, requires: [nvidia-smi], command: { run: x } }\nvars: { gpu: 'yes' }\n",
    ).verify;
    expect(check).toMatchObject({
      id: 'gpu',
      title: 'A GPU',
      points: 3,
      bonus: true,
      required: true,
      withinMs: 120_000,
      intervalMs: 5000,
      timeoutMs: 10_000,
      hint: 'Install the driver',
      when: 'gpu',
      requires: ['nvidia-smi'],
    });
  });

  it('titles a check by its first line', () => {
    const [check] = lab(
      'verify:\n  - command:\n      run: |\n        first line\n        second line\n',
    ).verify;
    expect(check.title).toBe('command: first line');
  });
});

describe('normalizeLab: cleanup', () => {
  it('gives cleanup a 2 minute timeout, an id and a title from its command', () => {
    const result = lab(
      'cleanup:\n  - run: |\n      minikube stop\n      minikube delete\n  - { id: rm, run: rm -f x, timeout: 10s }\n',
    );
    expect(result.cleanup).toEqual([
      {
        id: 'cleanup-1',
        title: 'minikube stop',
        run: 'minikube stop\nminikube delete\n',
        timeoutMs: 120_000,
        when: undefined,
      },
      { id: 'rm', title: 'rm', run: 'rm -f x', timeoutMs: 10_000, when: undefined },
    ]);
  });
});

describe('checkTypeOf', () => {
  it('finds the check type key among the common fields', () => {
    expect(checkTypeOf({ id: 'a', points: 1, http: { url: 'http://x' } })).toBe('http');
    expect(checkTypeOf({ id: 'a', title: 'no type' })).toBeUndefined();
  });
});
