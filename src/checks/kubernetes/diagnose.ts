// Plain one-line reasons for what goes wrong between ailab and a cluster: no kubeconfig, an unknown
// context, a refused connection, a certificate not trusted, 401/403 with the verb and resource denied, a
// kind no API group serves. A KubeProblem carries one; the check turns it into a failing outcome.

/** A diagnosed problem with the cluster or the kubeconfig; its message is what the report shows. */
export class KubeProblem extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeProblem';
  }
}

const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ALTNAME/;

/** Why a request to the API server got no answer. */
export function describeNetworkError(error: NodeJS.ErrnoException, server: string, context: string): string {
  const code = error.code ?? '';
  const at = `${server} (context ${context})`;
  if (code === 'ECONNREFUSED' || /refused/i.test(error.message))
    return `connection refused: no API server answers at ${at}; is the cluster running? (minikube status, kind get clusters)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found: ${at} (${code})`;
  if (code === 'ETIMEDOUT') return `connection timed out: ${at}`;
  if (code === 'ECONNRESET') return `connection reset by ${at}`;
  if (TLS_ERROR.test(code)) {
    return `certificate error: the API server's TLS certificate is not trusted (${code}: ${error.message}) at ${at}; the kubeconfig's certificate-authority does not match the server (a cluster recreated since the kubeconfig was written?)`;
  }
  return `cannot reach ${at}: ${error.message}${code ? ` (${code})` : ''}`;
}

interface Denied {
  verb: string;
  resource: string;
  user: string;
  context: string;
  server: string;
}

/** The Status object's message in an error answer, if it has one. */
export function statusMessage(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { kind?: string; message?: string };
    return typeof status.message === 'string' && status.message ? status.message : undefined;
  } catch {
    return undefined;
  }
}

/** Why the API server said no: 401, 403 (with the verb and resource denied), or another status. */
export function describeHttpError(response: { status: number; body: string }, denied: Denied): string {
  const said = statusMessage(response.body);
  const what = `${denied.verb} ${denied.resource}`;
  if (response.status === 401) {
    return `unauthorized (401): the API server at ${denied.server} rejected the credentials of user "${denied.user}" (context ${denied.context}); an expired token or client certificate?`;
  }
  if (response.status === 403) {
    return `forbidden (403): user "${denied.user}" may not ${what}${said ? `: ${said}` : ''}`;
  }
  return `${what} failed: ${response.status}${said ? ` ${said}` : ''}`;
}

/** A kind that no API group serves: most often a CRD that is not installed. */
export function describeUnknownKind(kind: string, apiVersion: string | undefined): string {
  const pinned = apiVersion ? ` in ${apiVersion}` : '';
  return `kind ${kind} not found${pinned}: the cluster serves no such resource; is its CRD installed (e.g. the Prometheus operator for ServiceMonitor)?`;
}
