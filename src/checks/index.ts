// The check registry. Adding a check type is one file in this folder (exporting `check`, its `type`
// equal to the file name), or a folder with an index.ts when it grows, and one line here;
// index.test.ts fails when the two drift apart.
// Imports are static because the spec loader needs every schema to validate any lab; check modules
// stay light by loading their heavy parts (jsonpath-plus, yaml, node:https) inside `run`.
import { check as command } from './command.js';
import { check as cudaMatmul } from './cuda-matmul.js';
import { check as file } from './file.js';
import { check as http } from './http.js';
import { check as kubernetes } from './kubernetes/index.js';
import { check as nvidiaSmi } from './nvidia-smi/index.js';
import { check as port } from './port.js';
import { check as processCheck } from './process.js';
import { check as torch } from './torch.js';
import type { CheckModule } from './types.js';

export const checkModules = {
  command,
  'cuda-matmul': cudaMatmul,
  file,
  http,
  kubernetes,
  'nvidia-smi': nvidiaSmi,
  port,
  process: processCheck,
  torch,
} as const satisfies Record<string, CheckModule>;

export type CheckType = keyof typeof checkModules;

export const checkTypes = Object.keys(checkModules) as CheckType[];

/** The module for a check type, or undefined when no check has that name. */
export function getCheckModule(type: string): CheckModule | undefined {
  return Object.hasOwn(checkModules, type) ? checkModules[type as CheckType] : undefined;
}
