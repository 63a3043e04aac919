// Secrets never reach a log or a report: every text that leaves the engine passes through here.
// Redaction by default: besides `secret: true` vars (and a sudo password asked for mid-run), the values
// of environment variables whose names look secret, and text shaped like a credential — an AWS access
// key, a private key block, a bearer token, a GitHub or Hugging Face token — are replaced by ***.
export const REDACTED = '***';

/** Env var names whose values are taken as secrets. */
const SECRET_ENV_NAME =
  /(_TOKEN|_KEY|_SECRET|PASSWORD|PASSWD|PASSPHRASE)$|PASSWORD|^(TOKEN|SECRET|API_KEY)$/i;
// Short values (`DEBUG_KEY=1`) would redact every "1" in the output; a real secret is longer.
const MIN_ENV_SECRET_LENGTH = 6;
// Names that match the pattern but hold no secret.
const NOT_SECRET_ENV = new Set(['SSH_AUTH_SOCK', 'GPG_AGENT_INFO', 'AWS_ACCESS_KEY_ID_FILE']);

const CREDENTIAL_PATTERNS: [RegExp, string][] = [
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g, REDACTED],
  [/\b(?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}\b/g, REDACTED],
  [/(aws_secret_access_key\s*[=:]\s*)["']?[A-Za-z0-9/+=]{40}["']?/gi, `$1${REDACTED}`],
  // A bearer token has digits or dots; "Bearer authentication" is prose.
  [/\b(Bearer)(\s+)(?=[A-Za-z0-9\-._~+/]*[0-9.])[A-Za-z0-9\-._~+/]{8,}=*/g, `$1$2${REDACTED}`],
  [
    /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|hf_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,})\b/g,
    REDACTED,
  ],
];

/** Values of environment variables whose names look secret (AWS_SECRET_ACCESS_KEY, HF_TOKEN, DB_PASSWORD …). */
export function secretEnvValues(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV_NAME.test(name) && !NOT_SECRET_ENV.has(name) && value)
    .map(([, value]) => value as string)
    .filter((value) => value.length >= MIN_ENV_SECRET_LENGTH);
}

/** A redactor for `secrets`; the list is read again when it grows (a sudo password asked for mid-run). */
export function makeRedactor(
  secrets: string[],
  env: NodeJS.ProcessEnv = process.env,
): (text: string) => string {
  const fromEnv = secretEnvValues(env);
  let seen = -1;
  let redact = (text: string) => text;
  return (text) => {
    if (secrets.length !== seen) {
      seen = secrets.length;
      redact = buildRedactor([...secrets, ...fromEnv]);
    }
    return redact(text);
  };
}

function buildRedactor(secrets: string[]): (text: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length >= 3))].sort((a, b) => b.length - a.length);
  const literal =
    values.length === 0
      ? undefined
      : new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => {
    let out = literal ? text.replace(literal, REDACTED) : text;
    for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}
