// Small expression forms for GPU facts: sizes (`>= 22GiB`, `16GiB..24GiB`) and versions (`>= 535`,
// `>= 12.2`, `>= 8.0`), compared with semver after coercion (`535.104.05` → 535.104.5).
import coerce from 'semver/functions/coerce.js';
import semverCompare from 'semver/functions/compare.js';
import { parseSize } from '../../util/size.js';

type Op = '>=' | '>' | '<=' | '<' | '==' | '!=';

const SIZE_UNIT = '(?:B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)';
const SIZE = `\\d+(?:\\.\\d+)?\\s*${SIZE_UNIT}`;
export const SIZE_EXPRESSION = new RegExp(
  `^\\s*(?:(?:>=|<=|>|<|==)\\s*)?${SIZE}\\s*$|^\\s*${SIZE}\\s*\\.\\.\\s*${SIZE}\\s*$`,
);
export const VERSION_EXPRESSION = /^\s*(?:(?:>=|<=|>|<|==|!=)\s*)?\d+(?:\.\d+){0,3}\s*$/;

function opOf(text: string): { op: Op; rest: string } {
  const m = /^\s*(>=|<=|!=|==|>|<)?\s*(.*?)\s*$/.exec(text)!;
  return { op: (m[1] as Op | undefined) ?? '>=', rest: m[2] };
}

function holds(op: Op, cmp: number): boolean {
  if (op === '>=') return cmp >= 0;
  if (op === '>') return cmp > 0;
  if (op === '<=') return cmp <= 0;
  if (op === '<') return cmp < 0;
  if (op === '==') return cmp === 0;
  return cmp !== 0;
}

/** Whether `bytes` satisfies a size expression; a bare size means "at least". */
export function sizeHolds(expression: string, bytes: number): boolean {
  const range = expression.split('..');
  if (range.length === 2) {
    const lo = parseSize(range[0]) ?? Number.NaN;
    const hi = parseSize(range[1]) ?? Number.NaN;
    return bytes >= lo && bytes <= hi;
  }
  const { op, rest } = opOf(expression);
  const size = parseSize(rest);
  return size !== undefined && holds(op, Math.sign(bytes - size));
}

/** `>= 22 GiB` for reports: the operator made explicit. */
export function describeExpression(expression: string): string {
  if (expression.includes('..')) return expression.trim();
  const { op, rest } = opOf(expression);
  return `${op} ${rest}`;
}

/** semver for a driver-style version: `590.48.01` → 590.48.1 (coerce alone refuses the leading zero). */
export function toSemver(version: string) {
  return coerce(version.replace(/(^|\.)0+(?=\d)/g, '$1'));
}

/** Whether a version satisfies a version expression; a bare version means "at least". */
export function versionHolds(expression: string, version: string): boolean {
  const { op, rest } = opOf(expression);
  const want = toSemver(rest);
  const have = toSemver(version);
  if (!want || !have) return false;
  return holds(op, semverCompare(have, want));
}
