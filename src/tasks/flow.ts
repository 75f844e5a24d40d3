// A flow is a list of steps, each with a revert (Cinder's taskflow idea). The task row
// records which steps completed, so a restarted worker resumes after them, and a
// failure reverts the completed steps in reverse order.
import { logger } from '../util/logger.js';
import { flowStepDuration, flowStepFailures } from '../util/metrics.js';

export interface FlowStep<C> {
  name: string;
  run(ctx: C): Promise<void>;
  /** Undo `run`; must be idempotent and tolerate a partial or absent `run`. */
  revert?(ctx: C): Promise<void>;
  /**
   * Running the step again after a restart is harmless and it has nothing to revert, so its
   * completion is not recorded (one write fewer); a resumed flow simply runs it again.
   */
  rerunnable?: true;
}

export interface FlowHooks {
  /** Persist the completed step names (called after each step). */
  onProgress(completed: string[]): Promise<void>;
}

export class FlowFailed extends Error {
  constructor(readonly step: string, readonly original: unknown, readonly revertErrors: unknown[]) {
    super(`step ${step} failed: ${original instanceof Error ? original.message : String(original)}`);
  }
}

export async function runFlow<C>(
  steps: readonly FlowStep<C>[],
  ctx: C,
  alreadyCompleted: readonly string[],
  hooks: FlowHooks,
): Promise<void> {
  const done = steps.filter((s) => alreadyCompleted.includes(s.name)).map((s) => s.name);
  for (const step of steps) {
    if (done.includes(step.name)) continue;
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      await step.run(ctx);
      flowStepDuration.observe({ step: step.name, outcome: 'ok' }, seconds());
    } catch (err) {
      flowStepDuration.observe({ step: step.name, outcome: 'error' }, seconds());
      flowStepFailures.inc({ step: step.name });
      const revertErrors: unknown[] = [];
      // Revert the failed step too: it may have half-done its work.
      for (const s of [step, ...steps.filter((x) => done.includes(x.name)).reverse()]) {
        if (!s.revert) continue;
        try {
          await s.revert(ctx);
        } catch (e) {
          revertErrors.push(e);
          logger.error({ step: s.name, err: e instanceof Error ? e.message : String(e) }, 'flow revert failed');
        }
      }
      throw new FlowFailed(step.name, err, revertErrors);
    }
    done.push(step.name);
    // After the last step the caller's final transaction ends the task; nothing to resume.
    if (done.length < steps.length && !(step.rerunnable && !step.revert)) await hooks.onProgress([...done]);
  }
}
