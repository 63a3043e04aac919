import { ExitCode } from '../../errors.js';
import { renderPlan } from '../../report/plan.js';
import { loadLab } from '../../spec/load.js';
import { resolveLabRef } from '../../spec/locate.js';
import { createPaint } from '../paint.js';

export async function showCommand(ref: string): Promise<number> {
  const lab = await loadLab(resolveLabRef(ref));
  process.stdout.write(renderPlan(lab, { paint: await createPaint(true) }));
  return ExitCode.ok;
}
