// `when:` conditions on vars and choices: `cloud == aws`, `cloud != 'gcp'`, `gpu`, `!gpu`,
// joined by `&&` (binds tighter) and `||`. Small on purpose: a lab is not a program.

type Term = { name: string; op: '==' | '!=' | 'truthy' | 'falsy'; value?: string };
export type Condition = Term[][]; // OR of ANDs

const TERM = /^(!?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(==|!=)\s*(.+))?$/;

/** Parse a condition, or return the reason it is not one. */
export function parseCondition(text: string): Condition | string {
  const alternatives: Condition = [];
  for (const part of text.split('||')) {
    const terms: Term[] = [];
    for (const raw of part.split('&&')) {
      const m = TERM.exec(raw.trim());
      if (!m)
        return `cannot read condition "${raw.trim()}": write name == value, name != value, name or !name`;
      const [, not, name, op, value] = m;
      if (op && not) return `cannot read condition "${raw.trim()}": "!" goes with a bare name only`;
      if (op && /^[=!]/.test(value.trim()))
        return `cannot read condition "${raw.trim()}": write == or != (not === or !==)`;
      if (op) terms.push({ name, op: op as '==' | '!=', value: unquote(value.trim()) });
      else terms.push({ name, op: not ? 'falsy' : 'truthy' });
    }
    alternatives.push(terms);
  }
  return alternatives;
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
