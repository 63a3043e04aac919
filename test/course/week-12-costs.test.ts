// Week 12 (Optimize Cloud AI Workload Costs) through the real `ailab` CLI.
//
// Real: train.py on Debian's CPU python3-torch (tiny model, synthetic CIFAR-shaped data): the baseline,
// AMP (bf16 autocast on a CPU), batch + gradient accumulation, loader and spot rows; the spot drill's
// SIGTERM (exit 143) and resume from the checkpoint; costs.py building lab84_costs.csv from the METRICS
// lines with the prices of ailab's own table (prices.json must equal data/cloud-prices.json), checking
// the arithmetic, the report; `ailab verify` grading prepared worksheets.
// Stand-ins: `aws` and `ssh` on PATH (test/course/fixtures-w12/bin): aws keeps what the lab creates and
// deletes in a state file (and refuses the course's 14-day STANDARD_IA rule as S3 does); ssh runs the
// command on this machine, the "VM". Timings on a shared CPU are noisy, so the savings verdict of a real
// run is compared with the worksheet it came from; the fixed verdicts come from worksheets built by
// costs.py from METRICS lines written here (their times are stated, not measured).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  ailab,
  DEBIAN_PYTHON,
  ensureBundle,
  type LabRun,
  problems,
  ROOT,
  runLabCli,
  step,
  stepCheck,
  verifyCheck,
} from './fixtures-w01-05/ailab-cli.js';

const LAB = join(ROOT, 'labs', 'week-12.yaml');
const TEMPLATES = join(ROOT, 'templates', 'week-12');
const BIN = join(import.meta.dirname, 'fixtures-w12', 'bin');
const SMALL = {
  python: DEBIAN_PYTHON,
  model: 'small',
  data: 'synthetic',
  samples: 4096,
  epochs: 1,
  loader_workers: 2,
};
const ROWS = [
  'prerequisites',
  'connect',
  'baseline',
  'lever-amp',
  'lever-batch',
  'lever-loader',
  'spot-drill',
  'report',
];

interface Row {
  [column: string]: string;
}

/** The worksheet, read with Python's csv module (Change texts contain commas). */
function readCsv(path: string): Row[] {
  const out = execFileSync(DEBIAN_PYTHON, [
    '-c',
    'import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1])))))',
    path,
  ]);
  return JSON.parse(out.toString()) as Row[];
}

const metrics = (m: Record<string, unknown>) =>
  `METRICS ${JSON.stringify({
    device: 'NVIDIA A10G',
    precision: 'fp32',
    batch_size: 128,
    grad_accum: 1,
    latency_p50_ms: 2.1,
    latency_p95_ms: 2.6,
    gpu_util_pct: 71.5,
    accuracy_pct: 91.2,
    ...m,
  })}\n`;

/** A work folder as the lab leaves it, built by the lab's own costs.py from stated METRICS lines. */
function preparedFolder(rows: Array<[string, string, string, Record<string, unknown>]>): string {
  const dir = makeTempDir('ailab-w12-verify-');
  for (const name of ['costs.py', 'prices.json'])
    writeFileSync(join(dir, name), readFileSync(join(TEMPLATES, name)));
  mkdirSync(join(dir, 'triton', 'cifar_resnet'), { recursive: true });
  writeFileSync(
    join(dir, 'triton', 'cifar_resnet', 'config.pbtxt'),
    readFileSync(join(TEMPLATES, 'config.pbtxt')),
  );
  mkdirSync(join(dir, 'runs'));
  for (const [id, pricing, change, m] of rows) {
    writeFileSync(
      join(dir, 'runs', `${id}.log`),
      `${id === 'spot' ? 'resumed from step 120 (epoch 0, batch 120)\n' : ''}${metrics(m)}`,
    );
    execFileSync(DEBIAN_PYTHON, [
      join(dir, 'costs.py'),
      'add',
      join(dir, 'lab84_costs.csv'),
      '--run-id',
      id,
      '--change',
      change,
      '--cloud',
      'aws',
      '--region',
      'us-east-1',
      '--instance',
      'g5.2xlarge',
      '--pricing',
      pricing,
      '--metrics',
      join(dir, 'runs', `${id}.log`),
    ]);
  }
  execFileSync(
    DEBIAN_PYTHON,
    [join(dir, 'costs.py'), 'report', join(dir, 'lab84_costs.csv'), join(dir, 'report.md')],
    {
      cwd: dir,
    },
  );
  return dir;
}

