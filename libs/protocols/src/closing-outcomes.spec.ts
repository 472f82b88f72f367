import { getProtocol, getProtocolVersion, parseProtocol, ProtocolValidationError } from './registry';

/** Sutton 7.3 as shipped, changed by `change`, validated like a file. */
function variant(change: (json: any) => void) {
  const json = JSON.parse(JSON.stringify(getProtocol('sutton-cp-conference')));
  json.id = 'sutton-variant';
  change(json);
  return () => parseProtocol(json, 'sutton-variant.json');
}

describe('closingOutcomes', () => {
  it("names Sutton 7.3's outcomes in version 2, and keeps version 1 without them", () => {
    const current = getProtocol('sutton-cp-conference');
    expect(current.version).toBe(2);
    expect(current.closingOutcomes.map((o) => [o.key, o.atTiers, o.recordedBy.raising])).toEqual([
      ['lead-does-not-concur', [1], ['safeguarding-lead']],
      ['not-challenged-further', [2], ['practitioner', 'safeguarding-lead']],
    ]);
    expect(current.closingOutcomes[0].clause).toMatch(/^004 7\.3/);
    expect(getProtocolVersion('sutton-cp-conference', 1).closingOutcomes).toEqual([]);
  });

  it('is empty in a protocol that names none', () => {
    expect(getProtocol('sefton-sscp').closingOutcomes).toEqual([]);
  });

  it('refuses a tier the protocol does not have, a repeated key and an outcome nobody records', () => {
    const parse = variant((json) => {
      json.closingOutcomes = [
        { key: 'a', title: 'A', recordedBy: { raising: ['practitioner'] }, atTiers: [9], clause: 'x' },
        { key: 'a', title: 'A again', recordedBy: {}, atTiers: [1], clause: 'x' },
      ];
    });
    expect(parse).toThrow(ProtocolValidationError);
    expect(parse).toThrow(
      /closingOutcomes\[0\]\.atTiers\[0\]: must be a tier number of this protocol; there is no tier 9/,
    );
    expect(parse).toThrow(/closingOutcomes\[1\]\.key: duplicate outcome "a"/);
    expect(parse).toThrow(/closingOutcomes\[1\]\.recordedBy: must name at least one role that records it/);
  });

  it('refuses a role the schema does not know', () => {
    const parse = variant((json) => {
      json.closingOutcomes[0].recordedBy.raising = ['headteacher'];
    });
    expect(parse).toThrow(/closingOutcomes\[0\]\.recordedBy\.raising\[0\]/);
  });
});
