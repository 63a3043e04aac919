import type { Paint } from '../report/paint.js';
import { plainPaint } from '../report/paint.js';

/** chalk's colours when colour is on (chalk honours NO_COLOR and FORCE_COLOR), plain text otherwise. */
export async function createPaint(
  color: boolean,
  stream: NodeJS.WriteStream = process.stdout,
): Promise<Paint> {
  if (!color || process.env.NO_COLOR) return plainPaint;
  const { Chalk } = await import('chalk');
  const forced = process.env.FORCE_COLOR;
  const level = forced !== undefined ? (forced === '0' || forced === 'false' ? 0 : 1) : stream.isTTY ? 1 : 0;
  if (level === 0) return plainPaint;
  const chalk = new Chalk({ level });
  return { green: chalk.green, red: chalk.red, yellow: chalk.yellow, dim: chalk.dim, bold: chalk.bold };
}
