import {
  getProtocol,
  listProtocols,
  parseProtocol,
  protocolRegistry,
  ProtocolValidationError,
  SHIPPED_DEFINITIONS,
  UnknownProtocolError,
} from './registry';

const IDS = [
  'bscb',
  'demo',
  'lincolnshire-joint-adults',
  'lincolnshire-joint-children',
  'lincolnshire-joint-s117',
  'lincolnshire-lscp',
  'sefton-sscp',
  'sutton-cp-conference',
  'sutton-lscp',
  'sutton-strategic',
];

/** A fresh, mutable copy of a shipped file's JSON. */
function shipped(id: string): any {
  return JSON.parse(JSON.stringify(SHIPPED_DEFINITIONS[`${id}.json`]));
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolValidationError);
    return (e as Error).message;
  }
  throw new Error('expected a ProtocolValidationError');
}

describe('protocolRegistry', () => {
  it('ships one valid definition per protocol id, each in a file named after its id', () => {
    expect(Object.keys(protocolRegistry()).sort()).toEqual(IDS);
    for (const [file, json] of Object.entries(SHIPPED_DEFINITIONS)) {
      const p = parseProtocol(json, file);
      expect(`${p.id}.json`).toBe(file);
    }
  });

  it('freezes the definitions so a pinned copy cannot be changed in place', () => {
    const p = getProtocol('sefton-sscp');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.tiers[1].timescale)).toBe(true);
  });
});

describe('getProtocol', () => {
  it('returns a shipped protocol by id', () => {
    expect(getProtocol('bscb').title).toMatch(/BSCB/);
  });

  it('throws UnknownProtocolError naming the id and listing the known ids', () => {
    expect(() => getProtocol('nowhere')).toThrow(UnknownProtocolError);
    expect(() => getProtocol('nowhere')).toThrow(
      `Unknown protocol "nowhere". Known protocols: ${IDS.join(', ')}`,
    );
  });
});

describe('listProtocols', () => {
  it('lists every shipped protocol sorted by id', () => {
    expect(listProtocols().map((p) => p.id)).toEqual(IDS);
  });
});

describe('parseProtocol', () => {
  it('fills schema defaults', () => {
    const json = shipped('sefton-sscp');
    delete json.notes;
    expect(parseProtocol(json, 'x.json').notes).toEqual([]);
  });

  it('names the file and the field of a bad amount', () => {
    const json = shipped('sefton-sscp');
    json.tiers[1].timescale.amount = 0;
    expect(messageOf(() => parseProtocol(json, 'sefton-sscp.json'))).toBe(
      'sefton-sscp.json: tiers[1].timescale.amount: must be a positive integer',
    );
  });

  it('reports a missing required field', () => {
    const json = shipped('bscb');
    delete json.tiers[2].clause;
    expect(messageOf(() => parseProtocol(json, 'bscb.json'))).toBe(
      'bscb.json: tiers[2].clause: is required (a string)',
    );
  });

  it('reports a field of the wrong type', () => {
    const json = shipped('bscb');
    json.resolutionNeedsBothSides = 'yes';
    json.tiers[0].timescale.amount = '1';
    const message = messageOf(() => parseProtocol(json, 'bscb.json'));
    expect(message).toContain('bscb.json: resolutionNeedsBothSides: must be a boolean');
    expect(message).toContain('bscb.json: tiers[0].timescale.amount: must be a number');
  });

  it('reports a value outside an enumeration with the allowed values', () => {
    const json = shipped('bscb');
    json.tiers[0].timescale.kind = 'weeks';
    expect(messageOf(() => parseProtocol(json, 'bscb.json'))).toContain(
      'bscb.json: tiers[0].timescale.kind: must be one of "working-days", "working-hours", "immediately", "none", "minutes"',
    );
  });

  it('reports tiers numbered out of order', () => {
    const json = shipped('bscb');
    json.tiers[3].number = 5;
    expect(messageOf(() => parseProtocol(json, 'bscb.json'))).toBe(
      'bscb.json: tiers[3].number: tier numbers must run 1, 2, 3... in order; expected 4, got 5',
    );
  });

  it('reports a tier naming a route that finalRoutes does not have', () => {
    const json = shipped('lincolnshire-lscp');
    json.tiers[4].route = 'tribunal';
    expect(messageOf(() => parseProtocol(json, 'lincolnshire-lscp.json'))).toBe(
      'lincolnshire-lscp.json: tiers[4].route: names route "tribunal", which is not in finalRoutes',
    );
  });

  it('reports an unknown (for example misspelt) field rather than dropping it', () => {
    const json = shipped('sefton-sscp');
    json.tiers[2].infrom = json.tiers[2].inform;
    delete json.tiers[2].inform;
    expect(messageOf(() => parseProtocol(json, 'sefton-sscp.json'))).toMatch(
      /^sefton-sscp\.json: tiers\[2\]\.infrom: unknown field \(expected one of: key, number, /,
    );
  });

  it('reports unknown fields inside a timescale', () => {
    const json = shipped('demo');
    json.tiers[0].timescale.seconds = 5;
    expect(messageOf(() => parseProtocol(json, 'demo.json'))).toMatch(
      /^demo\.json: tiers\[0\]\.timescale\.seconds: unknown field/,
    );
  });

  it('reports every problem, one line each', () => {
    const json = shipped('sefton-sscp');
    json.version = 0;
    json.nation = 'wales';
    const lines = messageOf(() => parseProtocol(json, 'sefton-sscp.json')).split('\n');
    expect(lines).toEqual([
      'sefton-sscp.json: version: must be a positive integer',
      'sefton-sscp.json: nation: must be one of "england-and-wales", "scotland", "northern-ireland"',
    ]);
  });

  it('keeps the issues as data on the error', () => {
    const json = shipped('sefton-sscp');
    json.tiers[1].timescale.amount = -2;
    try {
      parseProtocol(json, 'sefton-sscp.json');
      throw new Error('expected failure');
    } catch (e) {
      expect((e as ProtocolValidationError).code).toBe('protocol-invalid');
      expect((e as ProtocolValidationError).source).toBe('sefton-sscp.json');
      expect((e as ProtocolValidationError).issues).toEqual([
        { path: 'tiers[1].timescale.amount', message: 'must be a positive integer' },
      ]);
    }
  });

  it('rejects something that is not an object at all', () => {
    expect(messageOf(() => parseProtocol([], 'list.json'))).toBe('list.json: (root): must be an object');
  });
});
