// The live terminal view: an observer of engine events. On a TTY an ora spinner with [3/8], the step
// title and elapsed time; elsewhere (a pipe, CI) plain lines with no control codes.
import type { EngineEvent } from '../engine/events.js';
import type { Paint } from '../report/paint.js';
import { renderCheckLine, renderStepLine } from '../report/text.js';
import { formatDuration } from '../util/duration.js';

export interface LiveViewOptions {
  stream: NodeJS.WriteStream;
  paint: Paint;
  /** Spinners and redraws (a TTY, not CI). */
  interactive: boolean;
  /** Stream each step's output as it arrives. */
  verbose: boolean;
}

interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
}

export async function createLiveView(
  options: LiveViewOptions,
): Promise<{ onEvent: (event: EngineEvent) => void; close(): void }> {
  const { stream, paint } = options;
  const write = (line: string) => stream.write(`${line}\n`);
  let spinner: Spinner | undefined;
  if (options.interactive) {
    const { default: ora } = await import('ora');
    spinner = ora({ stream, discardStdin: false }) as unknown as Spinner;
  }
  let timer: NodeJS.Timeout | undefined;
  let label = '';
  let started = 0;
  const startSpinner = (text: string) => {
    label = text;
    started = Date.now();
    if (!spinner) return;
    spinner.text = text;
    spinner.start();
    clearInterval(timer);
    timer = setInterval(() => {
      if (spinner) spinner.text = `${label} ${paint.dim(formatDuration(Date.now() - started))}`;
    }, 1000);
    timer.unref();
  };
  const stopSpinner = () => {
    clearInterval(timer);
    spinner?.stop();
  };
  // Print above the spinner without tearing it.
  const print = (lines: string[]) => {
    const spinning = spinner && label !== '';
    if (spinning) spinner!.stop();
    for (const line of lines) write(line);
    if (spinning) spinner!.start();
  };

  const onEvent = (event: EngineEvent) => {
    switch (event.type) {
      case 'lab-start':
        write(
          paint.bold(
            `${event.mode === 'run' ? 'Running' : 'Verifying'} ${event.lab.id} — ${event.lab.title}`,
          ),
        );
        write(paint.dim(`target ${event.target}${event.workDir ? `, work folder ${event.workDir}` : ''}`));
        break;
      case 'preflight': {
        const missing = event.items.filter((i) => !i.ok);
        if (missing.length > 0) {
          write(paint.red('Preflight: this machine lacks'));
          for (const m of missing)
            write(`  ${paint.red('✖')} ${m.requirement} ${paint.dim(`(${m.observed})`)}`);
        }
        break;
      }
      case 'step-start': {
        const text = `[${event.index + 1}/${event.total}] ${event.step.title}`;
        if (!options.interactive) write(paint.dim(`▶ ${text}`));
        startSpinner(text);
        break;
      }
      case 'step-output':
        if (options.verbose)
          print(
            event.chunk
              .replace(/\n$/, '')
              .split('\n')
              .map((l) => paint.dim(`    │ ${l}`)),
          );
        break;
      case 'check-start':
        if (spinner && label) spinner.text = `${label} ${paint.dim(`— ${event.title}`)}`;
        break;
      case 'step-end':
        stopSpinner();
        label = '';
        for (const line of renderStepLine(event.result, paint)) write(line);
        break;
      case 'phase':
        stopSpinner();
        label = '';
        write(paint.bold(event.phase === 'verify' ? 'Verify' : 'Cleanup'));
        if (event.phase === 'verify') startSpinner('checking');
        break;
      case 'check-end':
        // Step checks print with their step; verify checks print as they finish.
        if (label === 'checking') print(renderCheckLine(event.result, paint));
        break;
      case 'cleanup-end':
        write(
          `  ${event.result.status === 'pass' ? paint.green('✔') : paint.red('✖')} ${event.result.title}${event.result.status === 'pass' ? '' : `: ${event.result.message}`}`,
        );
        break;
      case 'lab-end':
        stopSpinner();
        label = '';
        break;
    }
  };
  return { onEvent, close: stopSpinner };
}
