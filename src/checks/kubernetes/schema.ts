// The options of a `kubernetes` check: what to select (kind, name or label selector, namespace), what to
// expect of it (exists, count, a partial object, conditions) and the short forms the labs use most.
import { z } from 'zod';
import { textMatcherSchema, valueMatcherSchema } from '../../engine/match.js';

const conditionSchema = z.union([
  z.string().describe('A condition type that must have status "True": Ready, Available'),
  z
    .strictObject({
      type: z.string().describe('The condition type: Ready, Available, Progressing, ScalingActive'),
      status: z.enum(['True', 'False', 'Unknown']).default('True').describe('Its status (default "True")'),
      reason: z.string().optional().describe('Its reason, e.g. MinimumReplicasAvailable'),
    })
    .describe('A condition type with its status and, optionally, its reason'),
]);

const eventSchema = z
  .strictObject({
    reason: z.string().describe('The event reason: BackOff, FailedScheduling, Pulled, ScalingReplicaSet'),
    type: z.enum(['Normal', 'Warning']).optional().describe('Normal or Warning (default: either)'),
    message: textMatcherSchema.optional().describe('What the event message must contain or match'),
    present: z
      .boolean()
      .default(true)
      .describe('true (default): such an event exists; false: none does (e.g. no BackOff)'),
  })
  .describe('An event about the selected objects (or the namespace when none is named) with this reason');

export const schema = z
  .strictObject({
    kind: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The kind: Pod, Deployment, Service, Node, HorizontalPodAutoscaler, ServiceMonitor (a CRD) … (default from the short form used)',
      ),
    api_version: z
      .string()
      .regex(/^(?:[a-z0-9.-]+\/)?v[0-9a-z]+$/)
      .optional()
      .describe('Pin the group/version, e.g. apps/v1 or monitoring.coreos.com/v1 (default: discovered)'),
    name: z.string().min(1).optional().describe('The object name (default: every object the selector finds)'),
    namespace: z
      .string()
      .min(1)
      .optional()
      .describe("The namespace (default: the context's namespace, else default); ignored for cluster kinds"),
    selector: z
      .union([
        z.string().describe('A label selector: app=web,tier!=db'),
        z.record(z.string(), z.string()).describe('Labels that must all match: {app: web}'),
      ])
      .optional()
      .describe('A label selector, as a string or a map of labels'),
    field_selector: z
      .string()
      .optional()
      .describe('A field selector, e.g. status.phase=Running or spec.nodeName=gpu-1'),
    context: z
      .string()
      .min(1)
      .optional()
      .describe('The kubeconfig context (default: --kube-context, else the current context)'),
    exists: z
      .boolean()
      .optional()
      .describe(
        'true: at least one object is found; false: none is (default true when nothing else is asked)',
      ),
    count: valueMatcherSchema.optional().describe('How many objects are found, e.g. ">= 1" or 3'),
    match: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'A partial object each found object must contain (chainsaw/kuttl style): maps are subsets, lists match as subsets unless exact is true. Keys keep Kubernetes camelCase',
      ),
    exact: z
      .boolean()
      .default(false)
      .describe('true: lists in match must equal the actual lists item for item, in order'),
    match_any: z
      .boolean()
      .default(false)
      .describe(
        'true: match holds when at least one found object contains it (e.g. a default StorageClass among several)',
      ),
    condition: z
      .union([conditionSchema, z.array(conditionSchema).min(1)])
      .optional()
      .describe('Conditions every found object must have, e.g. Ready or {type: Available, reason: …}'),
    ready_replicas: valueMatcherSchema
      .optional()
      .describe(
        'Short form (Deployment, StatefulSet; DaemonSet: numberReady): ready pods of each, e.g. 4 or ">= 2"',
      ),
    running: z
      .union([z.literal(true), valueMatcherSchema])
      .optional()
      .describe(
        'Short form (Pod): true: every pod found is Running (at least one); else the Running count, e.g. ">= 2"',
      ),
    restarts: valueMatcherSchema
      .optional()
      .describe('Short form (Pod): the highest container restart count of the pods found, e.g. "< 3"'),
    service_type: z
      .enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'])
      .optional()
      .describe('Short form (Service): spec.type'),
    node_port: valueMatcherSchema
      .optional()
      .describe('Short form (Service): some port has a nodePort like this, e.g. 30080 or "30000..32767"'),
    ready_nodes: valueMatcherSchema
      .optional()
      .describe('Short form (Node): how many nodes found are Ready, e.g. ">= 1"'),
    current_replicas: valueMatcherSchema
      .optional()
      .describe('Short form (HorizontalPodAutoscaler): status.currentReplicas'),
    desired_replicas: valueMatcherSchema
      .optional()
      .describe('Short form (HorizontalPodAutoscaler): status.desiredReplicas'),
    image: textMatcherSchema
      .optional()
      .describe(
        'Short form (Pod, Deployment, StatefulSet, DaemonSet, Job): the container image of each found object',
      ),
    container: z
      .string()
      .optional()
      .describe('The container that image and logs look at (default: the first one)'),
    gpu_allocatable: valueMatcherSchema
      .optional()
      .describe('Short form (Node): nvidia.com/gpu allocatable, summed over the nodes found, e.g. ">= 1"'),
    logs: textMatcherSchema
      .optional()
      .describe('Short form (Pod): what the logs of the pods found (up to 5, joined) must contain or match'),
    tail_lines: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('How many of the last log lines `logs` reads from each pod (default 1000)'),
    event: eventSchema.optional(),
  })
  .describe(
    'Read objects from the Kubernetes API (kubeconfig, context) and check that they exist, their count, a partial object, conditions, or a short form',
  );

export type Options = z.output<typeof schema>;
export type ConditionSpec = z.output<typeof conditionSchema>;
