import { whyHeldTextIsSuperseded } from './held-texts';

describe('a held text when SMS hours open', () => {
  const open = (tierNumber: number) => ({ status: 'open', tierNumber });

  it('is sent when the case is still at the tier it asked about', () => {
    expect(whyHeldTextIsSuperseded({ event: 'deadline-reminder', tier: 1 }, open(1))).toBeNull();
  });

  it('is superseded when the case has moved to another tier', () => {
    expect(whyHeldTextIsSuperseded({ event: 'deadline-reminder', tier: 1 }, open(2))).toBe(
      'the case moved from tier 1 to tier 2 before SMS hours opened',
    );
    expect(whyHeldTextIsSuperseded({ event: 'tier-entered', tier: 2 }, open(3))).not.toBeNull();
  });

  it('is superseded when the case closed and the text asked for action', () => {
    const resolved = { status: 'resolved', tierNumber: 1 };
    expect(whyHeldTextIsSuperseded({ event: 'escalation-raised', tier: 1 }, resolved)).toBe(
      'the case closed (resolved) before SMS hours opened',
    );
    expect(whyHeldTextIsSuperseded({ event: 'plan-item-due', tier: 1 }, resolved)).not.toBeNull();
  });

  it('keeps a plan item reminder while the case is open at another tier', () => {
    expect(whyHeldTextIsSuperseded({ event: 'plan-item-due', tier: 1 }, open(2))).toBeNull();
  });

  it('still sends notices that report what happened', () => {
    const decided = { status: 'decided', tierNumber: 4 };
    for (const event of ['closed', 'final-decision', 'extension-agreed', 'learning-referred', 'informed']) {
      expect(whyHeldTextIsSuperseded({ event, tier: 3 }, decided)).toBeNull();
    }
  });

  it('sends a kind of notice it does not know', () => {
    expect(
      whyHeldTextIsSuperseded({ event: 'a-new-notice', tier: 1 }, { status: 'withdrawn', tierNumber: 2 }),
    ).toBeNull();
  });
});