const GOOD: Array<[string, string, string, Record<string, unknown>]> = [
  [
    'baseline',
    'on-demand',
    'FP32, batch 128',
    { train_seconds: 1800, throughput_per_s: 55.6, samples: 100000 },
  ],
  [
    'amp',
    'on-demand',
    'AMP',
    { train_seconds: 1200, throughput_per_s: 83.3, samples: 100000, precision: 'amp-fp16' },
  ],
  [
    'batch-ga',
    'on-demand',
    'batch 256 x2',
    {
      train_seconds: 1150,
      throughput_per_s: 87,
      samples: 100000,
      batch_size: 256,
      grad_accum: 2,
      accuracy_pct: 90.6,
    },
  ],
  ['loader', 'on-demand', 'loader', { train_seconds: 1500, throughput_per_s: 66.7, samples: 100000 }],
  ['spot', 'spot', 'spot + checkpoint', { train_seconds: 1900, throughput_per_s: 55, samples: 100000 }],
];

async function verifyFolder(dir: string): Promise<LabRun['result']> {
  const run = await ailab([
    'verify',
    LAB,
    '--json',
    '--workdir',
    dir,
    '--set',
    'cloud=local',
    '--set',
    `python=${DEBIAN_PYTHON}`,
  ]);
  return JSON.parse(run.stdout);
}

afterAll(removeTempDirs);

