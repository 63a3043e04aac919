// Stand-ins for what week 11 reaches through kubectl port-forward, for its test only (no cluster, no
// MLflow, no MinIO, no ingress-nginx in CI):
//   - "svc/mlflow": the fake MLflow tracking server of week 9 (fixtures-w06-10/fake-mlflow-server.ts),
//     behind a proxy that plays the server's artifact configuration: `proxied` (the lab's
//     --artifacts-destination: runs get mlflow-artifacts:/ URIs and uploads land in the bucket) or
//     `s3` (the course's --default-artifact-root=s3://mlflow-artifacts: runs get s3:// URIs, and the
//     client must upload to S3 itself);
//   - "svc/minio": /minio/health/live, and S3's ListObjectsV2 of the bucket mlflow-artifacts in S3's XML,
//     for a request signed with SigV4 by the access key admin (the key is checked, not the signature);
//   - "svc/ingress-nginx-controller": ingress-nginx's behaviour for the lab's Ingress object: an Ingress
//     without ingressClassName (and no default IngressClass) is not served (404 from the default
//     backend); the host must match; basic auth is checked against the htpasswd file as nginx does
//     (APR1-MD5 hashes, verified with `openssl passwd -apr1`), 401 otherwise.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Json } from '../../helpers/kube-api.js';
import { type FakeMlflow, startFakeMlflow } from '../fixtures-w06-10/fake-mlflow-server.js';

export interface StandIns {
  mlflowPort: number;
  minioPort: number;
  ingressPort: number;
  /** Keys in the bucket mlflow-artifacts. */
  bucket: Map<string, Buffer>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    }),
  );
}

/** Forward a request to 127.0.0.1:port; `rewrite` may change a JSON answer. */
function forward(
  port: number,
  req: IncomingMessage,
  data: Buffer,
  res: ServerResponse,
  rewrite?: (json: Json) => Json,
): void {
  const upstream = request(
    {
      host: '127.0.0.1',
      port,
      path: req.url,
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    },
    async (answer) => {
      let out = await body(answer);
      if (rewrite && /json/.test(String(answer.headers['content-type']))) {
        out = Buffer.from(JSON.stringify(rewrite(JSON.parse(out.toString('utf8')))));
      }
      res.writeHead(answer.statusCode ?? 502, {
        'content-type': String(answer.headers['content-type'] ?? 'text/plain'),
      });
      res.end(out);
    },
  );
  upstream.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  upstream.end(data);
}

/** Whether `password` matches an htpasswd line's APR1 hash ($apr1$salt$hash), as nginx checks it. */
function htpasswdAccepts(file: string, user: string, password: string): boolean {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, hash] = line.trim().split(':');
    if (name !== user || !hash) continue;
    const m = /^\$apr1\$([^$]+)\$/.exec(hash);
    if (!m) return false;
    const computed = execFileSync('openssl', ['passwd', '-apr1', '-salt', m[1], password], {
      encoding: 'utf8',
    }).trim();
    return computed === hash;
  }
  return false;
}

export async function startStandIns(options: {
  artifacts: 'proxied' | 's3';
  /** The Ingress object as applied (its class and host decide what the controller serves). */
  ingress: () => Json | undefined;
  /** The htpasswd file behind the secret mlflow-basic-auth. */
  htpasswd: string;
}): Promise<StandIns> {
  const mlflow: FakeMlflow = await startFakeMlflow();
  const bucket = new Map<string, Buffer>();
  const PUT = '/api/2.0/mlflow-artifacts/artifacts/';

  const service = createServer(async (req, res) => {
    const data = await body(req);
    if (req.method === 'PUT' && req.url?.startsWith(PUT) && options.artifacts === 'proxied') {
      // The proxied destination is s3://mlflow-artifacts: the server writes the same path there.
      bucket.set(decodeURIComponent(req.url.slice(PUT.length)), data);
    }
    const s3 = (info: Json) => {
      if (options.artifacts === 's3' && info?.artifact_uri)
        info.artifact_uri = `s3://mlflow-artifacts/${info.experiment_id}/${info.run_id}/artifacts`;
    };
    forward(mlflow.port, req, data, res, (json) => {
      s3(json.run?.info);
      for (const run of json.runs ?? []) s3(run.info);
      return json;
    });
  });

  const minio = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://minio');
    if (url.pathname === '/minio/health/live') {
      res.writeHead(200);
      return res.end();
    }
    if (!/^AWS4-HMAC-SHA256 Credential=admin\//.test(String(req.headers.authorization ?? ''))) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>',
      );
    }
    if (url.pathname !== '/mlflow-artifacts' || url.searchParams.get('list-type') !== '2') {
      res.writeHead(404);
      return res.end();
    }
    const contents = [...bucket]
      .map(
        ([key, data]) =>
          `<Contents><Key>${key}</Key><Size>${data.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('');
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>mlflow-artifacts</Name><Prefix></Prefix><KeyCount>${bucket.size}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
    );
  });
  const minioPort = await listen(minio);
  const mlflowPort = await listen(service);

  const ingress = createServer(async (req, res) => {
    const data = await body(req);
    const object = options.ingress();
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const served =
      object?.spec?.ingressClassName === 'nginx' && object.spec.rules?.some((r: Json) => r.host === host);
    if (!served) {
      res.writeHead(404, { 'content-type': 'text/html' });
      return res.end(
        '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
      );
    }
    const auth = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''));
    const [user, password] = auth ? Buffer.from(auth[1], 'base64').toString('utf8').split(':') : [];
    if (!user || !htpasswdAccepts(options.htpasswd, user, password ?? '')) {
      res.writeHead(401, { 'content-type': 'text/html', 'www-authenticate': 'Basic realm="MLflow"' });
      return res.end(
        '<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
      );
    }
    forward(mlflowPort, req, data, res);
  });
  const ingressPort = await listen(ingress);

  return {
    mlflowPort,
    minioPort,
    ingressPort,
    bucket,
    close: async () => {
      for (const server of [service, minio, ingress]) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
      await mlflow.close();
    },
  };
}
