import { describe, expect, it } from 'vitest';
import { parseResponseHead } from '../../../checks/http10.js';
import { headStatus } from '../../../checks/http-plain.js';

describe('http-plain: headStatus', () => {
  const heads = [
    'HTTP/1.1 200 OK',
    'HTTP/1.0 404 Not Found\r\nServer: x\r\nContent-Length: 3',
    'HTTP/1.1 503',
    'HTTP/1.1 100 Continue',
    'HTTP/2 200 OK',
    'SSH-2.0-OpenSSH_9.6',
    'HTTP/1.1 200 OK\r\nno colon here',
    'HTTP/1.1 200 OK\r\n: empty name',
    'HTTP/1.1 200 OK\r\nA: 1\r\n',
    `HTTP/1.1 200 OK\r\n${'x'.repeat(200)}`,
    '',
  ];
  for (const head of heads) {
    it(`judges ${JSON.stringify(head.slice(0, 40))} as parseResponseHead does`, () => {
      const full = parseResponseHead(head);
      expect(headStatus(head)).toEqual(typeof full === 'string' ? full : full.status);
    });
  }
});