describe('week-12 templates', () => {
  it("prices.json is ailab's price table, data/cloud-prices.json, unchanged", () => {
    expect(JSON.parse(readFileSync(join(TEMPLATES, 'prices.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(join(ROOT, 'data', 'cloud-prices.json'), 'utf8')),
    );
  });

  it("the course's trainer YAML does not parse; the lab's Job, PVC and PDB do", () => {
    const course =
      'spec:\n  tolerations:\n  - key: "spot" operator: "Equal" value: "true" effect: "NoSchedule"\n';
    const errors = (s: string) => parseAllDocuments(s).flatMap((d) => d.errors.map((e) => e.message));
    expect(errors(course).join('\n')).toMatch(/Nested mappings are not allowed in compact mappings/);
    const ours = readFileSync(join(TEMPLATES, 'trainer.yaml'), 'utf8');
    expect(errors(ours)).toEqual([]);
    expect(parseAllDocuments(ours).map((d) => d.toJS().kind)).toEqual([
      'Job',
      'PersistentVolumeClaim',
      'PodDisruptionBudget',
    ]);
  });
});

describe('week-12 cloud=local on this CPU', () => {
  let run: LabRun;
  let rows: Row[];

  beforeAll(async () => {
    ensureBundle();
    run = await runLabCli('week-12', {
      sets: { cloud: 'local', ...SMALL },
      only: ROWS,
      env: { OMP_NUM_THREADS: '2' },
    });
    rows = readCsv(join(run.result.workDir!, 'lab84_costs.csv'));
  }, 90_000);

  it('runs the baseline and every lever, one row each', () => {
    for (const id of ROWS) expect(step(run.result, id).status, `${id}\n${problems(run.result)}`).toBe('pass');
    expect(rows.map((r) => r.RunID)).toEqual(['baseline', 'amp', 'batch-ga', 'loader', 'spot']);
    expect(rows.find((r) => r.RunID === 'amp')?.Precision).toBe('amp-bf16');
    expect(rows.find((r) => r.RunID === 'spot')?.Pricing).toBe('spot');
    for (const r of rows) expect(Number(r.Accuracy_pct), r.RunID).toBeGreaterThan(0);
  });

  it('preempts the spot run with SIGTERM and resumes it from the checkpoint', () => {
    const dir = run.result.workDir!;
    expect(readFileSync(join(dir, 'runs', 'spot-preempted.log'), 'utf8')).toMatch(
      /checkpoint saved, exiting\nexit 143/,
    );
    const resumed = /^resumed from step (\d+) /m.exec(readFileSync(join(dir, 'runs', 'spot.log'), 'utf8'));
    expect(Number(resumed?.[1])).toBeGreaterThan(0);
    // The resumed run trains only what was left: the sampler skipped the consumed batches.
    const spot = JSON.parse(/^METRICS (.*)$/m.exec(readFileSync(join(dir, 'runs', 'spot.log'), 'utf8'))![1]);
    expect(spot.samples).toBe(4096 - Number(resumed![1]) * 128);
    expect(verifyCheck(run.result, 'spot-resume').status).toBe('pass');
  });

  it("prices every row from ailab's table: compute = $/h x time, Savings% against the baseline", () => {
    const table = JSON.parse(readFileSync(join(ROOT, 'data', 'cloud-prices.json'), 'utf8'));
    const prices = table.clouds.aws.instances['g5.2xlarge'].prices['us-east-1'];
    for (const r of rows) {
      const usdH = r.Pricing === 'spot' ? prices.spot : prices.onDemand;
      expect(Number(r.ComputeUSD), r.RunID).toBeCloseTo((usdH * Number(r.TrainTime_min)) / 60, 5);
      const storage = (200 * table.clouds.aws.diskUsdPerGbMonth * Number(r.TrainTime_min)) / 60 / 730;
      expect(Number(r.StorageUSD), r.RunID).toBeCloseTo(storage, 5);
    }
    const base = Number(rows[0].TotalCostUSD);
    for (const r of rows)
      expect(Number(r.SavingsVsBaseline_pct), r.RunID).toBeCloseTo(
        ((base - Number(r.TotalCostUSD)) / base) * 100,
        1,
      );
    expect(verifyCheck(run.result, 'arithmetic').status).toBe('pass');
    expect(verifyCheck(run.result, 'worksheet').status).toBe('pass');
  });

  it("grades the savings goal from the worksheet's own numbers", () => {
    const eligible = rows.filter(
      (r) => r.RunID !== 'baseline' && Number(r.Accuracy_pct) >= Number(rows[0].Accuracy_pct) - 1,
    );
    const best = Math.max(...eligible.map((r) => Number(r.SavingsVsBaseline_pct)));
    const check = verifyCheck(run.result, 'savings');
    expect(check.status).toBe(best >= 40 ? 'pass' : 'fail');
    expect(Number(check.assertions?.find((a) => a.name === 'best_savings_pct')?.actual)).toBeCloseTo(best, 1);
    const report = readFileSync(join(run.result.workDir!, 'report.md'), 'utf8');
    expect(report).toMatch(/^Promote: /m);
    expect(report).toMatch(/g5\.2xlarge running 24\/7 costs 884\.76 USD\/month/);
    // The GPU-only checks are skipped on this machine, not failed.
    for (const id of ['amp-faster', 'gpu-busy', 'tagged', 'lifecycle'])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
  });
});

describe('week-12 graded worksheets (ailab verify)', () => {
  it('passes a complete worksheet whose spot row saves more than 40 %', async () => {
    const result = await verifyFolder(preparedFolder(GOOD));
    expect(verifyCheck(result, 'savings').status, problems(result)).toBe('pass');
    const stdout = verifyCheck(result, 'savings').assertions?.find((a) =>
      a.name.startsWith('stdout matches'),
    );
    expect(stdout?.actual).toMatch(/best=spot best_savings_pct=5\d\.\d /);
    expect(verifyCheck(result, 'arithmetic').status).toBe('pass');
    expect(result.status).toBe('passed');
  }, 30_000);

  it('fails a worksheet whose total was edited by hand, naming the row', async () => {
    const dir = preparedFolder(GOOD);
    const csv = readFileSync(join(dir, 'lab84_costs.csv'), 'utf8').split('\n');
    csv[2] = csv[2].replace(/,(\d+\.\d{6}),(-?[0-9.]+),"?0?/, (m, total) =>
      m.replace(total, (Number(total) / 2).toFixed(6)),
    );
    writeFileSync(join(dir, 'lab84_costs.csv'), csv.join('\n'));
    const check = verifyCheck(await verifyFolder(dir), 'arithmetic');
    expect(check.status).toBe('fail');
    expect(check.details).toMatch(/ERROR amp: TotalCostUSD [0-9.]+ != compute\+storage\+network/);
  }, 30_000);

  it('fails without the spot row: no lever reaches the goal', async () => {
    const result = await verifyFolder(preparedFolder(GOOD.filter(([id]) => id !== 'spot')));
    expect(verifyCheck(result, 'worksheet').status).toBe('fail');
    const savings = verifyCheck(result, 'savings');
    expect(savings.status).toBe('fail');
    // AMP and batch+accumulation save about a third: real, but short of the goal.
    expect(savings.details).toMatch(/^best=batch-ga best_savings_pct=3\d\.\d /m);
    expect(savings.hint).toMatch(/spot-drill/);
    expect(result.status).toBe('failed');
  }, 30_000);
});

describe('week-12 cloud=aws method=cli with stand-in aws and ssh', () => {
  let run: LabRun;
  let calls: string[];
  let state: {
    instances: Record<
      string,
      { tags: Record<string, string>; state: string; lifecycle: string | null; key: string; devices: string }
    >;
    buckets: object;
    sg: string | null;
    key: boolean;
  };

  beforeAll(async () => {
    ensureBundle();
    const stub = makeTempDir('ailab-w12-aws-');
    run = await runLabCli('week-12', {
      sets: { cloud: 'aws', method: 'cli', vm_python: DEBIAN_PYTHON, ssh_cidr: '203.0.113.7/32', ...SMALL },
      only: [
        'prerequisites',
        'quota',
        'launch-baseline',
        'connect',
        'baseline',
        'stop-baseline',
        'launch-spot',
        'spot-drill',
        'storage',
      ],
      env: {
        HOME: makeTempDir('ailab-w12-home-'),
        PATH: `${BIN}:${process.env.PATH}`,
        STUB_LOG: join(stub, 'calls.log'),
        STUB_STATE: stub,
        OMP_NUM_THREADS: '2',
      },
    });
    calls = readFileSync(join(stub, 'calls.log'), 'utf8').trim().split('\n');
    state = JSON.parse(readFileSync(join(stub, 'aws.json'), 'utf8'));
  }, 90_000);

  it('launches the on-demand VM tagged, with a key and a 200 GB root disk, and checks both quotas', () => {
    for (const id of ['quota', 'launch-baseline', 'connect', 'baseline'])
      expect(step(run.result, id).status, `${id}\n${problems(run.result)}`).toBe('pass');
    const ondemand = Object.values(state.instances).find((i) => i.tags.Name === 'lab84-ondemand')!;
    expect(ondemand.tags).toEqual({ Name: 'lab84-ondemand', Project: 'Lab84', Owner: 'student' });
    expect(ondemand.key).toBe('lab84-key');
    expect(JSON.parse(ondemand.devices)).toEqual([
      { DeviceName: '/dev/sda1', Ebs: { VolumeSize: 200, VolumeType: 'gp3', DeleteOnTermination: true } },
    ]);
    expect(calls.filter((c) => c.startsWith('aws service-quotas')).join('\n')).toMatch(
      /L-DB2E81BA[\s\S]*L-3819A6DF/,
    );
  });

  it('terminates the on-demand VM before launching the spot VM (one GPU VM at a time), with a key', () => {
    const terminate = calls.findIndex((c) => c.startsWith('aws ec2 terminate-instances'));
    const spot = calls.findIndex((c) => c.includes('MarketType=spot'));
    expect(terminate).toBeGreaterThan(-1);
    expect(spot).toBeGreaterThan(terminate);
    expect(calls[spot]).toMatch(/--key-name lab84-key/);
    expect(stepCheck(run.result, 'launch-spot', /really spot/).status).toBe('pass');
    expect(step(run.result, 'spot-drill').status, problems(run.result)).toBe('pass');
  });

  it("applies the fixed lifecycle rule to a bucket in the same region; S3 refuses the course's 14 days", () => {
    expect(step(run.result, 'storage').status, problems(run.result)).toBe('pass');
    expect(calls).toContain(
      'aws s3api put-bucket-lifecycle-configuration --bucket lab84-artifacts-123456789012-us-east-1 --lifecycle-configuration file://lifecycle.json',
    );
    const dir = makeTempDir('ailab-w12-course-rule-');
    const course = JSON.parse(readFileSync(join(TEMPLATES, 'lifecycle.json'), 'utf8'));
    course.Rules[0].Transitions = [
      { Days: 14, StorageClass: 'STANDARD_IA' },
      { Days: 45, StorageClass: 'GLACIER' },
    ];
    writeFileSync(join(dir, 'course.json'), JSON.stringify(course));
    const refused = spawnSync(
      join(BIN, 'aws'),
      [
        's3api',
        'put-bucket-lifecycle-configuration',
        '--bucket',
        'b',
        '--lifecycle-configuration',
        `file://${join(dir, 'course.json')}`,
      ],
      {
        env: { ...process.env, STUB_LOG: join(dir, 'log'), STUB_STATE: dir },
        encoding: 'utf8',
      },
    );
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(
      /InvalidArgument.*'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'/,
    );
  });

  it('cleanup terminates every Lab84 instance, deletes bucket, security group and key, and finds nothing left', () => {
    expect(run.result.cleanup.map((c) => [c.id, c.status])).toEqual([
      ['terminate-aws', 'pass'],
      ['nothing-left', 'pass'],
    ]);
    expect(Object.values(state.instances).map((i) => i.state)).toEqual(['terminated', 'terminated']);
    expect(Object.values(state.instances).find((i) => i.tags.Name === 'lab84-spot')?.lifecycle).toBe('spot');
    expect(state.buckets).toEqual({});
    expect(state.sg).toBeNull();
    expect(state.key).toBe(false);
  });

  it('the last cleanup step fails while something is still running', () => {
    const dir = makeTempDir('ailab-w12-left-');
    writeFileSync(
      join(dir, 'aws.json'),
      JSON.stringify({
        instances: { 'i-0abc': { tags: { Project: 'Lab84' }, state: 'running' } },
        buckets: {},
        sg: null,
        key: false,
        next: 2,
      }),
    );
    const yaml = readFileSync(LAB, 'utf8');
    const script = /- id: nothing-left[\s\S]*?run: \|\n([\s\S]*)$/.exec(yaml)![1].replace(/^ {6}/gm, '');
    const left = spawnSync(
      'bash',
      ['-c', script.replaceAll('${{ cloud }}', 'aws').replaceAll('${{ aws_region }}', 'us-east-1')],
      {
        env: {
          ...process.env,
          PATH: `${BIN}:${process.env.PATH}`,
          STUB_LOG: join(dir, 'log'),
          STUB_STATE: dir,
        },
        encoding: 'utf8',
      },
    );
    expect(left.status).toBe(1);
    expect(left.stdout).toMatch(/Still there \(delete by hand\): i-0abc/);
  });
});

describe('week-12 method=ailab', () => {
  it('plans one on-demand host from the provision block, priced from the table, with the idle stop', async () => {
    const dry = await ailab(['run', 'week-12', '--dry-run', '--set', 'cloud=aws', '--set', 'method=ailab']);
    expect(dry.code).toBe(0);
    const out = dry.stdout + dry.stderr;
    expect(out).toMatch(/provision: aws g5\.xlarge \(a10g\) in us-east-1, 200 GB disk, on-demand/);
    expect(out).toMatch(/cost: about \$1\.03\/h \(instance \$1\.006 \+ disk \$0\.022\)/);
    expect(out).toMatch(/idle stop: the host shuts itself down after 30m/);
    const local = await ailab([
      'run',
      'week-12',
      '--dry-run',
      '--set',
      'cloud=local',
      '--set',
      'method=ailab',
    ]);
    expect(local.stdout + local.stderr).not.toMatch(/^provision:/m);
  });
});
