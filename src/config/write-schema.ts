#!/usr/bin/env node
/** `npm run schema`: writes conf/lvsd.schema.json (or the path given) from the zod schema. */
import { writeFileSync } from 'node:fs';
import { jsonSchemaText } from './json-schema.js';

const out = process.argv[2] ?? 'conf/lvsd.schema.json';
writeFileSync(out, jsonSchemaText());
process.stdout.write(`wrote ${out}\n`);
