import { getProtocol } from '@resolve/protocols';
import { DEMO_PROTOCOL_ID, raiseRefusal, type RaiseRequest } from './raise-rules';

const sefton = getProtocol('sefton-sscp');
const csc = { id: 'sefton-sscp-csc', partnershipId: 'sefton-sscp' };
const police = { id: 'sefton-sscp-police', partnershipId: 'sefton-sscp' };
const bscbPolice = { id: 'bscb-police', partnershipId: 'bscb' };

const request = (change: Partial<RaiseRequest> = {}): RaiseRequest => ({
  protocol: sefton,
  raisingAgency: csc,
  receivingAgency: police,
  category: sefton.categories[0].id,
  ...change,
});

describe('raise rules', () => {
  it('allows a raise between two agencies of the protocol’s partnership, in one of its categories', () => {
    expect(raiseRefusal(request())).toBeNull();
  });

  it('refuses an agency the directory does not have, the raising one first', () => {
    expect(raiseRefusal(request({ raisingAgency: null, receivingAgency: null }))).toBe(
      'raising-agency-unknown',
    );
    expect(raiseRefusal(request({ receivingAgency: null }))).toBe('receiving-agency-unknown');
  });

  it('refuses a disagreement inside one agency (its own internal protocol applies)', () => {
    expect(raiseRefusal(request({ receivingAgency: csc }))).toBe('same-agency');
  });

  it('refuses agencies of two partnerships', () => {
    expect(raiseRefusal(request({ receivingAgency: bscbPolice }))).toBe('different-partnerships');
  });

  it('refuses another partnership’s protocol, except the demonstration protocol', () => {
    expect(raiseRefusal(request({ protocol: getProtocol('bscb') }))).toBe('protocol-of-another-partnership');
    const demo = getProtocol(DEMO_PROTOCOL_ID);
    expect(demo.partnership.id).not.toBe(csc.partnershipId);
    expect(
      raiseRefusal(request({ protocol: demo, category: demo.categories[0].id, demoProtocolEnabled: true })),
    ).toBeNull();
  });

  it('refuses a category the protocol does not have', () => {
    expect(raiseRefusal(request({ category: 'nope' }))).toBe('unknown-category');
  });

  it('checks the parties before the protocol and the protocol before the category', () => {
    expect(
      raiseRefusal(request({ receivingAgency: bscbPolice, protocol: getProtocol('bscb'), category: 'nope' })),
    ).toBe('different-partnerships');
    expect(raiseRefusal(request({ protocol: getProtocol('bscb'), category: 'nope' }))).toBe(
      'protocol-of-another-partnership',
    );
  });
});

describe('the demonstration protocol', () => {
  const demo = {
    id: 'demo',
    partnership: { id: 'demo', name: 'Demo' },
    categories: [{ id: 'c', label: 'C' }],
  };
  const agency = (id: string) => ({ id, partnershipId: 'sefton-sscp' });

  it('is refused in a partnership that has not enabled it, and allowed where it has', () => {
    const request = {
      protocol: demo,
      raisingAgency: agency('a'),
      receivingAgency: agency('b'),
      category: 'c',
    };
    expect(raiseRefusal(request)).toBe('demo-not-enabled');
    expect(raiseRefusal({ ...request, demoProtocolEnabled: false })).toBe('demo-not-enabled');
    expect(raiseRefusal({ ...request, demoProtocolEnabled: true })).toBeNull();
  });
});
