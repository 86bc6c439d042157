// Reads vitest JSON reports and prints one summary line per suite, then a total line:
//   unit: 120 passed, 0 failed, 0 skipped
// A suite whose report is missing, that ran no test, or that skipped any, counts as failed.
// Usage: node summarize-tests.mjs DIR SUITE... ; exit status 0 only if every suite passed cleanly.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...suites] = process.argv.slice(2);
let ok = true;
const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const suite of suites) {
  const report = join(dir, `${suite}.json`);
  const reasonFile = join(dir, `${suite}.reason`);
  if (!existsSync(report)) {
    const reason = existsSync(reasonFile) ? readFileSync(reasonFile, 'utf8').trim() : 'no report written';
    lines.push(`${suite}: did not run: ${reason}`);
    lines.push(`${suite}: 0 passed, 1 failed, 0 skipped`);
    total.failed += 1;
    ok = false;
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const passed = r.numPassedTests ?? 0;
  const failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0);
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  total.passed += passed;
  total.failed += failed;
  total.skipped += skipped;
  if (failed > 0 || skipped > 0 || passed === 0 || r.success === false) ok = false;
  if (passed === 0) lines.push(`${suite}: ran no test`);
  if (skipped > 0) lines.push(`${suite}: ${skipped} skipped; a suite must run every test`);
  lines.push(`${suite}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}
process.stdout.write(`\n${lines.join('\n')}\ntotal: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(ok ? 0 : 1);
