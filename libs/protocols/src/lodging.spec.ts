import { lodgementsAt, lodgesAnything, type LodgingTimelineEntry } from './lodging';
import { getProtocol, getProtocolVersion, parseProtocol, ProtocolValidationError } from './registry';

const entered = (seq: number, tier: number, key: string): LodgingTimelineEntry => ({
  seq,
  type: 'tier-entered',
  tier,
  detail: { key },
});
const closed = (seq: number, tier: number, status = 'resolved'): LodgingTimelineEntry => ({
  seq,
  type: 'closed',
  tier,
  detail: { status },
});

const sefton = getProtocol('sefton-sscp');
const seftonKeys = sefton.tiers.map((t) => t.key);

/** Sefton as shipped, changed by `change`, validated like a file. */
function seftonVariant(change: (json: any) => void) {
  const json = JSON.parse(JSON.stringify(sefton));
  json.id = 'sefton-variant';
  change(json);
  return () => parseProtocol(json, 'sefton-variant.json');
}

describe('lodgementsAt', () => {
  it("lodges Sefton's Report to SSCP with the escalations mailbox when the case enters step 3", () => {
    const timeline = [
      { seq: 1, type: 'raised', tier: 1, detail: {} },
      entered(2, 1, seftonKeys[0]),
      entered(5, 2, seftonKeys[1]),
      entered(9, 3, seftonKeys[2]),
    ];
    expect(lodgementsAt(sefton, timeline, 2)).toEqual([]);
    expect(lodgementsAt(sefton, timeline, 5)).toEqual([]);
    expect(lodgementsAt(sefton, timeline, 9)).toEqual([
      {
        key: `tier-entered:${seftonKeys[2]}:report:partnership:escalations-mailbox`,
        moment: 'tier-entered',
        tierKey: seftonKeys[2],
        tierNumber: 3,
        recordKind: 'report',
        recipient: { partnershipRole: 'escalations-mailbox' },
      },
    ]);
  });

  it("lodges the step 4 report on step 4's outcome (the case closing there), not on entering it", () => {
    const timeline = [
      entered(2, 1, seftonKeys[0]),
      entered(9, 3, seftonKeys[2]),
      entered(12, 4, seftonKeys[3]),
    ];
    expect(lodgementsAt(sefton, timeline, 12)).toEqual([]);
    const done = [...timeline, closed(20, 4, 'decided')];
    expect(lodgementsAt(sefton, done, 20).map((d) => [d.moment, d.tierKey, d.recordKind])).toEqual([
      ['tier-outcome', seftonKeys[3], 'report'],
    ]);
  });

  it('lodges nothing for entries that are not a tier entered or a closing', () => {
    const timeline = [entered(2, 1, seftonKeys[0]), { seq: 3, type: 'acknowledged', tier: 1, detail: {} }];
    expect(lodgementsAt(sefton, timeline, 3)).toEqual([]);
    expect(lodgementsAt(sefton, timeline, 99)).toEqual([]);
  });

  it("lodges BSCB's monitoring form with the Business Manager from stage 3 and on its outcome", () => {
    const bscb = getProtocol('bscb');
    const k = bscb.tiers.map((t) => t.key);
    const timeline = [entered(1, 1, k[0]), entered(4, 2, k[1]), entered(7, 3, k[2]), closed(11, 3)];
    const at = (seq: number) =>
      lodgementsAt(bscb, timeline, seq).map((d) => [d.moment, d.tierNumber, d.recordKind, d.recipient]);
    expect(at(4)).toEqual([]);
    expect(at(7)).toEqual([['tier-entered', 3, 'monitoring-form', { partnershipRole: 'business-manager' }]]);
    expect(at(11)).toEqual([['tier-outcome', 3, 'monitoring-form', { partnershipRole: 'business-manager' }]]);
  });

  it("lodges Sutton's Appendix B with the LSCP mailbox when the case starts and when it closes, at any tier", () => {
    const sutton = getProtocol('sutton-lscp');
    const k = sutton.tiers.map((t) => t.key);
    const timeline = [entered(1, 1, k[0]), entered(5, 2, k[1]), closed(8, 2)];
    expect(lodgementsAt(sutton, timeline, 1).map((d) => [d.moment, d.recordKind])).toEqual([
      ['tier-entered', 'referral-form'],
    ]);
    expect(lodgementsAt(sutton, timeline, 5)).toEqual([]);
    expect(lodgementsAt(sutton, timeline, 8).map((d) => [d.moment, d.tierKey, d.recordKind])).toEqual([
      ['case-closed', k[0], 'referral-form'],
    ]);
  });

  it('gives every-stage recipients a record of each stage, an early resolution included', () => {
    const p = seftonVariant((json) => {
      json.informedAtEveryStage = [
        { partnershipRole: 'escalations-mailbox', why: 'the SSCP mailbox' },
        { agencyRole: 'safeguarding-lead', why: "each agency's safeguarding unit" },
      ];
    })();
    const timeline = [entered(2, 1, seftonKeys[0]), closed(6, 1)];
    expect(lodgementsAt(p, timeline, 2).map((d) => [d.key, d.recipient])).toEqual([
      [
        `every-stage:${seftonKeys[0]}:log-entry:partnership:escalations-mailbox`,
        { partnershipRole: 'escalations-mailbox' },
      ],
      [
        `every-stage:${seftonKeys[0]}:log-entry:agency:safeguarding-lead`,
        { agencyRole: 'safeguarding-lead' },
      ],
    ]);
    expect(lodgementsAt(p, timeline, 6).map((d) => [d.key, d.tierNumber])).toEqual([
      ['every-stage:closed:log-entry:partnership:escalations-mailbox', 1],
      ['every-stage:closed:log-entry:agency:safeguarding-lead', 1],
    ]);
  });

  it('gives the same keys for the same timeline, so a moment looked at twice lodges once', () => {
    const timeline = [entered(2, 1, seftonKeys[0]), entered(9, 3, seftonKeys[2])];
    expect(lodgementsAt(sefton, timeline, 9)).toEqual(lodgementsAt(sefton, [...timeline], 9));
  });

  it('is nothing for a version pinned before lodging existed', () => {
    expect(lodgesAnything(getProtocolVersion('sefton-sscp', 3))).toBe(false);
    expect(lodgesAnything(sefton)).toBe(true);
    const timeline = [entered(2, 1, seftonKeys[0]), entered(9, 3, seftonKeys[2])];
    expect(lodgementsAt(getProtocolVersion('sefton-sscp', 3), timeline, 9)).toEqual([]);
  });
});

