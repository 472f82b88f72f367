import { correctionRefusal, type CorrectionTarget } from './corrections';

const note = (over: Partial<Extract<CorrectionTarget, { kind: 'action' }>> = {}): CorrectionTarget => ({
  kind: 'action',
  actionKind: 'add-note',
  authorPersonId: 'amy',
  authorAgencyId: 'csc',
  outcome: 'accepted',
  hasText: true,
  ...over,
});

describe(correctionRefusal.name, () => {
  it('lets the author correct their own entry', () => {
    expect(correctionRefusal(note(), { personId: 'amy', agencyId: 'csc' })).toBeNull();
  });

  it("lets someone acting for the author's agency correct it", () => {
    expect(correctionRefusal(note(), { personId: 'ben', agencyId: 'csc' })).toBeNull();
  });

  it('lets a partnership role correct any entry', () => {
    expect(correctionRefusal(note(), { personId: 'chair', agencyId: null })).toBeNull();
  });

  it("refuses another agency's entry", () => {
    expect(correctionRefusal(note(), { personId: 'pc', agencyId: 'police' })?.code).toBe(
      'not-yours-to-correct',
    );
  });

  it('refuses an action that is not on the record, or has no words', () => {
    const amy = { personId: 'amy', agencyId: 'csc' };
    expect(correctionRefusal(note({ outcome: 'refused' }), amy)?.code).toBe('not-on-record');
    expect(correctionRefusal(note({ outcome: 'pending' }), amy)?.code).toBe('not-on-record');
    expect(correctionRefusal(note({ hasText: false }), amy)?.code).toBe('nothing-to-correct');
  });

  it("lets the raising agency or the partnership correct the subject's details, not the receiver", () => {
    const subject: CorrectionTarget = { kind: 'subject', raisingAgencyId: 'csc' };
    expect(correctionRefusal(subject, { personId: 'amy', agencyId: 'csc' })).toBeNull();
    expect(correctionRefusal(subject, { personId: 'chair', agencyId: null })).toBeNull();
    expect(correctionRefusal(subject, { personId: 'pc', agencyId: 'police' })?.code).toBe(
      'not-yours-to-correct',
    );
  });
});
