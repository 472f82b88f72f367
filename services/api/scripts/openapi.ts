/**
 * Writes the OpenAPI document generated from the code to docs/openapi.json.
 *   node -r ./infra/runtime/register.js services/api/scripts/openapi.ts
 * A unit test fails when the committed document is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateOpenApi } from '../src/openapi';

generateOpenApi()
  .then((doc) => {
    const file = path.resolve(__dirname, '../../../docs/openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
    console.log(`wrote ${file}`);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
