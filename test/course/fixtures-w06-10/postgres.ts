// A throwaway PostgreSQL cluster for the week-6 lab's test: Debian's server binaries, a fresh data
// folder, 127.0.0.1 and a free port only, and the lab's role and database (aiuser / aipass, aidb)
// with password authentication over TCP. PostgreSQL refuses to run as root, so as root the cluster
// runs as the `postgres` user that Debian's package creates.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface Postgres {
  port: number;
  stop(): void;
}

/** The folder of Debian's PostgreSQL server programs (the newest major version), if installed. */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(base, versions[0], 'bin') : undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** Whether this machine can start a throwaway cluster (server binaries, and a non-root user to run it). */
export function canStartPostgres(): boolean {
  return postgresBin() !== undefined && (userInfo().uid !== 0 || postgresUser() !== undefined);
}

export function startPostgres(port: number): Postgres {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'ailab-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? postgresUser() : undefined;
  if (asRoot && !owner) throw new Error('running as root and there is no postgres user to run the cluster');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  chmodSync(dir, 0o700);
  const run = (program: string, args: string[], input?: string) =>
    execFileSync(
      asRoot ? 'runuser' : join(bin, program),
      asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args,
      { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 },
    );
  const pwfile = join(dir, 'superuser.pw');
  writeFileSync(pwfile, 'postgres\n');
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
  ]);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  const stop = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    run(
      'psql',
      ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1'],
      "CREATE ROLE aiuser LOGIN PASSWORD 'aipass';\nCREATE DATABASE aidb OWNER aiuser;\n",
    );
  } catch (error) {
    stop();
    throw error;
  }
  return { port, stop };
}
