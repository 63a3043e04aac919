// A protobuf text-format parser for Triton's config.pbtxt, checked against Triton's ModelConfig
// message (triton-inference-server/common, protobuf/model_config.proto): every field name, enum value
// and scalar type below is that file's. The messages the week-15 lab uses are described field by
// field; the other ModelConfig fields are known by name and their values parsed but not typed.
// A config that Triton's text-format parser would reject (an unknown field, an unknown enum value, a
// string where a number goes, a syntax error) throws, with the line and column, in the words of
// protobuf's parser ('Message type "inference.ModelConfig" has no field named "foo".').
// The result is the config as Triton's /v2/models/NAME/config returns it (protobuf's JSON mapping,
// proto field names kept): int64/uint64 as strings, enums by name, repeated fields as arrays.

type FieldType =
  | 'string'
  | 'bool'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'double'
  | { enum: string[] }
  | { message: string }
  | 'any';

interface Field {
  type: FieldType;
  repeated?: boolean;
}

const DATA_TYPE = {
  enum: [
    'TYPE_INVALID',
    'TYPE_BOOL',
    'TYPE_UINT8',
    'TYPE_UINT16',
    'TYPE_UINT32',
    'TYPE_UINT64',
    'TYPE_INT8',
    'TYPE_INT16',
    'TYPE_INT32',
    'TYPE_INT64',
    'TYPE_FP16',
    'TYPE_FP32',
    'TYPE_FP64',
    'TYPE_STRING',
    'TYPE_BF16',
  ],
};
const ANY: Field = { type: 'any' };
const REPEATED_ANY: Field = { type: 'any', repeated: true };

