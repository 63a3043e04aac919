// Resolving a lab's vars and choices: defaults, then a vars file, then --set; choices asked on a TTY.
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { Lab } from '../spec/types.js';

export interface ResolveOptions {
  sets: string[];
  varsFile?: string;
  /** Asks a choice on a terminal; absent when not interactive. */
  ask?: (question: string, options: { value: string; label: string }[], fallback: string) => Promise<string>;
  /** Asks for a secret without echoing it; absent when not interactive. */
  askSecret?: (question: string) => Promise<string>;
}

export interface ResolvedValues {
  values: Record<string, string>;
  secrets: string[];
}

/** `KEY=VALUE` per line; `#` comments; optional quotes around the value. */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!m) throw new UsageError(`${file}:${i + 1}:1: expected KEY=VALUE (--vars-file)`);
    values[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  });
  return values;
}

export function parseSets(sets: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${set}: expected key=value`);
    values[set.slice(0, eq)] = set.slice(eq + 1);
  }
  return values;
}

export async function resolveValues(lab: Lab, options: ResolveOptions): Promise<ResolvedValues> {
  let fromFile: Record<string, string> = {};
  if (options.varsFile) {
    let text: string;
    try {
      text = await readFile(options.varsFile, 'utf8');
    } catch {
      throw new UsageError(`vars file not found: ${options.varsFile} (--vars-file)`);
    }
    fromFile = parseEnvFile(text, options.varsFile);
  }
  const fromSets = parseSets(options.sets);
  const known = [...Object.keys(lab.vars), ...Object.keys(lab.choices)];
  for (const key of Object.keys(fromSets)) {
    if (!known.includes(key)) {
      throw new UsageError(
        `--set ${key}: lab ${lab.id} has no var or choice "${key}"`,
        known.length ? `known: ${known.join(', ')}` : 'this lab has no vars',
      );
    }
  }
  const values: Record<string, string> = {};
  const secrets: string[] = [];
  for (const v of Object.values(lab.vars)) {
    // An env file may hold more than this lab needs (a shared .env), so only known names are taken from it.
    let value = fromSets[v.name] ?? fromFile[v.name] ?? v.default;
    if (value === undefined && v.required && v.secret && options.askSecret)
      value = await options.askSecret(v.description ?? v.name);
    if (value === undefined) {
      if (v.required)
        throw new UsageError(
          `var "${v.name}" needs a value: --set ${v.name}=... or a --vars-file`,
          v.description,
        );
      continue;
    }
    if (v.pattern && !new RegExp(v.pattern).test(value)) {
      throw new UsageError(
        `var "${v.name}": ${v.secret ? 'the value' : `"${value}"`} does not match ${v.pattern}`,
      );
    }
    values[v.name] = value;
    if (v.secret) secrets.push(value);
  }
  for (const c of Object.values(lab.choices)) {
    const given = fromSets[c.name] ?? fromFile[c.name];
    if (given !== undefined) {
      if (!c.options.some((o) => o.value === given)) {
        throw new UsageError(
          `--set ${c.name}=${given}: choose one of ${c.options.map((o) => o.value).join(', ')}`,
        );
      }
      values[c.name] = given;
    } else {
      values[c.name] = options.ask ? await options.ask(c.prompt, c.options, c.default) : c.default;
    }
  }
  return { values, secrets };
}
