/**
 * Entry point that runs checks in a process of its own (bundled by bundle.ts), e.g. inside a lab director's
 * namespace. Reads one JSON request per stdin line, `{"id", "check", "target", "budgetMs"}` where check is a
 * resolved check config, and writes one JSON line per answer: `{"id", "result", "ms"}` (ms measured here, so
 * process start-up and pipes do not count). Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import type { ResolvedCheck } from '../../../src/config/model.js';
import type { CheckTarget } from '../../../checks/checker.js';
import { createChecker } from '../../../checks/index.js';

/** One request to the runner. */
export interface RunnerRequest {
  readonly id: number;
  readonly check: ResolvedCheck;
  readonly target: CheckTarget;
  readonly budgetMs: number;
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const req = JSON.parse(line) as RunnerRequest;
  const started = performance.now();
  createChecker(req.check)
    .check(req.target, new AbortController().signal, Date.now() + req.budgetMs)
    .then(
      (result) => process.stdout.write(`${JSON.stringify({ id: req.id, result, ms: performance.now() - started })}\n`),
      (err: unknown) => process.stdout.write(`${JSON.stringify({ id: req.id, error: String(err) })}\n`),
    );
});
lines.on('close', () => process.exit(0));
process.stdout.write('ready\n');