export const MESSAGES: Record<string, Record<string, Field>> = {
  ModelConfig: {
    name: { type: 'string' },
    platform: { type: 'string' },
    backend: { type: 'string' },
    runtime: { type: 'string' },
    version_policy: { type: { message: 'ModelVersionPolicy' } },
    max_batch_size: { type: 'int32' },
    input: { type: { message: 'ModelInput' }, repeated: true },
    output: { type: { message: 'ModelOutput' }, repeated: true },
    batch_input: REPEATED_ANY,
    batch_output: REPEATED_ANY,
    optimization: ANY,
    dynamic_batching: { type: { message: 'ModelDynamicBatching' } },
    sequence_batching: ANY,
    ensemble_scheduling: ANY,
    instance_group: { type: { message: 'ModelInstanceGroup' }, repeated: true },
    default_model_filename: { type: 'string' },
    cc_model_filenames: REPEATED_ANY,
    metric_tags: REPEATED_ANY,
    parameters: REPEATED_ANY,
    model_warmup: REPEATED_ANY,
    model_operations: ANY,
    model_transaction_policy: ANY,
    model_repository_agents: ANY,
    response_cache: ANY,
    model_metrics: ANY,
  },
  ModelVersionPolicy: {
    latest: { type: { message: 'ModelVersionPolicy.Latest' } },
    all: { type: { message: 'ModelVersionPolicy.All' } },
    specific: { type: { message: 'ModelVersionPolicy.Specific' } },
  },
  'ModelVersionPolicy.Latest': { num_versions: { type: 'uint32' } },
  'ModelVersionPolicy.All': {},
  'ModelVersionPolicy.Specific': { versions: { type: 'int64', repeated: true } },
  ModelInput: {
    name: { type: 'string' },
    data_type: { type: DATA_TYPE },
    format: { type: { enum: ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'] } },
    dims: { type: 'int64', repeated: true },
    reshape: { type: { message: 'ModelTensorReshape' } },
    is_shape_tensor: { type: 'bool' },
    allow_ragged_batch: { type: 'bool' },
    optional: { type: 'bool' },
    is_non_linear_format_io: { type: 'bool' },
  },
  ModelOutput: {
    name: { type: 'string' },
    data_type: { type: DATA_TYPE },
    dims: { type: 'int64', repeated: true },
    reshape: { type: { message: 'ModelTensorReshape' } },
    label_filename: { type: 'string' },
    is_shape_tensor: { type: 'bool' },
    is_non_linear_format_io: { type: 'bool' },
  },
  ModelTensorReshape: { shape: { type: 'int64', repeated: true } },
  ModelInstanceGroup: {
    name: { type: 'string' },
    kind: { type: { enum: ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'] } },
    count: { type: 'int32' },
    rate_limiter: ANY,
    gpus: { type: 'int32', repeated: true },
    secondary_devices: REPEATED_ANY,
    profile: { type: 'string', repeated: true },
    passive: { type: 'bool' },
    host_policy: { type: 'string' },
  },
  ModelDynamicBatching: {
    preferred_batch_size: { type: 'int32', repeated: true },
    max_queue_delay_microseconds: { type: 'uint64' },
    preserve_ordering: { type: 'bool' },
    priority_levels: { type: 'uint64' },
    default_priority_level: { type: 'uint64' },
    default_queue_policy: ANY,
    priority_queue_policy: REPEATED_ANY,
  },
};

// The oneof scheduling_choice of ModelConfig: at most one of these.
const SCHEDULING_CHOICE = ['dynamic_batching', 'sequence_batching', 'ensemble_scheduling'];

interface Token {
  kind: 'ident' | 'number' | 'string' | 'punct';
  text: string;
  line: number;
  col: number;
}

export class PbtxtError extends Error {}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const col = i - lineStart + 1;
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
    } else if (/\s/.test(c)) i++;
    else if (c === '#') while (i < source.length && source[i] !== '\n') i++;
    else if ('{}[]<>:,;'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line, col });
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\n')
          throw new PbtxtError(`${line}:${col}: String literals cannot cross line boundaries.`);
        if (source[j] === '\\') j++;
        text += source[j];
        j++;
      }
      if (j >= source.length) throw new PbtxtError(`${line}:${col}: Unexpected end of string.`);
      tokens.push({ kind: 'string', text, line, col });
      i = j + 1;
    } else {
      const m =
        /^(-?(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+)[fF]?|[A-Za-z_][A-Za-z0-9_.]*)/.exec(
          source.slice(i),
        );
      if (!m) throw new PbtxtError(`${line}:${col}: Invalid character "${c}".`);
      tokens.push({ kind: /^[A-Za-z_]/.test(m[0]) ? 'ident' : 'number', text: m[0], line, col });
      i += m[0].length;
    }
  }
  return tokens;
}

export type Pbtxt = { [field: string]: unknown };

