// Week 24 (Build a Streaming Pipeline with Kafka), the part a CPU machine without Docker can run, for real
// through `ailab run` with broker=existing install=none. Real: the lab's producer, processor, consumer
// and check scripts under Debian's Python 3.11 with Debian's python3-pydantic (1.10), python3-dateutil
// and python3-fake-factory (Faker), the lab's checks and grading, the background services and their
// cleanup. Stand-in: the Kafka broker. No broker can run here (no Docker engine, no Kafka in Debian), so a
// file-backed stand-in for kafka-python (fixtures-w24/kafka-stub, on PYTHONPATH) plays client and broker:
// topics with partitions, keyed records, consumer-group offsets, poll/commit, end offsets and the admin
// client as kafka-python 2.0 has them, and NoBrokersAvailable when no "broker" answers. The course's own
// processor.py and consumer.py (fixtures-w24/course, verbatim) run against the same stand-in to show their
// mistakes. Not run: Docker Compose, Kafka, Kafka UI, pip.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  ROOT,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures-w24');
const KAFKA_STUB = join(FIXTURES, 'kafka-stub');
const APP = join(ROOT, 'templates', 'week-24', 'app');

/** Debian's Faker is the one package of the lab's that a fresh machine may lack (python3-fake-factory). */
function hasFaker(): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import faker, pydantic, dateutil'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A fresh stand-in "broker" answering at localhost:9092 (num.partitions 1, auto-create on, as Kafka's defaults). */
function newBroker(): string {
  const dir = makeTempDir('ailab-week-24-kafka-');
  writeFileSync(
    join(dir, 'broker.json'),
    JSON.stringify({ bootstrap: 'localhost:9092', num_partitions: 1, auto_create_topics: true }),
  );
  return dir;
}

