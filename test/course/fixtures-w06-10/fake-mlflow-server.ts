// A stand-in for an MLflow tracking server, for the week-9 lab's test only: MLflow is not in Debian
// and PyPI cannot be reached in CI. It speaks the few REST calls that the CI stand-in client
// (mlflow-stub/) sends and that the lab's checks read: runs (create, log-parameter, log-metric,
// update, search), metric history, artifacts (upload, download, list), MLflow 3's logged models, and
// /health. Runs live in memory; the experiments it starts with come from a fixture file. It listens on
// 127.0.0.1 only.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface Run {
  info: {
    run_id: string;
    run_uuid: string;
    experiment_id: string;
    run_name: string;
    status: string;
    start_time: number;
    end_time?: number;
    lifecycle_stage: string;
    artifact_uri: string;
  };
  params: Map<string, string>;
  metrics: Metric[];
}

interface LoggedModel {
  model_id: string;
  name: string;
  experiment_id: string;
  source_run_id: string;
  status: string;
  creation_timestamp_ms: number;
}

export interface FakeMlflow {
  port: number;
  url: string;
  close(): Promise<void>;
}

const EXPERIMENTS: { experiment_id: string; name: string }[] = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fake-mlflow-experiments.json'), 'utf8'),
);

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type });
  res.end(text);
}

function notFound(res: ServerResponse, what: string): void {
  send(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: what });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `params.lr = '0.001' AND params.batch_size = '64'`: the only filters the lab uses. */
function matchesFilter(run: Run, filter: string | undefined): boolean {
  if (!filter?.trim()) return true;
  return filter.split(/\s+AND\s+/i).every((term) => {
    const m = /^\s*params\.([\w.-]+)\s*=\s*'([^']*)'\s*$/.exec(term);
    if (!m) throw new Error(`unsupported filter: ${term}`);
    return run.params.get(m[1]) === m[2];
  });
}

function runJson(run: Run) {
  const latest = new Map<string, Metric>();
  for (const metric of run.metrics) {
    const seen = latest.get(metric.key);
    if (!seen || metric.step >= seen.step) latest.set(metric.key, metric);
  }
  return {
    info: run.info,
    data: {
      params: [...run.params].map(([key, value]) => ({ key, value })),
      metrics: [...latest.values()],
      tags: [],
    },
  };
}