describe('record lodging settings', () => {
  it('refuses a lodge on words people record, and a recipient naming both or neither role', () => {
    const parse = seftonVariant((json) => {
      json.tiers[0].records[0].lodge = {
        when: ['tier-entered'],
        with: [{ partnershipRole: 'business-manager' }],
      };
      json.tiers[2].records[0].lodge = {
        when: ['tier-entered'],
        with: [{ partnershipRole: 'business-manager', agencyRole: 'head-of-service' }, {}],
      };
    });
    expect(parse).toThrow(ProtocolValidationError);
    expect(parse).toThrow(/tiers\[0\]\.records\[0\]\.lodge: a "acknowledgement" is words people record/);
    expect(parse).toThrow(
      /tiers\[2\]\.records\[0\]\.lodge\.with\[0\]: must name exactly one of partnershipRole or agencyRole/,
    );
    expect(parse).toThrow(/tiers\[2\]\.records\[0\]\.lodge\.with\[1\]: must name exactly one/);
  });

  it('refuses a moment it does not know and an empty list of moments', () => {
    const parse = seftonVariant((json) => {
      json.tiers[2].records[0].lodge = {
        when: ['tier-left'],
        with: [{ partnershipRole: 'business-manager' }],
      };
      json.tiers[3].records[2].lodge = { when: [], with: [{ partnershipRole: 'business-manager' }] };
    });
    expect(parse).toThrow(/tiers\[2\]\.records\[0\]\.lodge\.when\[0\]/);
    expect(parse).toThrow(/tiers\[3\]\.records\[2\]\.lodge\.when/);
  });

  it('refuses the informed-only mailbox as an acting role or as the one who decides', () => {
    const parse = seftonVariant((json) => {
      json.tiers[3].partnershipRoles = ['escalations-mailbox'];
      json.finalDecision.by = 'escalations-mailbox';
    });
    expect(parse).toThrow(
      /tiers\[3\]\.partnershipRoles: "escalations-mailbox" is informed only and cannot act at a tier/,
    );
    expect(parse).toThrow(
      /finalDecision: "escalations-mailbox" is informed only and cannot decide or appoint/,
    );
  });
});
