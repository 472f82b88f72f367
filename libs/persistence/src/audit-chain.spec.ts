import { actionRecordHash, type ActionRecordContent } from './audit-chain';

describe(actionRecordHash.name, () => {
  const record: ActionRecordContent = {
    id: '3F2504E0-4F89-41D3-9A0C-0305E82C3301',
    escalationId: '9b2e1f0a-1111-4222-8333-444455556666',
    kind: 'respond',
    personId: 'sefton-sscp-police-practitioner',
    agencyId: 'sefton-sscp-police',
    role: 'practitioner',
    text: 'Threshold not met yet.',
    payload: { requestHash: 'abc', reasons: ['one', 'two'] },
    requestId: 'req-1',
  };

  it('is the same for the same record read back from Postgres (lower-case ids, jsonb key order)', () => {
    const readBack = {
      ...record,
      id: record.id.toLowerCase(),
      payload: { reasons: ['one', 'two'], requestHash: 'abc' },
    };
    expect(actionRecordHash(readBack)).toBe(actionRecordHash(record));
    expect(actionRecordHash(record)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with anything the record says: its text, its actor, its kind, its payload', () => {
    const base = actionRecordHash(record);
    for (const changed of [
      { text: 'Threshold met.' },
      { text: null },
      { role: 'senior-manager' },
      { agencyId: null },
      { personId: 'someone-else' },
      { kind: 'withdraw' },
      { payload: { requestHash: 'abc', reasons: ['one'] } },
      { requestId: null },
    ]) {
      expect(actionRecordHash({ ...record, ...changed })).not.toBe(base);
    }
  });

  it('treats an absent agency, text or request id as null', () => {
    expect(actionRecordHash({ ...record, agencyId: undefined as never })).toBe(
      actionRecordHash({ ...record, agencyId: null }),
    );
  });
});
