// An HTTP(S) request to a service on the target: status, body, JSON, headers and latency. The request
// goes to the endpoint the target gives for host:port (this machine, or a forward through SSH) while
// the Host header and the TLS name stay those of the URL.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { posix } from 'node:path';
import { z } from 'zod';
import {
  describeValueMatcher,
  excerptText,
  type Facts,
  jsonMatchersSchema,
  type MatchResult,
  matchJson,
  matchText,
  matchValue,
  outcomeFromAssertions,
  textMatcherSchema,
  valueMatcherSchema,
} from '../engine/match.js';
import type { Endpoint } from '../targets/types.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { type CheckContext, type CheckOutcome, defineCheck } from './types.js';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 10;
const DETAILS_BODY_CHARS = 2000;
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

const schema = z
  .strictObject({
    url: z
      .string()
      // A URL, or one that starts with a placeholder (`${{ base_url }}/models`): checked once filled.
      .regex(/^(?:https?:\/\/|\$\{\{\s*[A-Za-z_])/i, 'a URL starting with http:// or https://')
      .describe(
        'The URL as seen from the target, e.g. http://127.0.0.1:8000/health or ${{ base_url }}/models',
      ),
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      .default('GET')
      .describe('The HTTP method (default GET)'),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe('Request headers, e.g. {Authorization: "Bearer x"}'),
    request_body: z.string().optional().describe('The request body, sent as is'),
    request_json: z
      .json()
      .optional()
      .describe('A request body sent as JSON with content-type application/json'),
    form: z
      .record(
        z.string().min(1),
        z.union([
          z.string().describe('A text field'),
          z
            .strictObject({
              file: z.string().min(1).describe('A file on the target, relative to the work folder'),
              type: z.string().optional().describe('Its content type (default: from the extension)'),
              filename: z.string().optional().describe('The file name sent (default: its base name)'),
            })
            .describe('A file field, as curl -F name=@path sends it'),
        ]),
      )
      .optional()
      .describe('A multipart/form-data body (an upload), e.g. {file: {file: sample.jpg}, top_k: "5"}'),
    status: valueMatcherSchema
      .default('200..299')
      .describe('The response status: 200, a list, ">= 400" or a range (default "200..299")'),
    body: textMatcherSchema
      .optional()
      .describe('What the response body must contain or match (its first 1 MB)'),
    json: jsonMatchersSchema.optional().describe('JSONPath matchers on the response body parsed as JSON'),
    headers_match: z
      .record(z.string().describe('A response header name (any case)'), textMatcherSchema)
      .optional()
      .describe('Response headers and what they must contain or match, e.g. {content-type: json}'),
    max_latency: z
      .union([z.string().regex(/^\d+(?:\.\d+)?$|^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/), z.number().nonnegative()])
      .optional()
      .describe('The slowest acceptable response, request to last byte: "500ms", "2s"'),
    address: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Connect to this address instead of resolving the URL's host (curl --resolve): the Host header, TLS name and certificate check stay the URL's, e.g. for https://api.example.com before its DNS exists",
      ),
    ca_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A CA certificate (PEM) on the target, relative to the work folder, to trust (curl --cacert)',
      ),
    insecure: z
      .boolean()
      .default(false)
      .describe('true: accept any TLS certificate (self-signed); default false verifies it'),
    follow_redirects: z
      .boolean()
      .default(false)
      .describe('Follow 3xx redirects (default false: grade the 3xx itself)'),
  })
  .describe('Send an HTTP(S) request and check the status, body, JSON, headers and latency');

type Options = z.output<typeof schema>;

interface Request {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  json: 'application/json',
  txt: 'text/plain',
  csv: 'text/csv',
  wav: 'audio/wav',
  pdf: 'application/pdf',
};

