/** The shared logger interface: pino fits it as is, and the silent logger drops everything. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Logger, silentLogger } from '../../src/logger.js';

describe('Logger', () => {
  it('is what a pino logger is: fields then message, and children that bind fields', () => {
    const lines: string[] = [];
    const log: Logger = pino({ base: null, timestamp: false }, { write: (line: string) => lines.push(line) });
    log.child({ vs: 'tcp:192.0.2.10:80' }).child({ rs: '10.0.0.1:80' }).warn({ check: 'tcp#0' }, 'down');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: 40, vs: 'tcp:192.0.2.10:80', rs: '10.0.0.1:80', check: 'tcp#0', msg: 'down' },
    ]);
  });

  it('silentLogger and its children log nothing', () => {
    const child = silentLogger.child({ vrid: 51 });
    expect(child).toBe(silentLogger);
    expect(() => child.error({ err: 'x' }, 'ignored')).not.toThrow();
  });
});
