// Week 6 (Build a Data Ingestion Pipeline), the part a CPU machine without Docker can run, for real
// through `ailab run` with services=existing: a throwaway PostgreSQL 15 (Debian's, 127.0.0.1, a free
// port, the lab's role and database) stands in for the compose `postgres` service, and a file-backed
// stand-in for kafka-python (fixtures-w06-10/kafka-stub, on PYTHONPATH) for the Kafka broker, which
// cannot run here. The course's producer and the fixed consumer run unmodified against them, the
// consumer's inserts land in the real PostgreSQL through Debian's python3-psycopg2, and the lab's SQL
// checks read them back. MinIO and Docker Compose are not run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  bundleBuilt,
  DEBIAN_PYTHON,
  type LabRun,
  problems,
  runLab,
  step,
  verifyCheck,
} from './fixtures-w06-10/ailab-cli.js';
import { canStartPostgres, type Postgres, startPostgres } from './fixtures-w06-10/postgres.js';

const KAFKA_STUB = join(import.meta.dirname, 'fixtures-w06-10', 'kafka-stub');
const STEPS = ['workdir', 'sample-data', 'produce', 'consume', 'query-existing'];

describe.skipIf(!bundleBuilt() || !canStartPostgres())('week-06 with PostgreSQL and a stand-in Kafka', () => {
  let postgres: Postgres;
  let run: LabRun;
  let workDir: string;
  let kafkaDir: string;

  const sets = (port: number) => ({
    python: DEBIAN_PYTHON,
    services: 'existing',
    pg_port: port,
    consumer_timeout_ms: 1500,
  });

  beforeAll(async () => {
    postgres = startPostgres(await freePort());
    workDir = makeTempDir('ailab-week-06-');
    kafkaDir = makeTempDir('ailab-week-06-kafka-');
    run = await runLab('week-06', {
      workDir,
      sets: sets(postgres.port),
      only: STEPS,
      env: { PYTHONPATH: KAFKA_STUB, KAFKA_STUB_DIR: kafkaDir },
    });
  }, 120_000);

  afterAll(() => {
    postgres?.stop();
    removeTempDirs();
  });

  it('runs the producer and the consumer, and their rows land in PostgreSQL', () => {
    for (const id of STEPS)
      expect(step(run.result, id).status, `${id}\n${problems(run.result)}`).toBe('pass');
    for (const id of ['infra', 'install', 'ingest', 'console', 'query'])
      expect(step(run.result, id).status, id).toBe('skip');
    const [rows] = step(run.result, 'query-existing').checks;
    expect(rows.observed).toMatch(/rows=10 bad=0/);
    const consumer = readFileSync(join(workDir, 'ai-ingestion-lab', 'consumer.log'), 'utf8');
    expect(consumer.match(/^Inserted: \{'user_id': \d, 'amount': \d+\}$/gm)).toHaveLength(10);
  });

  it('grades what CI can run, and fails what it cannot (MinIO)', () => {
    for (const id of ['produced', 'inserted', 'rows-existing'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    for (const id of ['services', 'console', 'rows-compose'])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
    // No MinIO here: the object checks fail, so the run as a whole does not pass.
    expect(verifyCheck(run.result, 'minio').status).toBe('fail');
    expect(verifyCheck(run.result, 'object').status).toBe('fail');
    expect(run.result.status).toBe('failed');
  });

  it("shows the course's consumer bug: from the latest offset it inserts nothing", () => {
    // A second consumer, as the course wrote it (no group, latest offset), after the producer ran.
    const course = readFileSync(join(workDir, 'ai-ingestion-lab', 'kafka_consumer.py'), 'utf8')
      .replace('    auto_offset_reset="earliest",\n', '')
      .replace('    group_id="ingest",\n', '');
    expect(course).not.toMatch(/auto_offset_reset=|group_id=/);
    const out = execFileSync(DEBIAN_PYTHON, ['-c', course], {
      cwd: join(workDir, 'ai-ingestion-lab'),
      env: {
        ...process.env,
        PYTHONPATH: KAFKA_STUB,
        KAFKA_STUB_DIR: kafkaDir,
        PGPORT: String(postgres.port),
        CONSUMER_TIMEOUT_MS: '500',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      encoding: 'utf8',
    });
    expect(out).not.toMatch(/Inserted:/);
  });
});
