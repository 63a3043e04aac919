// RunResult fixtures for the reporters' golden-file tests: all pass, mixed fail/error, skips, long
// output, unicode and hostile text, GPU checks, and a fleet of hosts. Fixed times, so output is stable.
import type { CheckResult, RunResult, StepResult } from '../../src/engine/result.js';

const T0 = Date.parse('2026-11-27T14:30:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

export function check(fields: Partial<CheckResult> & Pick<CheckResult, 'id' | 'title'>): CheckResult {
  const status = fields.status ?? 'pass';
  const points = fields.points ?? 0;
  return {
    type: 'command',
    status,
    message: status === 'pass' ? 'as expected' : status === 'skip' ? 'skipped' : 'not as expected',
    points,
    earned: status === 'pass' ? points : 0,
    required: false,
    bonus: false,
    attempts: status === 'skip' ? 0 : 1,
    durationMs: status === 'skip' ? 0 : 40,
    ...fields,
  };
}

export function step(
  fields: Partial<StepResult> & Pick<StepResult, 'id' | 'title'>,
  startMs?: number,
): StepResult {
  const status = fields.status ?? 'pass';
  return {
    kind: 'run',
    status,
    message: status === 'pass' ? 'exit code 0' : status === 'skip' ? 'skipped' : 'exit code 1',
    exitCode: status === 'skip' ? undefined : status === 'pass' ? 0 : 1,
    attempts: status === 'skip' ? 0 : 1,
    durationMs: status === 'skip' ? 0 : 1200,
    startedAt: status === 'skip' || startMs === undefined ? undefined : at(startMs),
    checks: [],
    ...fields,
  };
}

export function run(fields: Partial<RunResult> & Pick<RunResult, 'lab'>): RunResult {
  const durationMs = fields.durationMs ?? 9_500;
  const verify = fields.verify ?? [];
  const counted = verify.filter((c) => c.status !== 'skip');
  const possible = counted.filter((c) => !c.bonus).reduce((s, c) => s + c.points, 0);
  const earned = counted.reduce((s, c) => s + c.earned, 0);
  const percent = possible > 0 ? Math.round((earned / possible) * 1000) / 10 : 100;
  return {
    schemaVersion: 1,
    tool: { name: 'ailab', version: '0.1.0' },
    runId: '20261127T143000Z-abc123',
    mode: 'run',
    target: { uri: 'local', kind: 'local' },
    workDir: '/tmp/ailab-week-00-x1y2z3',
    startedAt: at(0),
    finishedAt: at(durationMs),
    durationMs,
    status: 'passed',
    message: 'every step passed',
    score: {
      earned,
      possible,
      percent,
      threshold: 70,
      passed: percent >= 70 && !verify.some((c) => c.required && c.status !== 'pass' && c.status !== 'skip'),
    },
    vars: {},
    preflight: [],
    steps: [],
    verify,
    cleanup: [],
    ...fields,
  };
}

const week00 = {
  id: 'week-00',
  title: 'Check your workstation',
  week: 0,
  file: '/opt/ailab/labs/week-00.yaml',
};

export const allPass: RunResult = run({
  lab: week00,
  vars: { port: '18765' },
  preflight: [
    { requirement: 'bash', ok: true, observed: '/usr/bin/bash' },
    { requirement: 'os linux', ok: true, observed: 'linux' },
  ],
  steps: [
    step(
      {
        id: 'system',
        title: 'Look at the operating system',
        outputTail: 'Linux box 6.1.0 x86_64\nDebian GNU/Linux 12 (bookworm)',
        checks: [check({ id: 'kernel', title: 'The kernel is Linux or macOS' })],
      },
      100,
    ),
    step(
      {
        id: 'serve',
        title: 'Start a tiny HTTP service in the background',
        kind: 'background',
        message: 'running (pid 4242)',
        exitCode: undefined,
        durationMs: 2300,
        checks: [
          check({ id: 'ready', title: 'GET http://127.0.0.1:18765/health answers 200', type: 'http' }),
          check({ id: 'port', title: "The service's port is open", type: 'port' }),
        ],
      },
      1400,
    ),
    step(
      {
        id: 'probe',
        title: 'Call the health endpoint and save the answer',
        outputTail: '{"status":"ok"}',
        durationMs: 300,
        checks: [check({ id: 'health-json', title: "health.json holds the service's answer", type: 'file' })],
      },
      3800,
    ),
  ],
  verify: [
    check({ id: 'os', title: 'Linux or macOS', points: 1, required: true }),
    check({ id: 'cpus', title: 'At least 2 CPU cores', points: 1 }),
    check({ id: 'server-port', title: 'The service listens on its port', type: 'port', points: 1 }),
    check({
      id: 'server-health',
      title: 'The health endpoint answers {"status":"ok"} within 2 seconds',
      type: 'http',
      points: 2,
    }),
  ],
  cleanup: [
    {
      id: 'stop-serve',
      title: 'Stop the service of step "serve"',
      status: 'pass',
      message: 'done',
      durationMs: 50,
    },
    { id: 'remove-health', title: 'Remove health.json', status: 'pass', message: 'done', durationMs: 12 },
  ],
});

export const mixed: RunResult = run({
  lab: { id: 'week-04', title: 'Containerize a Model API', week: 4, file: '/opt/ailab/labs/week-04.yaml' },
  status: 'failed',
  message: 'step "build" failed: exit code 1',
  durationMs: 64_000,
  steps: [
    step(
      {
        id: 'write',
        title: 'Write the Dockerfile',
        checks: [
          check({
            id: 'dockerfile',
            title: 'The Dockerfile starts FROM python:3.11-slim',
            type: 'file',
            status: 'fail',
            message: 'content does not match /^FROM python:3\\.11-slim/',
            expected: 'matches /^FROM python:3\\.11-slim/',
            observed: 'FROM python:3.12',
            hint: 'Use the slim image the lab names.',
          }),
        ],
        status: 'fail',
        message: 'check "The Dockerfile starts FROM python:3.11-slim" failed: content does not match',
        exitCode: 0,
      },
      0,
    ),
    step(
      {
        id: 'build',
        title: 'Build the image',
        status: 'fail',
        message: 'exit code 1 after 2 attempts',
        exitCode: 1,
        attempts: 2,
        durationMs: 41_000,
        outputTail:
          'Step 3/7 : RUN pip install -r requirements.txt\nERROR: Could not find a version that satisfies the requirement torch==9.9\nThe command returned a non-zero code: 1',
      },
      1300,
    ),
    step(
      {
        id: 'serve',
        title: 'Run the container',
        status: 'error',
        message: 'timed out after 20s',
        exitCode: null,
        durationMs: 20_000,
        outputTail: 'waiting for port 8000…',
      },
      42_400,
    ),
  ],
  verify: [
    check({ id: 'image', title: 'The image exists', points: 2 }),
    check({
      id: 'api',
      title: 'The API answers /predict',
      type: 'http',
      status: 'fail',
      points: 3,
      earned: 1,
      message: '1 of 3 expectations held',
      expected: 'status 200, JSON $.label, latency < 500ms',
      observed: 'status 503 in 12ms',
      assertions: [
        {
          name: 'status',
          ok: false,
          expected: '200',
          actual: '503',
          message: 'status: expected 200, got 503',
        },
        { name: 'json $.label', ok: false, expected: 'present', actual: 'absent' },
        { name: 'latency', ok: true, expected: '< 500ms', actual: '12ms' },
      ],
      hint: 'Is the container running? docker ps',
      attempts: 5,
      details: '<html><body>Service Unavailable</body></html>',
    }),
    check({
      id: 'gpu-free',
      title: 'No stray container holds the GPU',
      type: 'process',
      status: 'error',
      required: true,
      points: 1,
      message: 'timed out after 10s: ps did not answer',
    }),
  ],
  cleanup: [
    {
      id: 'rm',
      title: 'Remove the container',
      status: 'fail',
      message: 'exit code 1: Error: No such container: api',
      durationMs: 300,
    },
  ],
});

export const skips: RunResult = run({
  lab: { id: 'week-02', title: 'Linux Foundations', week: 2, file: '/opt/ailab/labs/week-02.yaml' },
  status: 'passed',
  message: 'score 2/2 (100%), at or above the 70% pass mark',
  steps: [
    step({ id: 'update', title: 'Update the package lists' }, 0),
    step({
      id: 'gpu-driver',
      title: 'Install the NVIDIA driver',
      status: 'skip',
      message: 'skipped: gpu == true is false',
    }),
    step({
      id: 'reboot',
      title: 'Reboot',
      kind: 'manual',
      status: 'skip',
      message: 'not selected (--only/--from)',
    }),
  ],
  verify: [
    check({ id: 'ssh', title: 'sshd runs', points: 2, type: 'process' }),
    check({
      id: 'nvidia',
      title: 'nvidia-smi answers',
      points: 3,
      status: 'skip',
      message: 'skipped: nvidia-smi is not on this machine',
    }),
    check({
      id: 'bonus',
      title: 'A bonus for zsh',
      bonus: true,
      points: 1,
      status: 'skip',
      message: 'skipped: zsh is not on this machine',
    }),
  ],
});

const longLine = (n: number) => `${'0123456789abcdef'.repeat(25)} line ${n}`;

export const long: RunResult = run({
  lab: {
    id: 'week-31',
    title: `Train a Transformer Across Multiple Nodes with a very long title that goes on ${'and on '.repeat(12)}`,
    week: 31,
    file: '/opt/ailab/labs/week-31.yaml',
  },
  status: 'failed',
  message: 'score 39/45 (86.7%), at or above the 70% pass mark; required check "c-07" did not pass',
  durationMs: 3_723_000,
  steps: Array.from({ length: 25 }, (_, i) =>
    step(
      {
        id: `s-${String(i + 1).padStart(2, '0')}`,
        title: `Step number ${i + 1} of a long lab`,
        durationMs: 60_000 + i * 5_000,
        outputTail: Array.from({ length: 20 }, (_, j) => longLine(j)).join('\n'),
      },
      i * 140_000,
    ),
  ),
  verify: Array.from({ length: 45 }, (_, i) =>
    check({
      id: `c-${String(i + 1).padStart(2, '0')}`,
      title: `Check number ${i + 1}`,
      points: 1,
      required: i === 6,
      status: i % 7 === 6 ? 'fail' : 'pass',
      message: i % 7 === 6 ? 'stdout does not match' : 'as expected',
      expected: i % 7 === 6 ? 'matches /ok/' : undefined,
      observed: i % 7 === 6 ? 'x'.repeat(5000) : undefined,
      details: i % 7 === 6 ? Array.from({ length: 20 }, (_, j) => longLine(j)).join('\n') : undefined,
    }),
  ),
});

// Text that breaks naive reporters: markup, quotes, fences, pipes, mentions, workflow commands,
// control characters, emoji, CJK, right-to-left text and combining marks.
const hostile = '<script>alert("x")</script> & ]]> \'q\' | `tick` ``` @team %0A ::error::x';
export const unicode: RunResult = run({
  lab: {
    id: 'week-13',
    title: 'Réseaux für KI — 网络 🚀 שלום',
    week: 13,
    file: '/opt/ailab/labs/week-13.yaml',
  },
  status: 'failed',
  message: `required check "${hostile}" did not pass`,
  vars: { greeting: 'héllo wörld ✓', token: '***' },
  steps: [
    step(
      {
        id: 'emoji',
        title: 'Print emoji 🎉 and CJK 日本語 and e\u0301 (combining)',
        outputTail: 'ok ✅\nbell \u0007 escape \u001b[31mred\u001b[0m nul-free\r\ncarriage return\ttab',
      },
      0,
    ),
  ],
  verify: [
    check({
      id: 'hostile',
      title: hostile,
      status: 'fail',
      points: 2,
      required: true,
      message: `expected ${hostile}`,
      expected: 'line one\nline two with | pipe and `code`',
      observed: 'got <b>bold</b> & "quotes", 100% sure\r\n# not a heading\n- not a list',
      hint: 'Use “smart quotes” — and ½ of the 🍕',
      details: '```\nfenced inside\n```\n]]> end',
    }),
    check({ id: 'rtl', title: 'مرحبا بالعالم', points: 1 }),
  ],
});

export const gpu: RunResult = run({
  lab: { id: 'week-07', title: 'GPU Hardware Deep Dive', week: 7, file: '/opt/ailab/labs/week-07.yaml' },
  mode: 'verify',
  target: { uri: 'ssh://ubuntu@gpu-1.example.com:22', kind: 'ssh' },
  workDir: '/home/ubuntu',
  durationMs: 14_200,
  message: 'score 4/4 (100%), at or above the 70% pass mark',
  verify: [
    check({
      id: 'gpus',
      title: 'Two GPUs answer nvidia-smi',
      type: 'nvidia-smi',
      points: 1,
      message: '2 GPUs',
      observed: '2 GPUs: NVIDIA H100 80GB HBM3',
      details:
        'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0b1c2d3e-aaaa-bbbb-cccc-000000000001)\nGPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-0b1c2d3e-aaaa-bbbb-cccc-000000000002)',
    }),
    check({
      id: 'driver',
      title: 'Driver 550 or newer',
      type: 'nvidia-smi',
      points: 1,
      observed: '0, NVIDIA H100 80GB HBM3, 81559 MiB, 550.54.15',
    }),
    check({
      id: 'matmul',
      title: 'bf16 matmul reaches 70% of peak',
      type: 'cuda-matmul',
      points: 2,
      message: '712.4 TFLOPS, 72% of peak',
      expected: '>= 70% of peak 989 TFLOPS (bf16)',
      observed: 'bf16 8192×8192×8192: 712.4 TFLOPS (72% of peak 989 TFLOPS)',
      durationMs: 9_800,
    }),
  ],
});

function fleetHost(host: string, fields: Partial<RunResult>): RunResult {
  const lab = {
    id: 'week-01',
    title: 'Introduction to AI Infrastructure',
    week: 1,
    file: '/opt/ailab/labs/week-01.yaml',
  };
  return run({
    lab,
    mode: 'verify',
    target: { uri: `ssh://student@${host}:22`, kind: 'ssh' },
    workDir: '/home/student',
    durationMs: 3_000,
    message: 'score 3/3 (100%), at or above the 70% pass mark',
    verify: [
      check({ id: 'python', title: 'Python 3.10+', points: 1 }),
      check({ id: 'torch', title: 'PyTorch sees the GPU', type: 'python', points: 2 }),
    ],
    ...fields,
  });
}

export const fleet: RunResult[] = [
  fleetHost('gpu-a.lab', {}),
  fleetHost('gpu-b.lab', {
    target: {
      uri: 'ssh://student@gpu-b.lab:22',
      kind: 'ssh',
      name: 'bob',
      notes: ['connection lost during verify, reconnected after 2.1s'],
    },
    status: 'failed',
    message: 'score 1/3 (33.3%), below the 70% pass mark',
    verify: [
      check({ id: 'python', title: 'Python 3.10+', points: 1 }),
      check({
        id: 'torch',
        title: 'PyTorch sees the GPU',
        type: 'python',
        points: 2,
        status: 'fail',
        message: 'torch.cuda.is_available() is False',
        expected: 'True',
        observed: 'False (torch 2.4.0+cpu)',
        hint: 'This wheel has no CUDA: install the cu121 build.',
      }),
    ],
  }),
  fleetHost('gpu-c.lab', {
    status: 'error',
    message: 'preflight: this machine lacks python3',
    durationMs: 800,
    preflight: [{ requirement: 'python3', ok: false, observed: 'not found on PATH' }],
    verify: [],
  }),
];

/** Every fixture by name, each as the list a reporter takes. */
export const fixtures: Record<string, RunResult[]> = {
  'all-pass': [allPass],
  mixed: [mixed],
  skip: [skips],
  long: [long],
  unicode: [unicode],
  gpu: [gpu],
  fleet,
  'two-labs': [allPass, mixed],
};
