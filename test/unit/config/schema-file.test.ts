import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, jsonSchemaText } from '../../../src/config/json-schema.js';

const SCHEMA_FILE = join(import.meta.dirname, '../../../conf/lvsd.schema.json');

describe('conf/lvsd.schema.json', () => {
  it('is up to date with the zod schema (run `npm run schema` after changing src/config/schema.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(jsonSchemaText());
  });

  it('rejects unknown keys and shows defaults, so editors can check and complete', () => {
    const schema = buildJsonSchema() as {
      additionalProperties: unknown;
      properties: Record<string, { additionalProperties?: unknown; properties?: Record<string, { default?: unknown }> }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual([
      'global',
      'logging',
      'control',
      'lvs_sync_daemon',
      'vrrp_scripts',
      'vrrp_track_files',
      'vrrp_sync_groups',
      'vrrp_instances',
      'virtual_servers',
      'nodes',
    ]);
    expect(schema.properties.logging?.properties?.level?.default).toBe('info');
    expect(schema.properties.global?.properties?.vrrp_mcast_group4?.default).toBe('224.0.0.18');
  });
});
