import {
  canonicalJson,
  chainHash,
  ChainWalker,
  GENESIS_HASH,
  type AuditFields,
  type StoredAuditRow,
} from '@resolve/persistence';
import { auditTarget } from './audit.interceptor';

const fields = (seq: number, over: Partial<AuditFields> = {}): AuditFields => ({
  seq,
  at: '2026-05-18T08:30:00.123Z',
  requestId: `req-${seq}`,
  personId: 'sefton-sscp-csc-practitioner',
  agencyId: 'sefton-sscp-csc',
  role: 'practitioner',
  partnershipId: 'sefton-sscp',
  escalationId: '00000000-0000-4000-a000-000000000001',
  action: 'escalation.read',
  outcome: 200,
  actionRecordId: null,
  detail: {},
  ...over,
});

function chain(n: number) {
  const rows: StoredAuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const f = fields(seq);
    const hash = chainHash(prev, f);
    rows.push({
      seq: String(seq),
      at: new Date(f.at),
      requestId: f.requestId,
      personId: f.personId,
      agencyId: f.agencyId,
      role: f.role,
      partnershipId: f.partnershipId,
      escalationId: f.escalationId,
      action: f.action,
      outcome: f.outcome,
      actionRecordId: f.actionRecordId,
      detail: f.detail,
      prevHash: prev,
      hash,
    });
    prev = hash;
  }
  return rows;
}

const walk = (rows: StoredAuditRow[]) => {
  const w = new ChainWalker();
  rows.forEach((r) => w.add(r));
  return w.result();
};

describe('audit chain', () => {
  it('encodes JSON canonically: sorted keys at every level, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true } })).toBe(
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/finite/);
  });

  it('hashes prev_hash and the fields: any change of either gives another hash', () => {
    const h = chainHash(GENESIS_HASH, fields(1));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, fields(1))).toBe(h);
    expect(chainHash(GENESIS_HASH, fields(1, { outcome: 404 }))).not.toBe(h);
    expect(chainHash('1'.repeat(64), fields(1))).not.toBe(h);
  });

  it('verifies an intact chain, and names the first altered or unlinked row', () => {
    expect(walk(chain(5))).toMatchObject({ ok: true, rows: 5, head: { seq: 5 } });
    expect(walk([])).toEqual({ ok: true, rows: 0, head: null });

    const altered = chain(5);
    altered[2] = { ...altered[2], role: 'independent-chair' };
    expect(walk(altered)).toMatchObject({ ok: false, rows: 5, firstBrokenSeq: 3 });

    const removed = chain(5);
    removed.splice(1, 1);
    expect(walk(removed)).toMatchObject({ ok: false, rows: 4, firstBrokenSeq: 3 });
  });

  it('names audited routes from the matched route path', () => {
    expect(auditTarget('GET', '/escalations/:id')).toMatchObject({
      action: 'escalation.read',
      scope: 'case',
    });
    expect(auditTarget('GET', '/escalations')).toMatchObject({ action: 'escalation.list', scope: 'list' });
    expect(auditTarget('POST', '/escalations')).toMatchObject({ action: 'escalation.raise', scope: 'raise' });
    expect(auditTarget('POST', '/escalations/:id/resolve')).toMatchObject({
      action: 'escalation.resolve',
      scope: 'case',
      post: true,
    });
    expect(auditTarget('POST', '/escalations/:id/extension/accept')?.action).toBe(
      'escalation.extension.accept',
    );
    expect(auditTarget('POST', '/escalations/:id/plan-items/:itemId/complete')?.action).toBe(
      'escalation.plan-items.complete',
    );
    expect(auditTarget('GET', '/audit/verify')).toMatchObject({ action: 'audit.verify', scope: 'other' });
    expect(auditTarget('GET', '/partnerships/:partnershipId/reports/disputes')).toMatchObject({
      action: 'report.disputes',
      scope: 'other',
    });
    expect(auditTarget('GET', '/partnerships/:partnershipId/people')?.action).toBe('directory.read.people');
    expect(auditTarget('GET', '/partnerships/:partnershipId')?.action).toBe('directory.read.partnership');
    expect(auditTarget('GET', '/agencies/:agencyId')?.action).toBe('directory.read.agency');
    expect(auditTarget('POST', '/codec/decode')?.action).toBe('codec.decode');
    expect(auditTarget('POST', '/partnerships/:partnershipId/people')).toBeNull(); // audited by the directory with before and after
    expect(auditTarget('GET', '/audit')).toMatchObject({
      action: 'audit.read',
      scope: 'case',
      idFrom: 'query',
    });
    expect(auditTarget('GET', '/escalations/:id/records/decision.html')?.action).toBe(
      'escalation.read.records.decision.html',
    );
    expect(auditTarget('GET', '/agencies/:agencyId/escalation-log.csv')).toMatchObject({
      action: 'agency.escalation-log',
      scope: 'list',
    });
    expect(auditTarget('GET', '/health')).toBeNull();
    expect(auditTarget('GET', '/protocols/:id/timeline')).toBeNull();
    expect(auditTarget('GET', undefined)).toBeNull();
  });
});
