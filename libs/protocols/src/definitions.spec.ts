/**
 * Clause-by-clause checks of the shipped definitions against the source documents
 * (/work/shared/seeds). Timescales are checked in timeline.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { getProtocol, listProtocols } from './registry';
import type { Protocol, Tier } from './schema';

const tier = (p: Protocol, key: string): Tier => {
  const t = p.tiers.find((x) => x.key === key);
  if (!t) throw new Error(`${p.id} has no tier ${key}`);
  return t;
};
const recordKinds = (t: Tier) => t.records.map((r) => r.kind);
const LINCOLNSHIRE = [
  'lincolnshire-lscp',
  'lincolnshire-joint-children',
  'lincolnshire-joint-adults',
  'lincolnshire-joint-s117',
];

describe('shipped definitions', () => {
  it.each(listProtocols().map((p) => [p.id, p]))(
    '%s: timed tiers escalate on breach, the last step only alerts',
    (_id, p) => {
      const last = Math.max(...p.tiers.map((t) => t.number));
      for (const t of p.tiers) {
        const timed = t.timescale.kind !== 'none';
        expect([t.key, t.onBreach]).toEqual([
          t.key,
          timed && t.number < last ? 'advance-and-alert' : 'alert-only',
        ]);
        expect(t.clause).not.toBe('');
      }
      expect(p.tiers.filter((t) => t.number === last).some((t) => t.final)).toBe(true);
    },
  );

  it("Lincolnshire ids share 001's twelve example categories", () => {
    const categories = getProtocol('lincolnshire-joint-children').categories;
    expect(categories).toHaveLength(12);
    for (const id of LINCOLNSHIRE) expect(getProtocol(id).categories).toEqual(categories);
  });

  it('Lincolnshire: email not recommended in 000, an allowed channel in 001', () => {
    expect(getProtocol('lincolnshire-lscp').channels.email).toBe('discouraged');
    for (const id of LINCOLNSHIRE.slice(1)) expect(getProtocol(id).channels.email).toBe('allowed');
  });

  it('Lincolnshire step 4 branches: urgent independently chaired meeting, non-urgent learning referral', () => {
    for (const id of LINCOLNSHIRE) {
      const p = getProtocol(id);
      expect(p.finalRoutes.map((r) => [r.when, r.kind])).toEqual([
        ['urgent', 'chaired-meeting'],
        ['non-urgent', 'learning-referral'],
      ]);
      expect(tier(p, 'independent-chaired-meeting').expects).toBe('meeting-date');
      expect(tier(p, 'independent-chaired-meeting').timescale).toMatchObject({
        kind: 'working-days',
        amount: 1,
      });
      expect(tier(p, 'learning-referral').timescale.kind).toBe('none');
    }
    expect(getProtocol('lincolnshire-lscp').learning.subGroup).toMatch(/PPET/);
  });

  it('Lincolnshire adults read LSAB for LSCP and refer learning to the LSAB Significant Incident Review Group', () => {
    const p = getProtocol('lincolnshire-joint-adults');
    expect(p.audience).toBe('adults');
    expect(p.learning.subGroup).toBe('LSAB Significant Incident Review Group');
    expect(JSON.stringify(p.tiers)).not.toMatch(/LSCP/);
  });

  it('Lincolnshire s117 aftercare runs steps 1-4 as line manager intervention or multi-disciplinary meetings', () => {
    const p = getProtocol('lincolnshire-joint-s117');
    for (const t of p.tiers)
      expect(t.conductedAs).toEqual(['line-manager-intervention', 'multi-disciplinary-meeting']);
    expect(p.tiers[0].roles.raising[0]).toBe('line-manager');
    expect(getProtocol('lincolnshire-joint-children').tiers[0].conductedAs).toBeUndefined();
  });

  it('Sefton: Appendix 1 log at step 2, Appendix 2 report at steps 3 and 4, final and binding decision within a further 5', () => {
    const p = getProtocol('sefton-sscp');
    expect(p.tiers[1].records.find((r) => r.kind === 'log-entry')?.ref).toBe('Appendix 1');
    expect(p.tiers[2].records.find((r) => r.kind === 'report')?.ref).toBe('Appendix 2');
    expect(p.tiers[3].records.find((r) => r.kind === 'report')?.ref).toBe('Appendix 2');
    expect(recordKinds(p.tiers[0])).not.toContain('log-entry');
    expect(p.tiers.map((t) => t.timescale)).toMatchObject([
      { amount: 2, from: 'tier-start' },
      { amount: 2, from: 'previous-deadline' },
      { amount: 2, from: 'previous-deadline' },
      { amount: 5, from: 'previous-deadline' },
    ]);
    expect(p.finalDecision).toMatchObject({ by: 'independent-chair', communicateWithinWorkingDays: 5 });
    expect(p.channels.email).toBe('discouraged');
  });

  it('BSCB: pre-stage, Business Manager informed and monitoring form from stage 3, Chair chooses mediation or a panel of 3', () => {
    const p = getProtocol('bscb');
    expect(p.preStage?.clause).toMatch(/Before making an escalation/);
    expect(p.tiers.map((t) => t.roles.raising[0])).toEqual([
      'line-manager',
      'service-manager',
      'board-member',
      'board-member',
    ]);
    expect(p.tiers.map((t) => recordKinds(t).includes('monitoring-form'))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(tier(p, 'board-member').inform.map((i) => i.partnershipRole)).toEqual(['business-manager']);
    expect(p.tiers[0].inform).toEqual([]);
    const chair = tier(p, 'chair-of-bscb');
    expect(chair).toMatchObject({
      expects: 'acknowledgement',
      final: true,
      outcomes: ['mediation', 'resolution-panel'],
    });
    expect(p.finalRoutes.find((r) => r.key === 'resolution-panel')).toMatchObject({
      when: 'any',
      panelSize: 3,
    });
    expect(p.extensions).toMatchObject({ allowed: true, proposedBy: 'receiving', agreedBy: 'raising' });
    expect(p.fastTrack.startAtTier).toBe(2);
  });

  it('Sutton: Appendix B referral form, Independent Chair final, chosen timescales recorded in notes', () => {
    const lscp = getProtocol('sutton-lscp');
    expect(lscp.tiers[0].records.find((r) => r.kind === 'referral-form')?.ref).toBe('Appendix B');
    expect(lscp.tiers[3]).toMatchObject({ final: true, partnershipRoles: ['independent-chair'] });
    for (const id of ['sutton-lscp', 'sutton-cp-conference', 'sutton-strategic']) {
      expect(getProtocol(id).notes.join(' ')).toMatch(/Timescales chosen by us/);
    }
    const cp = getProtocol('sutton-cp-conference');
    expect(tier(cp, 'safeguarding-manager').outcomes).toEqual([
      'uphold-conference-decision',
      'bring-review-conference-forward',
    ]);
    expect(cp.tiers.map((t) => t.key)).toEqual([
      'designated-safeguarding-lead',
      'safeguarding-manager',
      'lscp-representative',
      'independent-lscp-chair',
    ]);
    const strategic = getProtocol('sutton-strategic');
    expect(strategic.tiers.map((t) => t.partnershipRoles[0])).toEqual([
      'sub-group-chair',
      'independent-chair',
      'independent-chair',
    ]);
    expect(strategic.tiers[2].roles.receiving).toEqual(['chief-executive']);
    expect(strategic.categories.map((c) => c.id)).toContain('strategic-partnership-issue');
  });

  it('demo: four tiers of 2 clock minutes, a fast track and a final route', () => {
    const p = getProtocol('demo');
    expect(p.tiers.map((t) => t.timescale)).toEqual(
      Array(4).fill({ kind: 'minutes', amount: 2, from: 'tier-start', asWritten: '2 minutes' }),
    );
    expect(p.fastTrack).toMatchObject({ startAtTier: 3, minutesPerTier: 1 });
    expect(p.finalRoutes).toHaveLength(1);
  });

  it('docs/protocols.md has a section for every protocol id', () => {
    const docs = readFileSync(resolve(__dirname, '../../../docs/protocols.md'), 'utf8');
    for (const p of listProtocols()) expect(docs).toContain(`## \`${p.id}\``);
  });
});
