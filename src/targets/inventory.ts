// A class of hosts for `--hosts FILE`: a YAML inventory (name, target, identity, labels), or plain
// `user@host[:port]` lines as pssh takes them. Relative identity paths are read from the file's folder.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Document, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { parseToleration } from './k8s.js';
import { hostLineToUri } from './ssh-uri.js';

export interface InventoryHost {
  /** Unique in the inventory; the row of the summary table. */
  name: string;
  /** An ssh:// URI (or `local`). */
  target: string;
  /** A private key for this host (overrides --identity). */
  identity?: string;
  labels: Record<string, string>;
  /** For a k8s:// target: the pod to make (`key=value` node selectors, kubectl-style tolerations). */
  pod?: { image?: string; gpus?: number; nodeSelector?: string[]; tolerations?: string[] };
}

const podSchema = z
  .strictObject({
    image: z.string().min(1).optional().describe("Container image (overrides the lab's pod.image)"),
    gpus: z.number().int().min(0).optional().describe('nvidia.com/gpu for the pod (overrides requires.gpu)'),
    node_selector: z.record(z.string(), z.string()).optional().describe('e.g. {accelerator: nvidia-l4}'),
    tolerations: z
      .array(
        z.string().refine((t) => {
          try {
            parseToleration(t);
            return true;
          } catch {
            return false;
          }
        }, 'a toleration is key[=value][:NoSchedule|PreferNoSchedule|NoExecute]'),
      )
      .optional()
      .describe('e.g. [nvidia.com/gpu:NoSchedule]'),
  })
  .describe('The pod of a k8s://CONTEXT/NAMESPACE target');

const hostSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('How the host is shown (default: its target)'),
    target: z.string().min(1).describe('ssh://user@host[:port], user@host[:port], or a ~/.ssh/config Host'),
    identity: z.string().min(1).optional().describe('Private key file for this host (overrides --identity)'),
    labels: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .default({})
      .describe('Free-form labels, e.g. {section: A, student: alice}'),
    pod: podSchema.optional(),
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
  const lines = new LineCounter();
  let doc: Document | undefined;
  try {
    doc = parseDocument(text, { lineCounter: lines });
    if (doc.errors.length > 0) throw doc.errors[0];
    data = doc.toJS();
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
      const docPath = (Array.isArray(data) ? issue.path.slice(1) : issue.path) as (string | number)[];
      const at = doc ? lineColOf(doc, lines, docPath) : '';
      throw new UsageError(
        `${file}${at}: ${docPath.join('.') || 'inventory'}: ${issue.message}`,
        INVENTORY_HINT,
      );
    }
    const list = parsed.data.hosts;
    const shared = parsed.data.identity;
    hosts = list.map((h) => ({
      name: h.name ?? h.target,
      target: toUri(h.target),
      identity: keyPath(h.identity ?? shared),
      labels: h.labels,
      ...(h.pod && {
        pod: {
          image: h.pod.image,
          gpus: h.pod.gpus,
          nodeSelector: Object.entries(h.pod.node_selector ?? {}).map(([k, v]) => `${k}=${v}`),
          tolerations: h.pod.tolerations,
        },
      }),
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

/** `:line:col` of the deepest node on `path` that the document has (an unknown key: its map). */
function lineColOf(doc: Document, lines: LineCounter, path: (string | number)[]): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    // An unknown key is not a node to point at; its pair's key is, when it can be found.
    if (node && typeof node === 'object' && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return `:${line}:${col}`;
    }
  }
  return '';
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
  'an inventory is YAML (hosts: [{name, target: ssh://user@host:port or k8s://CONTEXT/NAMESPACE, identity, labels, pod}]) or one user@host[:port] per line';
