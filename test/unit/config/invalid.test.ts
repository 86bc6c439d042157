import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedLines, INVALID_DIR, invalidCases, runCase } from './corpus.js';

/**
 * Each file in fixtures/invalid/ must fail with exactly the errors listed in its .expected file, in order: these
 * are the lines `lvsd check` prints, so message wording and positions are part of the contract.
 * After a deliberate change, LVSD_UPDATE_EXPECTED=1 rewrites the .expected files; review their diff.
 */
const UPDATE = process.env.LVSD_UPDATE_EXPECTED === '1';

describe('invalid config corpus', () => {
  const cases = invalidCases();

  it('covers at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', (name) => {
    const result = runCase(name);
    expect(result.ok).toBe(false);
    if (UPDATE) writeFileSync(join(INVALID_DIR, `${name}.expected`), result.lines.map((l) => `${l}\n`).join(''));
    else expect(result.lines).toEqual(expectedLines(name));
  });
});