/** A multipart/form-data body from `form`, files read from the target; and its content type. */
async function multipartBody(
  ctx: CheckContext,
  form: NonNullable<Options['form']>,
): Promise<{ body: Buffer; type: string }> {
  const boundary = `ailab-${randomBytes(12).toString('hex')}`;
  const quoted = (text: string) => text.replace(/["\r\n]/g, (c) => encodeURIComponent(c));
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(form)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"`;
    let content: Buffer;
    if (typeof value === 'string') {
      content = Buffer.from(value);
    } else {
      const path = posix.resolve(ctx.cwd, value.file);
      try {
        content = await ctx.target.readFile(path);
      } catch (error) {
        throw new InputFileError(`cannot read ${path} for form field "${name}": ${(error as Error).message}`);
      }
      const filename = value.filename ?? posix.basename(path);
      const ext = posix.extname(path).slice(1).toLowerCase();
      head += `; filename="${quoted(filename)}"\r\nContent-Type: ${value.type ?? CONTENT_TYPES[ext] ?? 'application/octet-stream'}`;
    }
    parts.push(Buffer.from(`${head}\r\n\r\n`), content, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

/** A form file or CA file that is not there: the check errors (the lab is wrong), it does not fail. */
class InputFileError extends Error {}

async function readCaFile(ctx: CheckContext, file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  const path = posix.resolve(ctx.cwd, file);
  try {
    return await ctx.target.readFile(path);
  } catch (error) {
    throw new InputFileError(`cannot read the CA file ${path}: ${(error as Error).message}`);
  }
}

interface Response {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
  latencyMs: number;
  /** Where the request went from ("this machine", "through SSH to …"). */
  via?: string;
}

/** Why a request got no response, as a check reports it: `connection refused`, `TLS certificate not trusted: …`. */
export function describeRequestError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
  if (code === 'ECONNRESET') return 'connection reset';
  if (TLS_ERROR.test(code))
    return `TLS certificate not trusted: ${error.message} (insecure: true skips the check)`;
  return code ? `${error.message} (${code})` : error.message;
}

async function buildRequest(ctx: CheckContext, options: Options, url: URL): Promise<Request> {
  const headers: Record<string, string> = { host: url.host };
  let body: string | Buffer | undefined = options.request_body;
  if (options.request_json !== undefined) {
    body = JSON.stringify(options.request_json);
    headers['content-type'] = 'application/json';
  }
  if (options.form !== undefined) {
    const multipart = await multipartBody(ctx, options.form);
    body = multipart.body;
    headers['content-type'] = multipart.type;
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return { url, method: options.method, headers, body };
}

interface Tls {
  insecure: boolean;
  /** Extra trusted CA certificates (ca_file), PEM. */
  ca?: Buffer;
}

async function send(ctx: CheckContext, request: Request, tlsOptions: Tls, endpoint: Endpoint) {
  const secure = request.url.protocol === 'https:';
  const hostname = request.url.hostname.replace(/^\[|\]$/g, '');
  const [{ request: open }, tls, { isIP }] = await Promise.all([
    secure ? import('node:https') : import('node:http'),
    secure ? import('node:tls') : undefined,
    import('node:net'),
  ]);
  const started = performance.now();
  return new Promise<Response>((resolve, reject) => {
    const req = open(
      {
        host: endpoint.host,
        port: endpoint.port,
        method: request.method,
        path: `${request.url.pathname}${request.url.search}`,
        headers: request.headers,
        signal: ctx.signal,
        agent: false,
        ...(secure && {
          rejectUnauthorized: !tlsOptions.insecure,
          ...(tlsOptions.ca && { ca: [...(tls?.rootCertificates ?? []), tlsOptions.ca.toString('utf8')] }),
          servername: isIP(hostname) ? undefined : hostname,
          // Verify the certificate against the URL's host, not the endpoint a forward may have put in between.
          checkServerIdentity: (_host: string, cert: import('node:tls').PeerCertificate) =>
            tls?.checkServerIdentity(hostname, cert),
        }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
            latencyMs: performance.now() - started,
          });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.length <= MAX_BODY_BYTES) {
            chunks.push(chunk);
            size += chunk.length;
            return;
          }
          chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
          truncated = true;
          res.destroy();
          done();
        });
        res.once('end', done);
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(request.body);
  });
}

/** Follow the request (and redirects when asked); a failure is a reason string, a broken probe throws. */
async function fetchResponse(
  ctx: CheckContext,
  options: Options,
  first: Request,
  tlsOptions: Tls,
): Promise<Response | string> {
  let request = first;
  let latencyMs = 0;
  for (let hop = 0; ; hop++) {
    const hostname = request.url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(request.url.port) || (request.url.protocol === 'https:' ? 443 : 80);
    // `address` stands for the first URL's host only (a redirect elsewhere resolves as usual).
    const connectHost = options.address && request.url.host === first.url.host ? options.address : hostname;
    let endpoint: Endpoint;
    try {
      endpoint = await ctx.target.connectTo(connectHost, port);
    } catch (error) {
      // A forward the target refuses (nothing listens there) is a refused connection, as it is locally.
      return describeRequestError(error as NodeJS.ErrnoException);
    }
    let response: Response;
    try {
      response = await send(ctx, request, tlsOptions, endpoint);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      return describeRequestError(error as NodeJS.ErrnoException);
    } finally {
      await endpoint.close();
    }
    latencyMs += response.latencyMs;
    const location = response.headers.location;
    if (!options.follow_redirects || response.status < 300 || response.status >= 400 || !location) {
      return { ...response, latencyMs, via: endpoint.via };
    }
    if (hop >= MAX_REDIRECTS) return `more than ${MAX_REDIRECTS} redirects`;
    const url = new URL(location, request.url);
    // 301/302/303 turn into GET without a body, as browsers and curl -L do; 307/308 repeat the request.
    const keep = response.status === 307 || response.status === 308 || request.method === 'HEAD';
    const headers: Record<string, string> = { ...request.headers, host: url.host };
    if (!keep) {
      delete headers['content-length'];
      delete headers['content-type'];
    }
    request = keep ? { ...request, url, headers } : { url, method: 'GET', headers };
  }
}

async function gradeResponse(
  options: Options,
  response: Response,
): Promise<{ assertions: MatchResult[]; facts: Facts }> {
  const facts: Facts = { latency_ms: Math.round(response.latencyMs) };
  const assertions: MatchResult[] = [matchValue('status', options.status, response.status)];
  if (options.max_latency !== undefined) {
    const max = parseDuration(options.max_latency) as number;
    const ok = response.latencyMs <= max;
    const actual = formatDuration(response.latencyMs);
    const expected = `<= ${formatDuration(max)}`;
    const message = ok ? `latency ${actual}` : `latency ${actual}, expected ${expected}`;
    assertions.push({ name: 'latency', ok, expected, actual, message });
  }
  if (options.body !== undefined) {
    const matched = matchText('body', options.body, response.body);
    assertions.push(...matched.assertions);
    Object.assign(facts, matched.facts);
  }
  if (options.json !== undefined) {
    try {
      assertions.push(...(await matchJson('body', options.json, JSON.parse(response.body))));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      const actual = `not JSON (${error.message})`;
      assertions.push({
        name: 'body json',
        ok: false,
        expected: 'JSON',
        actual,
        message: `body is ${actual}`,
      });
    }
  }
  for (const [name, matcher] of Object.entries(options.headers_match ?? {})) {
    const header = name.toLowerCase();
    const value = response.headers[header];
    if (value === undefined) {
      const message = `response has no ${header} header`;
      assertions.push({
        name: `header ${header}`,
        ok: false,
        expected: 'present',
        actual: 'missing',
        message,
      });
      continue;
    }
    const matched = matchText(`header ${header}`, matcher, Array.isArray(value) ? value.join('\n') : value);
    assertions.push(...matched.assertions);
    Object.assign(facts, matched.facts);
  }
  return { assertions, facts };
}

/** One body at most; a form goes with POST, PUT or PATCH. Also `ailab lint`'s rule. */
function optionProblems(options: Options): string[] {
  const bodies = [options.request_body, options.request_json, options.form].filter((b) => b !== undefined);
  if (bodies.length > 1) return ['give one of request_body, request_json or form'];
  if (options.form !== undefined && !['POST', 'PUT', 'PATCH'].includes(options.method))
    return [`a form is sent with POST, PUT or PATCH, not ${options.method} (set method: POST)`];
  return [];
}

export const check = defineCheck({
  type: 'http',
  summary: 'Send an HTTP(S) request and check the status, body, JSON, headers and latency',
  schema,
  lint: optionProblems,
  async run(ctx, options): Promise<CheckOutcome> {
    const problem = optionProblems(options)[0];
    if (problem) return { status: 'error', message: problem };
    if (options.max_latency !== undefined && parseDuration(options.max_latency) === undefined) {
      return {
        status: 'error',
        message: `max_latency ${options.max_latency} is not a duration such as "500ms"`,
      };
    }
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      return { status: 'error', message: `invalid URL: ${options.url}` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return { status: 'error', message: `not an http(s) URL: ${options.url}` };
    const target = `${options.method} ${url.href}`;
    let response: Response | string;
    try {
      const tlsOptions: Tls = { insecure: options.insecure, ca: await readCaFile(ctx, options.ca_file) };
      response = await fetchResponse(ctx, options, await buildRequest(ctx, options, url), tlsOptions);
    } catch (error) {
      if (error instanceof InputFileError) return { status: 'error', message: error.message };
      const why = (error as Error).name === 'AbortError' ? 'aborted' : (error as Error).message;
      return { status: 'error', message: `${why}: ${target}`, observed: why };
    }
    if (typeof response === 'string') {
      const expected = `status ${describeValueMatcher(options.status)}`;
      const assertion = { name: 'status', ok: false, expected, actual: response };
      return {
        status: 'fail',
        message: `${response}: ${target}`,
        expected,
        observed: response,
        assertions: [assertion],
      };
    }

    const { assertions, facts } = await gradeResponse(options, response);
    const outcome = outcomeFromAssertions(assertions, facts);
    if (response.via && response.via !== 'this machine') outcome.message += ` (via ${response.via})`;
    if (outcome.status !== 'pass') {
      const body =
        response.body.length > DETAILS_BODY_CHARS
          ? `${response.body.slice(0, DETAILS_BODY_CHARS)}…`
          : response.body;
      const cut = response.truncated ? ' (first 1 MB)' : '';
      outcome.details = `${target} → ${response.status} ${response.statusText}${cut}\n${body || excerptText(body)}`;
    }
    return outcome;
  },
});
