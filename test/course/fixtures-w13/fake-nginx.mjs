#!/usr/bin/env node
// Stand-in `nginx` for the week 13 and week 19 tests when Debian's nginx is not installed (CI installs
// nginx-light only if .ci/run asks for it). It reads the nginx.conf the labs render (templates/week-13,
// templates/week-19) and does what those files ask of nginx, nothing more:
//   upstream blocks (round-robin over `server HOST:PORT max_fails=N fail_timeout=Ts`, a server that
//   refuses a connection is left out for fail_timeout), `split_clients` on a random key (the canary
//   share), `limit_req_zone rate=Nr/s` + `limit_req burst=N nodelay` + `limit_req_status` (nginx's
//   leaky bucket: excess = max(0, excess - rate·Δt) + 1, refused when above burst), `proxy_pass
//   http://$var` or `http://NAME`, `proxy_next_upstream error` with `proxy_next_upstream_tries`,
//   `listen [HOST:]PORT [ssl]` with `ssl_certificate`/`ssl_certificate_key` (relative to the conf's
//   folder), `add_header X-Upstream $upstream_addr`.
// Flags: -v, -t, -c FILE, -p PREFIX, -e LOG, -g DIRECTIVES (ignored). Anything else in the conf is
// accepted and ignored. Each request is logged to PREFIX/access.log as `status upstream`.
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, resolve } from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('-v') || args.includes('-V')) {
  process.stderr.write('nginx version: nginx/1.22.1 (ailab test stand-in)\n');
  process.exit(0);
}
const prefix = flag('-p') ?? process.cwd();
const confFile = resolve(prefix, flag('-c') ?? 'conf/nginx.conf');
const confDir = dirname(confFile);

function fail(message) {
  process.stderr.write(`nginx: [emerg] ${message} in ${confFile}\n`);
  process.exit(1);
}

const text = readFileSync(confFile, 'utf8').replace(/#[^\n]*/g, '');
const upstreams = new Map();
for (const m of text.matchAll(/upstream\s+(\S+)\s*\{([^}]*)\}/g)) {
  const servers = [...m[2].matchAll(/server\s+([^\s;]+)([^;]*);/g)].map((s) => {
    const [host, port] = s[1].split(':');
    const param = (k, d) => Number(new RegExp(`${k}=(\\d+)`).exec(s[2])?.[1] ?? d);
    return {
      host,
      port: Number(port),
      maxFails: param('max_fails', 1),
      failTimeoutMs: param('fail_timeout', 10) * 1000,
      fails: 0,
      downUntil: 0,
    };
  });
  if (!servers.length) fail(`no servers are inside upstream "${m[1]}"`);
  upstreams.set(m[1], { servers, next: 0 });
}
const split = /split_clients\s+\S+\s+\$(\w+)\s*\{([^}]*)\}/.exec(text);
const splitRules = split
  ? [...split[2].matchAll(/([\d.]+%|\*)\s+(\S+);/g)].map(([, share, name]) => ({
      share: share === '*' ? 100 : Number.parseFloat(share),
      name,
    }))
  : [];
const rate = Number(/limit_req_zone[^;]*rate=(\d+)r\/s/.exec(text)?.[1] ?? 0);
const burst = Number(/limit_req\s+zone=\S+\s+burst=(\d+)/.exec(text)?.[1] ?? 0);
const limitStatus = Number(/limit_req_status\s+(\d+)/.exec(text)?.[1] ?? 503);
const proxyPass = /proxy_pass\s+http:\/\/(\$?\w+)/.exec(text)?.[1];
if (!proxyPass) fail('no proxy_pass');
const tries = Number(/proxy_next_upstream_tries\s+(\d+)/.exec(text)?.[1] ?? 0) || Number.POSITIVE_INFINITY;
const nextUpstream = /proxy_next_upstream\s+[^;]*\berror\b/.test(text);
const listens = [...text.matchAll(/listen\s+([^;\s]+)(\s+ssl)?\s*;/g)].map(([, addr, ssl]) => {
  const [host, port] = addr.includes(':') ? addr.split(':') : ['0.0.0.0', addr];
  return { host, port: Number(port), ssl: Boolean(ssl) };
});
const cert = /ssl_certificate\s+([^;\s]+);/.exec(text)?.[1];
const key = /ssl_certificate_key\s+([^;\s]+);/.exec(text)?.[1];
for (const name of proxyPass.startsWith('$') ? splitRules.map((r) => r.name) : [proxyPass])
  if (!upstreams.has(name)) fail(`host not found in upstream "${name}"`);
