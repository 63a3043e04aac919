// `ailab hosts`: the cloud hosts ailab started and has not removed (the state file), with their
// expiry and what they have cost so far at the table's price.
import { ExitCode } from '../../errors.js';
import { formatMinutes } from '../../provision/idle-stop.js';
import { hostsFile, isAbandoned, readHosts, sshTarget } from '../../provision/state.js';

export async function hostsCommand(opts: { json?: boolean }): Promise<number> {
  const hosts = await readHosts();
  const now = Date.now();
  const rows = hosts.map((h) => {
    const hours = Math.max(0, (now - Date.parse(h.launchedAt)) / 3_600_000);
    return {
      ...h,
      target: h.address ? sshTarget(h) : undefined,
      abandoned: isAbandoned(h),
      expired: Date.parse(h.expiresAt) <= now,
      estimatedCostUsd: h.hourlyUsd === undefined ? undefined : Math.round(h.hourlyUsd * hours * 100) / 100,
    };
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    process.stdout.write(`no hosts started by ailab (${hostsFile()})\n`);
    return ExitCode.ok;
  }
  for (const r of rows) {
    const status = r.abandoned
      ? 'launching (ailab stopped: run ailab cleanup)'
      : r.expired
        ? `${r.status}, expired`
        : r.status;
    const cost = r.estimatedCostUsd === undefined ? '' : `, ~$${r.estimatedCostUsd.toFixed(2)} so far`;
    const idle = r.idleStopMinutes ? ` or after ${formatMinutes(r.idleStopMinutes)} idle` : '';
    process.stdout.write(
      `${r.name}  ${r.cloud} ${r.zone ?? r.region}  ${r.instanceType}${r.spot ? ' spot' : ''}  ${status}  ${r.target ?? r.instanceId ?? ''}  ends ${r.expiresAt}${idle}${cost}\n`,
    );
  }
  return ExitCode.ok;
}
