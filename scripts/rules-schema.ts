/** Writes config/rules.schema.json from the zod schema, so editors can check rules files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesJsonSchema } from '../lambda/match/rules-schema';

export const RULES_SCHEMA_PATH = join(__dirname, '..', 'config', 'rules.schema.json');

writeFileSync(RULES_SCHEMA_PATH, `${JSON.stringify(rulesJsonSchema(), null, 2)}\n`);
console.log(`wrote ${RULES_SCHEMA_PATH}`);
