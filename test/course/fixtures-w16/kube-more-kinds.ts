// More kinds for the stand-in API server (test/helpers/kube-api.ts), through its `respond` hook: the
// built-in kinds that the kubernetes check knows without discovery but the stand-in does not serve
// (DaemonSet, StatefulSet, Namespace, ConfigMap, Secret, PersistentVolumeClaim, Job, Ingress,
// StorageClass, CustomResourceDefinition), and the PrometheusRule CRD (added to the stand-in's
// monitoring.coreos.com/v1 resource list, beside ServiceMonitor). Gets by name answer 404 with a real
// Status body's shape; lists take label selectors (k=v, k!=v, k) as the stand-in's own lists do.
import type { Json, KubeApiOptions } from '../../helpers/kube-api.js';

const MORE: Record<string, [base: string, plural: string, namespaced: boolean]> = {
  DaemonSet: ['/apis/apps/v1', 'daemonsets', true],
  StatefulSet: ['/apis/apps/v1', 'statefulsets', true],
  Namespace: ['/api/v1', 'namespaces', false],
  ConfigMap: ['/api/v1', 'configmaps', true],
  Secret: ['/api/v1', 'secrets', true],
  PersistentVolumeClaim: ['/api/v1', 'persistentvolumeclaims', true],
  Job: ['/apis/batch/v1', 'jobs', true],
  Ingress: ['/apis/networking.k8s.io/v1', 'ingresses', true],
  StorageClass: ['/apis/storage.k8s.io/v1', 'storageclasses', false],
  CustomResourceDefinition: ['/apis/apiextensions.k8s.io/v1', 'customresourcedefinitions', false],
  PrometheusRule: ['/apis/monitoring.coreos.com/v1', 'prometheusrules', true],
};

const PATH = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/;

function selects(selector: string | null, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return labels[ne[1]] !== ne[2];
    const eq = /^([^=]+)==?(.*)$/.exec(term);
    if (eq) return labels[eq[1]] === eq[2];
    return term in labels;
  });
}

const notFound = (plural: string, name: string) => ({
  status: 404,
  body: {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${plural} "${name}" not found`,
    reason: 'NotFound',
    details: { name, kind: plural },
    code: 404,
  },
});

/** A `respond` hook serving `objects` of the kinds above (other paths fall through to the stand-in). */
export function moreKinds(objects: Json[]): NonNullable<KubeApiOptions['respond']> {
  return (path, url) => {
    if (path === '/apis/monitoring.coreos.com/v1') {
      // The operator's two CRDs the labs use, as `kubectl api-resources` lists them.
      const resource = (kind: string, name: string, singularName: string) => ({
        kind,
        name,
        namespaced: true,
        singularName,
        verbs: ['get', 'list'],
      });
      return {
        status: 200,
        body: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: 'monitoring.coreos.com/v1',
          resources: [
            resource('ServiceMonitor', 'servicemonitors', 'servicemonitor'),
            resource('PrometheusRule', 'prometheusrules', 'prometheusrule'),
          ],
        },
      };
    }
    // `/api/v1/namespaces/NAME` is a Namespace, not a list in namespace NAME.
    const ns = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    const m: (string | undefined)[] | null = ns
      ? ['', '/api/v1', undefined, 'namespaces', ns[1]]
      : PATH.exec(path);
    if (!m) return undefined;
    const base = m[1] as string;
    const entry = Object.entries(MORE).find(([, [b, plural]]) => b === base && plural === m[3]);
    if (!entry) return undefined;
    const [kind, [, plural, namespaced]] = entry;
    const [, , namespace, , name] = m;
    const found = objects.filter(
      (o) => o.kind === kind && (!namespaced || !namespace || o.metadata?.namespace === namespace),
    );
    if (name) {
      const object = found.find((o) => o.metadata?.name === name);
      return object ? { status: 200, body: object } : notFound(plural, name);
    }
    const items = found
      .filter((o) => selects(url.searchParams.get('labelSelector'), o.metadata?.labels))
      .map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    return {
      status: 200,
      body: { kind: `${kind}List`, apiVersion: base.replace(/^\/apis?\//, ''), metadata: {}, items },
    };
  };
}
