import { ExitCode } from '../../errors.js';
import { labJsonSchema } from '../../spec/schema.js';

export async function schemaCommand(): Promise<number> {
  process.stdout.write(`${JSON.stringify(labJsonSchema(), null, 2)}\n`);
  return ExitCode.ok;
}