/** Parse and check a config.pbtxt; returns the config in Triton's JSON form, or throws PbtxtError. */
export function parseModelConfig(source: string): Pbtxt {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const where = (t: Token | undefined) => (t ? `${t.line}:${t.col}` : 'end of input');
  const fail = (t: Token | undefined, message: string): never => {
    throw new PbtxtError(`${where(t)}: ${message}`);
  };
  const take = (text?: string): Token => {
    const t = tokens[pos];
    if (!t) return fail(t, `Expected "${text ?? 'a value'}".`);
    if (text !== undefined && t.text !== text) fail(t, `Expected "${text}", found "${t.text}".`);
    pos++;
    return t;
  };

  function scalar(type: FieldType, t: Token): unknown {
    if (type === 'string') {
      if (t.kind !== 'string') fail(t, `Expected string, got: ${t.text}`);
      return t.text;
    }
    if (type === 'bool') {
      if (!['true', 'false', 'True', 'False', '1', '0', 't', 'f'].includes(t.text))
        fail(t, `Invalid value for boolean field: "${t.text}".`);
      return ['true', 'True', '1', 't'].includes(t.text);
    }
    if (type === 'double') {
      if (t.kind !== 'number') fail(t, `Expected double, got: ${t.text}`);
      return Number(t.text.replace(/[fF]$/, ''));
    }
    if (typeof type === 'object' && 'enum' in type) {
      if (t.kind !== 'ident' || !type.enum.includes(t.text))
        fail(t, `Unknown enumeration value of "${t.text}" for field.`);
      return t.text;
    }
    // Integers: no fraction, in range; 64-bit ones are strings in protobuf's JSON.
    if (t.kind !== 'number' || !/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(t.text))
      fail(t, `Expected integer, got: ${t.text}`);
    const value = BigInt(t.text);
    const unsigned = type === 'uint32' || type === 'uint64';
    const bits = type === 'int32' || type === 'uint32' ? 32n : 64n;
    const [lo, hi] = unsigned ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
    if (value < lo || value > hi) fail(t, `Integer out of range (${t.text})`);
    return bits === 64n ? value.toString() : Number(value);
  }

  // A value of unknown shape (a field known only by name): parsed for syntax, kept as is.
  function anyValue(): unknown {
    const t = peek();
    if (t?.text === '{' || t?.text === '<') return message(undefined, t.text === '{' ? '}' : '>');
    if (t?.text === '[') {
      take('[');
      const items: unknown[] = [];
      while (peek()?.text !== ']') {
        items.push(anyValue());
        if (peek()?.text === ',') take(',');
      }
      take(']');
      return items;
    }
    const v = take();
    return v.kind === 'number' ? Number(v.text) : v.text;
  }

  function message(type: string | undefined, close: string | undefined): Pbtxt {
    if (close) take(close === '}' ? '{' : '<');
    const fields = type ? MESSAGES[type]! : undefined;
    const out: Pbtxt = {};
    for (;;) {
      const t = peek();
      if (!t) {
        if (close) fail(t, `Expected "${close}".`);
        break;
      }
      if (close && t.text === close) {
        take(close);
        break;
      }
      if (t.kind !== 'ident') fail(t, `Expected identifier, got: ${t.text}`);
      take();
      const field = fields ? fields[t.text] : ANY;
      if (!field) fail(t, `Message type "inference.${type}" has no field named "${t.text}".`);
      const ftype = field!.type;
      const isMessage = typeof ftype === 'object' && 'message' in ftype;
      if (peek()?.text === ':') take(':');
      else if (!isMessage && ftype !== 'any') fail(peek(), `Expected ":", found "${peek()?.text}".`);
      const one = (): unknown => {
        if (ftype === 'any') return anyValue();
        if (isMessage) {
          const open = peek();
          if (open?.text !== '{' && open?.text !== '<') fail(open, `Expected "{", found "${open?.text}".`);
          return message((ftype as { message: string }).message, open!.text === '{' ? '}' : '>');
        }
        return scalar(ftype, take());
      };
      let values: unknown[];
      if (peek()?.text === '[' && ftype !== 'any') {
        if (!field!.repeated) fail(peek(), `Field "${t.text}" is not repeated: a list is not allowed here.`);
        take('[');
        values = [];
        if (peek()?.text !== ']')
          for (;;) {
            values.push(one());
            if (peek()?.text === ',') take(',');
            else break;
          }
        take(']');
      } else values = [one()];
      if (field!.repeated) out[t.text] = [...((out[t.text] as unknown[]) ?? []), ...values];
      else {
        if (t.text in out && fields) fail(t, `Non-repeated field "${t.text}" is specified multiple times.`);
        out[t.text] = values[0];
      }
      if (type === 'ModelConfig' && SCHEDULING_CHOICE.includes(t.text)) {
        const others = SCHEDULING_CHOICE.filter((f) => f !== t.text && f in out);
        if (others.length > 0)
          fail(
            t,
            `Field "${t.text}" is specified along with field "${others[0]}", another member of oneof "scheduling_choice".`,
          );
      }
      if (peek()?.text === ',' || peek()?.text === ';') take();
    }
    return out;
  }

  return message('ModelConfig', undefined);
}
