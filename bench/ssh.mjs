#!/usr/bin/env node
// SSH benchmark (issue 3), in one run against the same loopback sshd:
//   per step, N steps of `true`: ailab's SSH target through the ShellSession (what a lab step costs),
//   ailab's bare target.exec, a bare ssh2 exec loop on one connection, OpenSSH `ssh` per command, and
//   OpenSSH with ControlMaster; rounds are interleaved so machine noise hits all alike.
//   fleet: `ailab verify` of a small lab across 32 hosts vs 1 host (the real CLI, wall time).
// Goals: ailab ≤ 3 ms per step, within 1.5x of bare ssh2, ≥ 2x faster than ControlMaster; 32 hosts ≤ 3x one.
//   node bench/ssh.mjs [steps] [fleet-hosts]    (default 200 and 32; `npm run build` first)
// It starts its own sshd (Debian's /usr/sbin/sshd, as root) on 127.0.0.x with throwaway keys; everything
// it starts stops at the end (and sshd by itself after 10 minutes whatever happens).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const steps = Number(process.argv[2] ?? 200);
const fleetHosts = Number(process.argv[3] ?? 32);
if (!existsSync(`${root}dist/main.js`)) {
  console.error('dist/main.js is missing: run `npm run build` first');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'ailab-bench-ssh-'));
const children = [];
const cleanup = () => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

