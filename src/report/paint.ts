// Colour as a parameter: reporters stay pure; the CLI passes chalk's colours on a colour terminal.
export interface Paint {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const same = (text: string) => text;
export const plainPaint: Paint = { green: same, red: same, yellow: same, dim: same, bold: same };