export async function startFakeMlflow(port = 0): Promise<FakeMlflow> {
  const runs = new Map<string, Run>();
  const artifacts = new Map<string, Buffer>();
  const models: LoggedModel[] = [];
  let counter = 0;
  const newId = () =>
    `${Date.now().toString(16)}${(++counter).toString(16).padStart(8, '0')}`.padEnd(32, '0');

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = url.pathname;
      const body = await readBody(req);
      const json = () => (body.length > 0 ? JSON.parse(body.toString('utf8')) : {});
      const api = path.startsWith('/api/2.0/mlflow/') ? path.slice('/api/2.0/mlflow/'.length) : undefined;
      const artifactPath = path.startsWith('/api/2.0/mlflow-artifacts/artifacts/')
        ? decodeURIComponent(path.slice('/api/2.0/mlflow-artifacts/artifacts/'.length))
        : undefined;

      if (path === '/health') return send(res, 200, 'OK', 'text/plain');
      if (path === '/' && req.method === 'GET')
        return send(res, 200, '<!doctype html><title>MLflow (CI stand-in)</title>', 'text/html');
      if (artifactPath !== undefined) {
        if (req.method === 'PUT') {
          artifacts.set(artifactPath, body);
          return send(res, 200, {});
        }
        const data = artifacts.get(artifactPath);
        return data ? send(res, 200, data, 'application/octet-stream') : notFound(res, artifactPath);
      }
      const run = (id: unknown) => runs.get(String(id));

      switch (`${req.method} ${api}`) {
        case 'GET experiments/search':
        case 'POST experiments/search':
          return send(res, 200, { experiments: EXPERIMENTS });
        case 'POST runs/create': {
          const input = json();
          const id = newId();
          const experimentId = String(input.experiment_id ?? '0');
          const created: Run = {
            info: {
              run_id: id,
              run_uuid: id,
              experiment_id: experimentId,
              run_name: input.run_name || `run-${counter}`,
              status: 'RUNNING',
              start_time: Number(input.start_time ?? Date.now()),
              lifecycle_stage: 'active',
              artifact_uri: `mlflow-artifacts:/${experimentId}/${id}/artifacts`,
            },
            params: new Map(),
            metrics: [],
          };
          runs.set(id, created);
          return send(res, 200, { run: runJson(created) });
        }
        case 'POST runs/log-parameter': {
          const input = json();
          const target = run(input.run_id);
          if (!target) return notFound(res, `run ${input.run_id}`);
          target.params.set(String(input.key), String(input.value));
          return send(res, 200, {});
        }
        case 'POST runs/log-metric': {
          const input = json();
          const target = run(input.run_id);
          if (!target) return notFound(res, `run ${input.run_id}`);
          target.metrics.push({
            key: String(input.key),
            value: Number(input.value),
            timestamp: Number(input.timestamp ?? Date.now()),
            step: Number(input.step ?? 0),
          });
          return send(res, 200, {});
        }
        case 'POST runs/update': {
          const input = json();
          const target = run(input.run_id);
          if (!target) return notFound(res, `run ${input.run_id}`);
          if (input.status) target.info.status = String(input.status);
          if (input.end_time) target.info.end_time = Number(input.end_time);
          return send(res, 200, { run_info: target.info });
        }
        case 'POST runs/search': {
          const input = json();
          const ids: string[] = (input.experiment_ids ?? []).map(String);
          let found = [...runs.values()].filter(
            (r) => ids.includes(r.info.experiment_id) && matchesFilter(r, input.filter),
          );
          const desc = (input.order_by ?? []).some((o: string) => /start_time\s+DESC/i.test(o));
          // Stable: runs started in the same millisecond keep the order they were created in.
          found.sort((a, b) => a.info.start_time - b.info.start_time);
          if (desc) found.reverse();
          found = found.slice(0, Number(input.max_results ?? 1000));
          return send(res, 200, found.length > 0 ? { runs: found.map(runJson) } : {});
        }
        case 'GET metrics/get-history': {
          const target = run(url.searchParams.get('run_id'));
          if (!target) return notFound(res, `run ${url.searchParams.get('run_id')}`);
          const key = url.searchParams.get('metric_key');
          return send(res, 200, { metrics: target.metrics.filter((m) => m.key === key) });
        }
        case 'GET artifacts/list': {
          const target = run(url.searchParams.get('run_id'));
          if (!target) return notFound(res, `run ${url.searchParams.get('run_id')}`);
          const prefix = `${target.info.experiment_id}/${target.info.run_id}/artifacts/`;
          const files = [...artifacts]
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, data]) => ({
              path: key.slice(prefix.length),
              is_dir: false,
              file_size: data.length,
            }));
          return send(res, 200, { root_uri: target.info.artifact_uri, files });
        }
        case 'POST logged-models': {
          const input = json();
          const model: LoggedModel = {
            model_id: `m-${newId()}`,
            name: String(input.name ?? 'model'),
            experiment_id: String(input.experiment_id ?? '0'),
            source_run_id: String(input.source_run_id ?? ''),
            status: 'LOGGED_MODEL_READY',
            creation_timestamp_ms: Date.now(),
          };
          models.push(model);
          return send(res, 200, { model: { info: model, data: {} } });
        }
        case 'POST logged-models/search': {
          const ids: string[] = (json().experiment_ids ?? []).map(String);
          const found = models.filter((m) => ids.includes(m.experiment_id));
          return send(res, 200, { models: found.map((info) => ({ info, data: {} })) });
        }
        default:
          return notFound(res, `${req.method} ${path}`);
      }
    } catch (error) {
      send(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
