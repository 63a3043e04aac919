// What `ailab list` can tell about this machine without starting a process (it must stay fast).
import { accessSync, constants } from 'node:fs';
import { cpus, platform, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Requirements } from '../spec/types.js';
import { formatSize } from '../util/size.js';

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Requirements this machine visibly lacks (python modules are checked at preflight, not here). */
export function missingLocally(req: Requirements): string[] {
  const missing: string[] = [];
  if (req.os.length > 0 && !req.os.includes(platform())) missing.push(`os ${req.os.join('/')}`);
  if (req.cpus !== undefined && cpus().length < req.cpus) missing.push(`${req.cpus} cpus`);
  if (req.memoryBytes !== undefined && totalmem() < req.memoryBytes)
    missing.push(`${formatSize(req.memoryBytes)} memory`);
  for (const command of req.commands) if (!onPath(command)) missing.push(command);
  return missing;
}
