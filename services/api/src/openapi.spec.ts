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
    for (const action of [
      'acknowledge',
      'respond',
      'plan',
      'resolve',
      'escalate',
      'immediate-risk',
      'extension',
      'meeting',
      'decision',
      'learning-referral',
      'withdraw',
      'notes',
      'corrections',
    ]) {
      expect(Object.keys(doc.paths)).toContain(`/escalations/{id}/${action}`);
    }
  });
  it("carries the API's own limits (lengths, patterns, allowed values, array sizes) in the request schemas", async () => {
    const schemas = (await generateOpenApi()).components.schemas;
    const raise = schemas.RaiseEscalationDto.properties;
    expect(raise.protocolId).toMatchObject({ type: 'string', minLength: 1, maxLength: 100 });
    expect(raise.natureOfConcern).toMatchObject({ minLength: 1, maxLength: 10000 });
    const reference = new RegExp(raise.reference.pattern);
    expect(reference.test('SEF-2026-0042')).toBe(true);
    expect(reference.test('Jane Smith')).toBe(false); // the same rule as the validator: no names
    expect(schemas.SubjectDto.properties.kind.enum).toEqual(['child', 'children', 'adult', 'none']);
    expect(schemas.SubjectDto.properties.people).toMatchObject({ type: 'array', maxItems: 20 });
    // Every request schema property that the validators limit has its limit written down.
    const unconstrainedStrings = Object.entries(
      schemas as Record<string, { properties?: Record<string, Record<string, unknown>> }>,
    ).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(
          ([, p]) =>
            p.type === 'string' &&
            !p.enum &&
            !p.format &&
            p.maxLength === undefined &&
            p.pattern === undefined,
        )
        .map(([prop]) => `${name}.${prop}`),
    );
    expect(unconstrainedStrings).toEqual([]);
  });
});