// ailab's SSH target and ShellSession, bundled from the sources (dist/ has no stable entry for them).
// Written under node_modules/.cache so that it finds ssh2 (left external, as in dist/).
const bundle = join(root, 'node_modules', '.cache', 'ailab-bench', 'ailab-ssh.mjs');
await build({
  stdin: {
    contents:
      "export { createSshTarget } from './src/targets/ssh.ts'; export { ShellSession } from './src/engine/shell-session.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: bundle,
  external: ['ssh2'],
  logLevel: 'warning',
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  nodePaths: [join(root, 'node_modules')],
});
const { createSshTarget, ShellSession } = await import(bundle);
const { Client } = (await import('ssh2')).default;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function keygen(name) {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  return path;
}

// One sshd listening on 127.0.0.1 and on one address per fleet host. `SetEnv SHLVL=1` keeps bash from
// sourcing root's ~/.bashrc for every command (bash does for sshd children at shell level 1): the
// same for every case here, and real hosts may pay that cost for all of them alike.
mkdirSync('/run/sshd', { recursive: true });
const hostKey = keygen('host_key');
const userKey = keygen('user_key');
writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
const port = await freePort();
const fleetAddresses = Array.from({ length: Math.min(fleetHosts, 240) }, (_, i) => `127.0.1.${10 + i}`);
const addresses = ['127.0.0.1', ...fleetAddresses];
// sshd listens on at most 16 sockets (MAX_LISTEN_SOCKS): one sshd per 16 addresses.
for (let i = 0; i < addresses.length; i += 16) {
  const config = join(dir, `sshd_config_${i}`);
  writeFileSync(
    config,
    [
      ...addresses.slice(i, i + 16).map((a) => `ListenAddress ${a}:${port}`),
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PidFile none',
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'Subsystem sftp internal-sftp',
      'SetEnv SHLVL=1',
      'MaxStartups 200',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  children.push(spawn('timeout', ['600', '/usr/sbin/sshd', '-D', '-e', '-f', config], { stdio: 'inherit' }));
}
const hostKeyPub = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
const knownHosts = join(dir, 'known_hosts');
writeFileSync(knownHosts, `${addresses.map((a) => `[${a}]:${port} ${hostKeyPub}`).join('\n')}\n`);
for (let i = 0; ; i++) {
  const r = spawnSync('ssh', [...sshArgs(), 'true']);
  if (r.status === 0) break;
  if (i > 100) throw new Error(`sshd did not come up: ${r.stderr}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

function sshArgs(extra = []) {
  return [
    '-q',
    '-i',
    userKey,
    '-p',
    String(port),
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-F',
    '/dev/null',
    ...extra,
    'root@127.0.0.1',
  ];
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
}

// The cases.
const target = await createSshTarget(`ssh://root@127.0.0.1:${port}`, {
  identity: userKey,
  knownHosts,
  env: { HOME: dir },
  configFiles: [],
});
const stateDir = await target.mkdtemp('ailab-bench-state-');
const session = new ShellSession(target, stateDir, '/tmp', {
  AILAB_WORK_DIR: '/tmp',
  AILAB_LAB: 'bench',
  AILAB_RUN_ID: 'bench',
});

const bare = new Client();
await new Promise((resolve, reject) =>
  bare
    .once('ready', resolve)
    .once('error', reject)
    .connect({ host: '127.0.0.1', port, username: 'root', privateKey: readFileSync(userKey) }),
);
bare.setNoDelay(true);
const bareExec = () =>
  new Promise((resolve, reject) =>
    bare.exec('true', (err, stream) => {
      if (err) return reject(err);
      stream.on('close', resolve).resume();
      stream.stderr.resume();
      stream.end();
    }),
  );

const control = join(dir, 'cm.sock');
await run(
  'ssh',
  sshArgs([
    '-o',
    'ControlMaster=yes',
    '-o',
    `ControlPath=${control}`,
    '-o',
    'ControlPersist=120',
    '-f',
    '-N',
  ]),
);

const cases = [
  { name: 'ailab step (ShellSession.run)', once: () => session.run('true') },
  { name: 'ailab target.exec', once: () => target.exec('true') },
  { name: 'bare ssh2 exec, one connection', once: bareExec },
  { name: 'OpenSSH ssh per command', once: () => run('ssh', [...sshArgs(), 'true']) },
  {
    name: 'OpenSSH ControlMaster',
    once: () => run('ssh', [...sshArgs(['-o', `ControlPath=${control}`]), 'true']),
  },
];

const samples = cases.map(() => []);
for (const c of cases) for (let i = 0; i < 5; i++) await c.once(); // warm up
for (let i = 0; i < steps; i++) {
  // Each round starts at another case: what one case leaves behind (an ssh client exiting, sshd tearing
  // down a connection) falls on every case alike, not always on the one after it.
  for (let k = 0; k < cases.length; k++) {
    const j = (i + k) % cases.length;
    const c = cases[j];
    const started = process.hrtime.bigint();
    const r = await c.once();
    if (r && r.exitCode !== undefined && r.exitCode !== 0)
      throw new Error(`${c.name}: exit ${r.exitCode} ${r.stderr}`);
    samples[j].push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const medians = samples.map(median);
const [step, exec, bareMs, , cm] = medians;
console.log(
  `SSH per step, median of ${steps} steps of \`true\` each (node ${process.version}, OpenSSH sshd on loopback)`,
);
console.log(`${'case'.padEnd(34)} ${'median'.padStart(9)} ${'vs ssh2'.padStart(8)}`);
cases.forEach((c, j) => {
  console.log(
    `${c.name.padEnd(34)} ${`${medians[j].toFixed(2)} ms`.padStart(9)} ${`${(medians[j] / bareMs).toFixed(2)}x`.padStart(8)}`,
  );
});
console.log(
  `ailab step: ${step.toFixed(2)} ms (goal ≤ 3 ms), ${(step / bareMs).toFixed(2)}x bare ssh2 (goal ≤ 1.5x), ${(cm / step).toFixed(1)}x faster than ControlMaster (goal ≥ 2x)`,
);
console.log(
  `ailab target.exec: ${exec.toFixed(2)} ms, ${(exec / bareMs).toFixed(2)}x bare ssh2, ${(cm / exec).toFixed(1)}x faster than ControlMaster`,
);

await target.remove(stateDir);
await target.close();
bare.end();
spawnSync('ssh', [...sshArgs(['-o', `ControlPath=${control}`, '-O', 'exit'])], { stdio: 'ignore' });

// Fleet: the real CLI grading a small lab on 1 host, then on all fleet hosts (each an address of sshd).
const lab = join(root, 'test', 'ssh', 'labs', 'fleet.yaml');
function inventory(n) {
  const file = join(dir, `hosts-${n}.txt`);
  writeFileSync(
    file,
    `${fleetAddresses
      .slice(0, n)
      .map((a) => `root@${a}:${port}`)
      .join('\n')}\n`,
  );
  return file;
}
function fleetOnce(n, file) {
  const started = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'bin', 'ailab.js'),
      'verify',
      lab,
      '--hosts',
      file,
      '--identity',
      userKey,
      '--known-hosts',
      knownHosts,
      '--concurrency',
      String(Math.max(n, 16)),
      '--json',
    ],
    { env: { ...process.env, HOME: dir, AILAB_NO_HISTORY: '1', CI: '1' }, encoding: 'utf8' },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const report = JSON.parse(r.stdout);
  if (report.summary.passed !== n) throw new Error(`fleet of ${n}: ${JSON.stringify(report.summary)}`);
  return ms;
}
const one = inventory(1);
const all = inventory(fleetHosts);
const fleetSamples = [[], []];
fleetOnce(1, one);
for (let i = 0; i < 5; i++) {
  fleetSamples[0].push(fleetOnce(1, one));
  fleetSamples[1].push(fleetOnce(fleetHosts, all));
}
const [f1, fN] = fleetSamples.map(median);
console.log(
  `\nfleet: ailab verify (CLI, wall time, median of 5): 1 host ${f1.toFixed(0)} ms, ${fleetHosts} hosts ${fN.toFixed(0)} ms = ${(fN / f1).toFixed(2)}x (goal ≤ 3x)`,
);

// The sshd children keep the event loop alive: stop them, and so end.
cleanup();
