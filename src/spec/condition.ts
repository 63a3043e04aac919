// `when:` conditions on vars and choices: `cloud == aws`, `cloud != 'gcp'`, `gpu`, `!gpu`, joined by
// `&&` (binds tighter) and `||`, grouped with parentheses. Small on purpose: a lab is not a program.
// A condition is kept as an OR of ANDs; parentheses are multiplied out when it is read.

type Term = { name: string; op: '==' | '!=' | 'truthy' | 'falsy'; value?: string };
export type Condition = Term[][]; // OR of ANDs

const TERM = /^(!?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(==|!=)\s*(.+))?$/;

function parseTerm(raw: string): Term | string {
  const m = TERM.exec(raw.trim());
  if (!m) return `cannot read condition "${raw.trim()}": write name == value, name != value, name or !name`;
  const [, not, name, op, value] = m;
  if (op && not) return `cannot read condition "${raw.trim()}": "!" goes with a bare name only`;
  if (op && /^[=!]/.test(value.trim()))
    return `cannot read condition "${raw.trim()}": write == or != (not === or !==)`;
  if (op) return { name, op: op as '==' | '!=', value: unquote(value.trim()) };
  return { name, op: not ? 'falsy' : 'truthy' };
}

/** Parse a condition, or return the reason it is not one. */
export function parseCondition(text: string): Condition | string {
  const tokens = text
    .split(/(\(|\)|&&|\|\|)/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  let at = 0;
  const or = (): Condition | string => {
    const first = and();
    if (typeof first === 'string') return first;
    const out = [...first];
    while (tokens[at] === '||') {
      at++;
      const next = and();
      if (typeof next === 'string') return next;
      out.push(...next);
    }
    return out;
  };
  const and = (): Condition | string => {
    let out = atom();
    if (typeof out === 'string') return out;
    while (tokens[at] === '&&') {
      at++;
      const next = atom();
      if (typeof next === 'string') return next;
      // (a || b) && (c || d) → a&&c || a&&d || b&&c || b&&d
      out = out.flatMap((left) => (next as Condition).map((right) => [...left, ...right]));
    }
    return out;
  };
  const atom = (): Condition | string => {
    const token = tokens[at];
    if (token === '(') {
      at++;
      const inner = or();
      if (typeof inner === 'string') return inner;
      if (tokens[at] !== ')') return `cannot read condition "${text.trim()}": a "(" is not closed`;
      at++;
      return inner;
    }
    if (token === undefined || token === ')' || token === '&&' || token === '||')
      return `cannot read condition "${text.trim()}": a name is missing${token ? ` before "${token}"` : ' at the end'}`;
    at++;
    const term = parseTerm(token);
    return typeof term === 'string' ? term : [[term]];
  };
  const condition = or();
  if (typeof condition === 'string') return condition;
  if (at < tokens.length) return `cannot read condition "${text.trim()}": unexpected "${tokens[at]}"`;
  return condition;
}

function unquote(value: string): string {
  const m = /^(['"])(.*)\1$/.exec(value);
  return m ? m[2] : value;
}

export function conditionNames(condition: Condition): string[] {
  return condition.flatMap((terms) => terms.map((t) => t.name));
}

const FALSY = new Set(['', '0', 'false', 'no', 'off']);

export function evaluateCondition(condition: Condition, values: Record<string, string | undefined>): boolean {
  return condition.some((terms) =>
    terms.every((t) => {
      const v = values[t.name];
      switch (t.op) {
        case '==':
          return v === t.value;
        case '!=':
          return v !== t.value;
        case 'truthy':
          return v !== undefined && !FALSY.has(v.toLowerCase());
        default:
          return v === undefined || FALSY.has(v.toLowerCase());
      }
    }),
  );
}
