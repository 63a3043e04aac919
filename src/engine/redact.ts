// Secrets never reach a log or a report: every text that leaves the engine passes through here.
export const REDACTED = '***';

export function makeRedactor(secrets: string[]): (text: string) => string {
  const values = secrets.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED);
}
