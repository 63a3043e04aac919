// A class of hosts for `--hosts FILE`: a YAML inventory (name, target, identity, labels), or plain
// `user@host[:port]` lines as pssh takes them. Relative identity paths are read from the file's folder.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { hostLineToUri } from './ssh-uri.js';

export interface InventoryHost {
  /** Unique in the inventory; the row of the summary table. */
  name: string;
  /** An ssh:// URI (or `local`). */
  target: string;
  /** A private key for this host (overrides --identity). */
  identity?: string;
  labels: Record<string, string>;
}

const hostSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('How the host is shown (default: its target)'),
    target: z.string().min(1).describe('ssh://user@host[:port], user@host[:port], or a ~/.ssh/config Host'),
    identity: z.string().min(1).optional().describe('Private key file for this host (overrides --identity)'),
    labels: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .default({})
      .describe('Free-form labels, e.g. {section: A, student: alice}'),
  })
  .describe('One host of the class');

const inventorySchema = z.strictObject({
  identity: z.string().min(1).optional().describe('Private key file for every host without its own'),
  hosts: z.array(hostSchema).min(1),
});

function toUri(target: string): string {
  return /^[a-z0-9+]+:\/\//i.test(target) || target === 'local' ? target : hostLineToUri(target);
}

/** Parse an inventory's text; `file` names it in errors and anchors relative key paths. */
export async function parseInventory(text: string, file: string): Promise<InventoryHost[]> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    // Not YAML (a `user@host` list may not be): read it as lines.
    if (!(error instanceof Error && error.name.startsWith('YAML'))) throw error;
    data = undefined;
  }
  const base = dirname(file);
  const keyPath = (path: string | undefined) =>
    path === undefined
      ? undefined
      : isAbsolute(path) || path.startsWith('~')
        ? path.replace(/^~(?=\/)/, process.env.HOME ?? '~')
        : resolve(base, path);
  let hosts: InventoryHost[];
  if (data !== null && typeof data === 'object') {
    // A bare list of hosts is the `hosts:` of an inventory.
    const parsed = inventorySchema.safeParse(Array.isArray(data) ? { hosts: data } : data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = (Array.isArray(data) ? issue.path.slice(1) : issue.path).join('.');
      throw new UsageError(`${file}: ${path || 'inventory'}: ${issue.message}`, INVENTORY_HINT);
    }
    const list = parsed.data.hosts;
    const shared = parsed.data.identity;
    hosts = list.map((h) => ({
      name: h.name ?? h.target,
      target: toUri(h.target),
      identity: keyPath(h.identity ?? shared),
      labels: h.labels,
    }));
  } else {
    hosts = [];
    for (const [index, raw] of text.split('\n').entries()) {
      const line = raw.replace(/#.*$/, '').trim();
      if (line === '') continue;
      try {
        hosts.push({ name: line, target: hostLineToUri(line), labels: {} });
      } catch (error) {
        throw new UsageError(`${file}:${index + 1}: ${(error as Error).message}`, INVENTORY_HINT);
      }
    }
  }
  if (hosts.length === 0) throw new UsageError(`${file} names no hosts`, INVENTORY_HINT);
  for (const key of ['name', 'target'] as const) {
    const seen = new Set<string>();
    for (const host of hosts) {
      if (seen.has(host[key])) throw new UsageError(`${file}: ${key} "${host[key]}" appears twice`);
      seen.add(host[key]);
    }
  }
  return hosts;
}

export async function loadInventory(file: string): Promise<InventoryHost[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --hosts ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseInventory(text, file);
}

const INVENTORY_HINT =
  'an inventory is YAML (hosts: [{name, target: ssh://user@host:port, identity, labels}]) or one user@host[:port] per line';
