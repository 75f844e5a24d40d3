// An Executor that records argv and answers from a script: for command-line tests of target helpers.
import type { Executor, RunOptions, RunResult } from '../../src/exec/executor.js';

export class RecordingExecutor implements Executor {
  readonly calls: { argv: string[]; opts: RunOptions }[] = [];
  constructor(private readonly answer: (argv: readonly string[]) => Partial<RunResult> = () => ({})) {}
  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv: [...argv], opts });
    return { stdout: '', stderr: '', exitCode: 0, ...this.answer(argv) };
  }
  lines(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }
}
