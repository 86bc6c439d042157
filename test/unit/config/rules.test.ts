/** Cross-field rule helpers; the rules' messages and positions are covered by the invalid corpus (fixtures/invalid). */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { virtualServerName } from '../../../src/config/rules.js';
import { ConfigSchema } from '../../../src/config/schema.js';

const SERVICES = `
virtual_servers:
  - { name: web, address: 192.0.2.10, port: 80 }
  - { address: 192.0.2.10, port: 443 }
  - { address: 192.0.2.10, port: 53, protocol: udp }
  - { address: "2001:DB8::10", port: 80 }
  - { fwmark: 7 }
  - { fwmark: 8, family: ipv6 }
`;

describe('virtualServerName', () => {
  it('is the name the model gives each virtual server: its own, or one made from its service', () => {
    const names = ConfigSchema.parse(parse(SERVICES)).virtual_servers.map(virtualServerName);
    expect(names).toEqual(['web', 'tcp/192.0.2.10:443', 'udp/192.0.2.10:53', 'tcp/[2001:db8::10]:80', 'fwmark/7', 'fwmark/8']);
    const loaded = loadConfig(SERVICES, { file: 't.yaml', hostname: 'lvs1' });
    expect(loaded.ok && loaded.config.virtual_servers.map((vs) => vs.name)).toEqual(names);
  });
});
