import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateOpenApi } from './openapi';

describe('OpenAPI document', () => {
  it('committed docs/openapi.json matches the code (regenerate: node -r ./infra/runtime/register.js services/api/scripts/openapi.ts)', async () => {
    const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../../docs/openapi.json'), 'utf8'));
    expect(committed).toEqual(await generateOpenApi());
  });

  it('documents every escalation action as its own endpoint', async () => {
    const doc = await generateOpenApi();
    for (const action of ['acknowledge', 'respond', 'plan', 'resolve', 'escalate', 'immediate-risk', 'extension', 'meeting', 'decision', 'learning-referral', 'withdraw', 'notes']) {
      expect(Object.keys(doc.paths)).toContain(`/escalations/{id}/${action}`);
    }
  });
});
