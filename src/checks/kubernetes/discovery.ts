// Kind → group, version, plural and scope. The kinds the labs use are known (no request); a pinned
// api_version reads that group-version's resource list; any other kind (a CRD such as ServiceMonitor)
// is looked up through /apis, each group's preferred version in turn, as kubectl's discovery does.
import type { Connection } from './client.js';
import { describeUnknownKind, KubeProblem } from './diagnose.js';

export interface ResourceType {
  kind: string;
  /** `v1` for the core group, else `group/version`. */
  apiVersion: string;
  plural: string;
  namespaced: boolean;
}

const KNOWN: [kind: string, apiVersion: string, plural: string, namespaced: boolean][] = [
  ['Pod', 'v1', 'pods', true],
  ['Service', 'v1', 'services', true],
  ['Node', 'v1', 'nodes', false],
  ['Namespace', 'v1', 'namespaces', false],
  ['Event', 'v1', 'events', true],
  ['ConfigMap', 'v1', 'configmaps', true],
  ['Secret', 'v1', 'secrets', true],
  ['ServiceAccount', 'v1', 'serviceaccounts', true],
  ['PersistentVolumeClaim', 'v1', 'persistentvolumeclaims', true],
  ['PersistentVolume', 'v1', 'persistentvolumes', false],
  ['Endpoints', 'v1', 'endpoints', true],
  ['Deployment', 'apps/v1', 'deployments', true],
  ['StatefulSet', 'apps/v1', 'statefulsets', true],
  ['DaemonSet', 'apps/v1', 'daemonsets', true],
  ['ReplicaSet', 'apps/v1', 'replicasets', true],
  ['Job', 'batch/v1', 'jobs', true],
  ['CronJob', 'batch/v1', 'cronjobs', true],
  ['HorizontalPodAutoscaler', 'autoscaling/v2', 'horizontalpodautoscalers', true],
  ['Ingress', 'networking.k8s.io/v1', 'ingresses', true],
  ['NetworkPolicy', 'networking.k8s.io/v1', 'networkpolicies', true],
  ['StorageClass', 'storage.k8s.io/v1', 'storageclasses', false],
  ['CustomResourceDefinition', 'apiextensions.k8s.io/v1', 'customresourcedefinitions', false],
];

const known = new Map(
  KNOWN.flatMap(([kind, apiVersion, plural, namespaced]) => {
    const type = { kind, apiVersion, plural, namespaced };
    return [
      [kind.toLowerCase(), type],
      [plural, type],
    ] as const;
  }),
);

/** Found types per API server, so that polling does not repeat discovery. */
const cache = new Map<string, ResourceType>();

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  singularName?: string;
  shortNames?: string[];
}

/** Whether a discovery entry names `kind` (its kind, plural, singular or a short name; any case). */
function names(resource: ApiResource, kind: string): boolean {
  if (resource.name.includes('/')) return false; // a subresource: deployments/scale
  const k = kind.toLowerCase();
  return (
    resource.kind.toLowerCase() === k ||
    resource.name === k ||
    resource.singularName === k ||
    (resource.shortNames ?? []).includes(k)
  );
}

/** The resources a group-version serves; none when the server does not serve it (404). */
async function listResources(conn: Connection, apiVersion: string): Promise<ApiResource[]> {
  const path = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  const response = await conn.get(path);
  if (response.status === 404) return [];
  if (response.status !== 200) {
    await conn.getJson(path, 'discover', `the resources of ${apiVersion}`);
  }
  return (JSON.parse(response.body) as { resources?: ApiResource[] }).resources ?? [];
}

function typeFrom(resource: ApiResource, apiVersion: string): ResourceType {
  return { kind: resource.kind, apiVersion, plural: resource.name, namespaced: resource.namespaced };
}

/** The resource type of a kind, or a KubeProblem saying that the cluster serves no such kind. */
export async function resolveKind(
  conn: Connection,
  kind: string,
  apiVersion: string | undefined,
): Promise<ResourceType> {
  const builtIn = known.get(kind.toLowerCase());
  if (builtIn && !apiVersion) return builtIn;
  const key = `${conn.server}|${apiVersion ?? ''}|${kind.toLowerCase()}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let found: ResourceType | undefined;
  if (apiVersion) {
    const resource = (await listResources(conn, apiVersion)).find((r) => names(r, kind));
    if (resource) found = typeFrom(resource, apiVersion);
  } else {
    const groups = await conn.getJson<{ groups?: { preferredVersion?: { groupVersion?: string } }[] }>(
      '/apis',
      'discover',
      'API groups',
    );
    const versions = [
      'v1',
      ...(groups.groups ?? [])
        .map((g) => g.preferredVersion?.groupVersion)
        .filter((v): v is string => typeof v === 'string'),
    ];
    const lists = await Promise.all(versions.map((v) => listResources(conn, v).catch(() => [])));
    for (const [i, resources] of lists.entries()) {
      const resource = resources.find((r) => names(r, kind));
      if (resource) {
        found = typeFrom(resource, versions[i]);
        break;
      }
    }
  }
  // Not cached when missing: a CRD may be installed while a check polls.
  if (!found) throw new KubeProblem(describeUnknownKind(kind, apiVersion));
  cache.set(key, found);
  return found;
}

/** The API path of a resource type: its list in a namespace (or cluster-wide), or one object by name. */
export function resourcePath(type: ResourceType, namespace: string | undefined, name?: string): string {
  const base = type.apiVersion === 'v1' ? '/api/v1' : `/apis/${type.apiVersion}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${type.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
