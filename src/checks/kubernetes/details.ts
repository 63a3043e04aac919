// What a person would look at next when a check fails (chainsaw's catch/collectors): the object's
// status, its last events, and the last log lines of a failing pod. Best effort: what cannot be read
// is left out, never a reason for the check to error.
import type { Connection } from './client.js';
import type { ResourceType } from './discovery.js';
import { isRunningPod, type KubeObject, nameOf, podState } from './short-forms.js';

const STATUS_CHARS = 1500;
const EVENTS = 5;
const LOG_LINES = 20;

export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  metadata?: { creationTimestamp?: string };
}

const eventTime = (e: KubeEvent) =>
  e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';

/** Events in a namespace, about one object when named, oldest first. */
export async function listEvents(conn: Connection, namespace: string, about?: string): Promise<KubeEvent[]> {
  const query = about ? `?fieldSelector=${encodeURIComponent(`involvedObject.name=${about}`)}` : '';
  const list = await conn.getJson<{ items?: KubeEvent[] }>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/events${query}`,
    'list',
    `events in namespace "${namespace}"`,
  );
  const items = (list.items ?? []).filter((e) => !about || e.involvedObject?.name === about);
  return items.sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
}

/** The last lines of a pod's log (one container, the first by default). */
export async function readLogs(
  conn: Connection,
  namespace: string,
  pod: string,
  container: string | undefined,
  tailLines: number,
): Promise<string> {
  const query = new URLSearchParams({ tailLines: String(tailLines) });
  if (container) query.set('container', container);
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${query}`;
  const response = await conn.get(path);
  if (response.status !== 200) {
    await conn.getJson(path, 'get', `the logs of pod "${pod}" in namespace "${namespace}"`);
  }
  return response.body;
}

export function formatEvent(e: KubeEvent): string {
  const count = e.count && e.count > 1 ? ` (x${e.count})` : '';
  const about = e.involvedObject?.name ? ` ${e.involvedObject.kind ?? ''}/${e.involvedObject.name}` : '';
  return `${e.type ?? '?'} ${e.reason ?? '?'}${about}: ${(e.message ?? '').trim()}${count}`;
}

/** The pods behind a workload (its selector's matchLabels), or the pods themselves. */
async function podsOf(conn: Connection, type: ResourceType, object: KubeObject, namespace: string) {
  if (type.kind === 'Pod') return [object];
  const labels = (object.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
  if (!labels || !type.namespaced) return [];
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await conn.getJson<{ items?: KubeObject[] }>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}`,
    'list',
    'pods',
  );
  return list.items ?? [];
}

const isFailingPod = (pod: KubeObject) => !isRunningPod(pod) && pod.status?.phase !== 'Succeeded';

/**
 * Status, last events and a failing pod's last log lines of two of the objects found: failing pods
 * first (a `running: '>= 3'` over two Running pods and a Pending one names the Pending one).
 */
export async function collectDetails(
  conn: Connection,
  type: ResourceType,
  objects: KubeObject[],
  namespace: string,
): Promise<string | undefined> {
  const parts: string[] = [];
  const shown =
    type.kind === 'Pod'
      ? [...objects.filter(isFailingPod), ...objects.filter((o) => !isFailingPod(o))]
      : objects;
  for (const object of shown.slice(0, 2)) {
    const ns = object.metadata?.namespace ?? namespace;
    const label = `${type.kind} ${type.namespaced ? `${ns}/` : ''}${nameOf(object)}`;
    if (object.status) {
      const status = JSON.stringify(object.status, null, 2);
      parts.push(
        `${label} status:\n${status.length > STATUS_CHARS ? `${status.slice(0, STATUS_CHARS)}…` : status}`,
      );
    }
    if (type.namespaced) {
      const events = await listEvents(conn, ns, nameOf(object)).catch(() => []);
      if (events.length > 0) {
        parts.push(`last events of ${label}:\n${events.slice(-EVENTS).map(formatEvent).join('\n')}`);
      }
    }
    const pods = await podsOf(conn, type, object, ns).catch(() => []);
    const failing = pods.find(isFailingPod);
    if (failing) {
      const logs = await readLogs(conn, ns, nameOf(failing), undefined, LOG_LINES).catch(
        (error: Error) => `(no logs: ${error.message})`,
      );
      parts.push(
        `last log lines of pod ${ns}/${nameOf(failing)} (${podState(failing)}):\n${logs.trimEnd() || '(empty)'}`,
      );
    }
  }
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}
