// Questions on a terminal (@inquirer/prompts, loaded only when a question is asked).
import type { Step } from '../spec/types.js';

export function createPrompts() {
  return {
    async choose(
      question: string,
      options: { value: string; label: string }[],
      fallback: string,
    ): Promise<string> {
      const { select } = await import('@inquirer/prompts');
      return select({
        message: question,
        choices: options.map((o) => ({ value: o.value, name: o.label })),
        default: fallback,
      });
    },
    async secret(question: string): Promise<string> {
      const { password } = await import('@inquirer/prompts');
      return password({ message: question, mask: true });
    },
    async confirm(question: string): Promise<boolean> {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message: question, default: false });
    },
    async manual(step: Step): Promise<void> {
      const { input } = await import('@inquirer/prompts');
      process.stdout.write(`\n✋ ${step.title}\n${step.manual}\n`);
      await input({ message: 'Press Enter when done' });
    },
  };
}
