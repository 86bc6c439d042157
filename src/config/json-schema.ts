/** The JSON Schema of the config file, generated from the zod schema (conf/lvsd.schema.json is its output). */
import * as z from 'zod';
import { ConfigSchema, JSON_DEFAULT } from './schema.js';

/**
 * zod leaves out defaults of transformed values in input mode; put them back (a default is shown in its input
 * form, taken from the JSON_DEFAULT metadata when the parsed form differs).
 */
function restoreDefaults(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const json = ctx.jsonSchema as Record<string, unknown>;
  const inputDefault = json[JSON_DEFAULT];
  delete json[JSON_DEFAULT];
  const def = ctx.zodSchema._zod.def;
  if (def.type !== 'default' || json.default !== undefined) return;
  json.default = inputDefault ?? (def as unknown as { defaultValue: unknown }).defaultValue;
}

/** Builds the JSON Schema (draft 2020-12) describing what a config file may contain. */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ConfigSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: restoreDefaults,
  });
  const { $schema, ...rest } = generated as Record<string, unknown>;
  return { $schema, title: 'lvsd configuration', ...rest };
}

/** The schema file's exact text. */
export function jsonSchemaText(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
