import { describe, expect, it } from 'vitest';
import { formatPath } from '../../../src/config/path.js';
import { closest, editDistance } from '../../../src/config/suggest.js';

describe('suggestions and paths', () => {
  it('suggests close keys only', () => {
    expect(editDistance('dealy_loop', 'delay_loop')).toBe(1);
    expect(closest('delay_lop', ['delay_loop', 'retry'])).toBe('delay_loop');
    expect(closest('Priority', ['priority', 'state'])).toBe('priority');
    expect(closest('foo', ['delay_loop', 'retry'])).toBeUndefined();
  });

  it('formats paths', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['virtual_servers', 2, 'real_servers', 0, 'port'])).toBe('virtual_servers[2].real_servers[0].port');
    expect(formatPath(['nodes', 'lvs1.example.com', 'router_id'])).toBe('nodes["lvs1.example.com"].router_id');
  });
});