if (args.includes('-t')) {
  process.stderr.write(
    `nginx: the configuration file ${confFile} syntax is ok\nnginx: configuration file ${confFile} test is successful\n`,
  );
  process.exit(0);
}

let excess = 0;
let last = Date.now();
function limited() {
  if (!rate) return false;
  const now = Date.now();
  const next = Math.max(0, excess - (rate * (now - last)) / 1000) + 1;
  if (next > burst + 1) return true;
  excess = next;
  last = now;
  return false;
}

function pickPool() {
  if (!proxyPass.startsWith('$')) return proxyPass;
  let roll = Math.random() * 100;
  for (const rule of splitRules) {
    if (roll < rule.share) return rule.name;
    roll -= rule.share;
  }
  return splitRules.at(-1).name;
}

function pickServer(pool, tried) {
  const now = Date.now();
  for (let i = 0; i < pool.servers.length; i++) {
    const server = pool.servers[(pool.next + i) % pool.servers.length];
    if (tried.has(server) || server.downUntil > now) continue;
    pool.next = (pool.servers.indexOf(server) + 1) % pool.servers.length;
    return server;
  }
  // All down: nginx then tries them anyway (as if none had failed).
  return pool.servers.find((s) => !tried.has(s));
}

const log = (line) => {
  try {
    appendFileSync(resolve(prefix, 'access.log'), `${line}\n`);
  } catch {}
};

function handle(req, res) {
  if (limited()) {
    res.writeHead(limitStatus, { 'content-type': 'text/html' });
    res.end(
      `<html><head><title>${limitStatus}</title></head><body>limiting requests (stand-in nginx)</body></html>\n`,
    );
    log(`${limitStatus} -`);
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const pool = upstreams.get(pickPool());
    const tried = new Set();
    const attempt = () => {
      const server = pickServer(pool, tried);
      if (!server) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway (stand-in nginx)</body></html>\n');
        log('502 -');
        return;
      }
      tried.add(server);
      const upstream = `${server.host}:${server.port}`;
      const out = http.request(
        {
          host: server.host,
          port: server.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, connection: 'close' },
        },
        (up) => {
          server.fails = 0;
          res.writeHead(up.statusCode ?? 502, {
            ...up.headers,
            connection: 'keep-alive',
            'x-upstream': upstream,
          });
          up.pipe(res);
          log(`${up.statusCode} ${upstream}`);
        },
      );
      out.setTimeout(60_000);
      out.on('error', () => {
        server.fails += 1;
        if (server.fails >= server.maxFails) server.downUntil = Date.now() + server.failTimeoutMs;
        if (nextUpstream && tried.size < tries) attempt();
        else {
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end('<html><body>502 Bad Gateway (stand-in nginx)</body></html>\n');
          log(`502 ${upstream}`);
        }
      });
      out.end(body);
    };
    attempt();
  });
}

for (const listen of listens) {
  const server = listen.ssl
    ? https.createServer(
        { cert: readFileSync(resolve(confDir, cert)), key: readFileSync(resolve(confDir, key)) },
        handle,
      )
    : http.createServer(handle);
  server.keepAliveTimeout = 75_000;
  server.listen(listen.port, listen.host);
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT']) process.on(signal, () => process.exit(0));