function pyEnv(kafkaDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: KAFKA_STUB,
    KAFKA_STUB_DIR: kafkaDir,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

/** One of the lab's check_pipeline.py summaries, read from the stand-in broker. */
function summary(kafkaDir: string, ...args: string[]): Record<string, unknown> {
  const out = execFileSync(DEBIAN_PYTHON, [join(APP, 'check_pipeline.py'), ...args], {
    env: pyEnv(kafkaDir),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

/** The JSON values of every record of a topic, read straight from the stand-in's partition files. */
function values(kafkaDir: string, topic: string): Record<string, unknown>[] {
  const dir = join(kafkaDir, 'topics', topic);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(Buffer.from(JSON.parse(line).v, 'base64').toString('utf8')));
}

async function until(what: string, test: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const STEPS = [
  'prereqs',
  'scaffold',
  'topics',
  'producer',
  'processor',
  'consumer',
  'sanity',
  'dlq',
  'fault-kill',
  'fault-restart',
];
const SETS = {
  broker: 'existing',
  install: 'none',
  python: DEBIAN_PYTHON,
  window_sec: 2,
  flush_sec: 1,
  eps: 40,
};

describe.skipIf(!hasFaker() && !process.env.CI)(
  'week-24 with a stand-in Kafka (broker=existing, install=none)',
  () => {
    let run: LabRun;
    let workDir: string;
    let kafkaDir: string;

    beforeAll(async () => {
      await ensureBuilt();
      workDir = makeTempDir('ailab-week-24-');
      kafkaDir = newBroker();
      run = await runLab('week-24', {
        workDir,
        sets: SETS,
        env: { PYTHONPATH: KAFKA_STUB, KAFKA_STUB_DIR: kafkaDir },
      });
    }, 120_000);

    afterAll(removeTempDirs);

    it('runs the pipeline, passes every check and grades 100%', () => {
      expect(run.result.status, problems(run.result)).toBe('passed');
      expect(run.code).toBe(0);
      for (const id of STEPS) expect(step(run.result, id).status, id).toBe('pass');
      for (const id of ['compose-up', 'install']) expect(step(run.result, id).status, id).toBe('skip');
      expect(run.result.verify.map((c) => [c.id, c.status])).toEqual([
        ['stack', 'skip'],
        ['ui', 'skip'],
        ...['topics', 'events', 'features', 'windows-roll', 'csv', 'lag', 'dlq', 'processor-running'].map(
          (id) => [id, 'pass'],
        ),
      ]);
      expect(run.result.score.percent).toBe(100);
    });

    it('left real data in the topics: valid events, 2-second windows that roll, the dead letters', () => {
      expect(summary(kafkaDir, 'topics')).toEqual({ 'dlq-transactions': 1, features: 3, transactions: 3 });
      const events = summary(kafkaDir, 'transactions');
      expect(events.invalid).toBe(0);
      expect(events.injected).toBe(4);
      expect(events.valid as number).toBeGreaterThan(100);
      expect(events.event_types).toEqual(['add_to_cart', 'purchase', 'view']);
      const features = summary(kafkaDir, 'features', '--window-sec', '2');
      expect(features).toMatchObject({ invalid: 0, window_step: 2 });
      expect(features.windows as number).toBeGreaterThanOrEqual(3);
      // Each event is counted in one window once (the windows still open when the processor was killed are lost).
      expect(features.events as number).toBeLessThanOrEqual(events.valid as number);
      expect(summary(kafkaDir, 'dlq')).toMatchObject({
        count: 4,
        errors: { validation_error: 3, deserialization_error: 1 },
      });
      const dlq = values(kafkaDir, 'dlq-transactions') as {
        error: string;
        reason: unknown;
        payload: unknown;
      }[];
      const negative = dlq.find((d) => (d.payload as { amount?: number }).amount === -25);
      expect(negative?.reason).toEqual([expect.objectContaining({ loc: ['amount'] })]);
      expect(dlq.find((d) => d.error === 'deserialization_error')?.payload).toBe('{not json');
    });

    it('wrote features.csv, and the fault drill saw the lag grow and recover', () => {
      // csv.DictWriter ends lines with \r\n, as the csv module does by default.
      const csv = readFileSync(join(workDir, 'app', 'features.csv'), 'utf8')
        .trim()
        .split('\r\n');
      expect(csv[0]).toBe('user_id,window_start,window_end,event_count,purchase_count,revenue,emitted_at');
      expect(csv.length).toBeGreaterThan(10);
      const [grows] = step(run.result, 'fault-kill').checks;
      expect(grows.status).toBe('pass');
      const lag = /"lag": (\d+)/.exec(step(run.result, 'fault-kill').outputTail ?? '');
      expect(Number(lag?.[1])).toBeGreaterThan(0);
      expect(step(run.result, 'fault-restart').checks.map((c) => c.status)).toEqual(['pass', 'pass']);
    });

    it('stopped the producer, the processors and the consumer at cleanup', () => {
      expect(run.result.cleanup.map((c) => [c.id, c.status])).toEqual(
        expect.arrayContaining(
          ['producer', 'processor', 'consumer', 'fault-restart'].map((id) => [`stop-${id}`, 'pass']),
        ),
      );
      // No process is left whose working folder is the lab's app/ (other tests' processes are not looked at).
      const left = readdirSync('/proc')
        .filter((pid) => /^\d+$/.test(pid))
        .filter((pid) => {
          try {
            return readlinkSync(`/proc/${pid}/cwd`) === join(workDir, 'app');
          } catch {
            return false;
          }
        });
      expect(left).toEqual([]);
    });

    it('fails the partition check, with its hint, when the topics step is skipped', async () => {
      const skipped = await runLab('week-24', {
        workDir: makeTempDir('ailab-week-24-notopics-'),
        sets: { ...SETS, fault_injection: 'false' },
        only: ['prereqs', 'scaffold', 'producer', 'processor'],
        env: { PYTHONPATH: KAFKA_STUB, KAFKA_STUB_DIR: newBroker() },
      });
      expect(step(skipped.result, 'processor').status, problems(skipped.result)).toBe('pass');
      const topics = verifyCheck(skipped.result, 'topics');
      expect(topics.status).toBe('fail');
      // Auto-created by the producer and the processor: the broker's one partition.
      expect(topics.observed).toMatch(/\$\.transactions: 1\b/);
      expect(topics.hint).toMatch(/create_topics\.py/);
      for (const id of ['events', 'features'])
        expect(verifyCheck(skipped.result, id).status, id).toBe('pass');
      for (const id of ['csv', 'dlq']) expect(verifyCheck(skipped.result, id).status, id).toBe('fail');
    }, 60_000);

    it('fails the required checks with "NoBrokersAvailable" when no broker answers', async () => {
      // The lab's folder from the run above, with the broker gone (its stand-in's folder empty).
      const none = makeTempDir('ailab-week-24-nobroker-');
      const verify = await runLab('week-24', {
        workDir,
        mode: 'verify',
        sets: SETS,
        env: { PYTHONPATH: KAFKA_STUB, KAFKA_STUB_DIR: none },
      });
      expect(verify.result.status).toBe('failed');
      const events = verifyCheck(verify.result, 'events');
      expect(events.status).toBe('fail');
      expect(`${events.message}\n${events.details ?? ''}\n${events.observed ?? ''}`).toMatch(
        /NoBrokersAvailable/,
      );
      expect(verifyCheck(verify.result, 'processor-running').status).toBe('fail');
    }, 30_000);
  },
);

describe.skipIf(!hasFaker() && !process.env.CI)(
  "week-24: the course's own processor.py and consumer.py",
  () => {
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      removeTempDirs();
    });

    function start(kafkaDir: string, script: string, cwd: string, extra: Record<string, string> = {}) {
      const child = spawn(DEBIAN_PYTHON, [script], {
        cwd,
        env: pyEnv(kafkaDir, extra),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, exited, output: () => output };
    }

    function send(kafkaDir: string, script: string) {
      execFileSync(DEBIAN_PYTHON, [join(APP, script)], { env: pyEnv(kafkaDir), stdio: 'ignore' });
    }

    it('sums a negative amount into revenue (no DLQ) and dies on a message that is not JSON, at every restart', async () => {
      const kafkaDir = newBroker();
      const cwd = makeTempDir('ailab-week-24-course-');
      send(kafkaDir, 'create_topics.py');
      // One purchase of -25.0, as the course's DLQ check makes: the course's Txn accepts it.
      execFileSync(
        DEBIAN_PYTHON,
        [
          '-c',
          [
            'import json, datetime',
            'from kafka import KafkaProducer',
            'p = KafkaProducer(value_serializer=lambda v: json.dumps(v).encode())',
            'p.send("transactions", key=b"7", value={"event_time": datetime.datetime.now(datetime.timezone.utc).isoformat(), "user_id": 7, "event_type": "purchase", "amount": -25.0, "device": "web", "country": "DE"})',
          ].join('\n'),
        ],
        { env: pyEnv(kafkaDir) },
      );
      const course = start(kafkaDir, join(FIXTURES, 'course', 'processor.py'), cwd, { WINDOW_SEC: '1' });
      await until('the course processor to emit the window', () => {
        const f = summary(kafkaDir, 'features', '--window-sec', '1');
        return (f.count as number) >= 1;
      });
      expect(values(kafkaDir, 'features')).toEqual([
        expect.objectContaining({ user_id: 7, purchase_count: 1, revenue: -25 }),
      ]);
      expect(summary(kafkaDir, 'dlq').count).toBe(0);

      // Bytes that are not JSON: the course's value_deserializer raises inside poll() and the processor dies ...
      send(kafkaDir, 'send_bad_events.py');
      expect(await course.exited).not.toBe(0);
      expect(course.output()).toMatch(/JSONDecodeError/);
      // ... and again at every restart, on the same offset (nothing reached the DLQ).
      const again = start(kafkaDir, join(FIXTURES, 'course', 'processor.py'), cwd, { WINDOW_SEC: '1' });
      expect(await again.exited).not.toBe(0);
      expect(again.output()).toMatch(/JSONDecodeError/);
      expect(summary(kafkaDir, 'dlq').count).toBe(0);
    }, 40_000);

    it("leaves features.csv empty while it runs (the course's consumer never flushes)", async () => {
      const kafkaDir = newBroker();
      const cwd = makeTempDir('ailab-week-24-course-csv-');
      // A few features in the topic, written by the lab's processor from the lab's producer.
      const appDir = join(cwd, 'lab');
      mkdirSync(appDir);
      cpSync(APP, appDir, { recursive: true });
      send(kafkaDir, 'create_topics.py');
      const producer = start(kafkaDir, join(appDir, 'producer.py'), appDir, { EVENTS_PER_SECOND: '40' });
      const processor = start(kafkaDir, join(appDir, 'processor.py'), appDir, {
        WINDOW_SEC: '1',
        FLUSH_SEC: '0.5',
      });
      await until(
        'features',
        () => (summary(kafkaDir, 'features', '--window-sec', '1').count as number) >= 5,
      );
      producer.child.kill('SIGTERM');
      processor.child.kill('SIGTERM');
      await Promise.all([producer.exited, processor.exited]);

      const course = start(kafkaDir, join(FIXTURES, 'course', 'consumer.py'), cwd, { WRITE_CSV: 'true' });
      await until(
        'the course consumer to print the features',
        () => (course.output().match(/'user_id'/g) ?? []).length >= 5,
      );
      expect(statSync(join(cwd, 'features.csv')).size).toBe(0);
      course.child.kill('SIGTERM');
      await course.exited;
      // Killed (as Ctrl+C or `kill` would), it loses its buffer: the file stays empty.
      expect(statSync(join(cwd, 'features.csv')).size).toBe(0);

      // The lab's consumer (same group, its offsets reset to the earliest, as kafka-consumer-groups.sh
      // --reset-offsets does): the rows are in the file while it runs.
      rmSync(join(kafkaDir, 'groups', 'features-reader.json'), { force: true });
      const fixed = start(kafkaDir, join(appDir, 'consumer.py'), appDir, { WRITE_CSV: 'true' });
      await until('the fixed consumer to write rows', () => {
        const path = join(appDir, 'features.csv');
        return existsSync(path) && readFileSync(path, 'utf8').trim().split('\n').length >= 6;
      });
      fixed.child.kill('SIGTERM');
      expect(await fixed.exited).toBe(0);
    }, 40_000);
  },
);
