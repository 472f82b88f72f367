import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  DEFINITIONS_DIR,
  loadProtocolFile,
  ProtocolFileError,
  protocolFilesIn,
  ProtocolValidationError,
} from './load';
import { protocolRegistry } from './registry';

describe('loadProtocolFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'protocols-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every shipped file from disk, equal to the bundled registry', () => {
    const files = protocolFilesIn(DEFINITIONS_DIR);
    expect(files.map((f) => basename(f, '.json')).sort()).toEqual(Object.keys(protocolRegistry()).sort());
    for (const file of files) {
      const p = loadProtocolFile(file);
      expect(p).toEqual(protocolRegistry()[p.id]);
    }
  });

  it('names the file and the bad field', () => {
    const json = JSON.parse(JSON.stringify(protocolRegistry()['sefton-sscp']));
    json.tiers[1].timescale.amount = 0;
    const file = join(dir, 'sefton-sscp.json');
    writeFileSync(file, JSON.stringify(json));
    expect(() => loadProtocolFile(file)).toThrow(
      new ProtocolValidationError('sefton-sscp.json', [
        { path: 'tiers[1].timescale.amount', message: 'must be a positive integer' },
      ]),
    );
    expect(() => loadProtocolFile(file)).toThrow(
      'sefton-sscp.json: tiers[1].timescale.amount: must be a positive integer',
    );
  });

  it('reports a file that is not JSON', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "id": ');
    expect(() => loadProtocolFile(file)).toThrow(/^broken\.json: \(root\): not valid JSON/);
  });

  it('reports a missing file', () => {
    expect(() => loadProtocolFile(join(dir, 'absent.json'))).toThrow(ProtocolFileError);
    expect(() => loadProtocolFile(join(dir, 'absent.json'))).toThrow(
      'absent.json: cannot read: no such file',
    );
  });
});
