import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolFolder } from './load';
import { getProtocol, getProtocolVersion, listProtocols } from './registry';

/** A protocol someone outside the team wrote: Sefton's steps under a new id, as data only. */
function pilot(version: number, title = 'Sefton pilot protocol') {
  const base = JSON.parse(JSON.stringify(getProtocol('sefton-sscp'))) as Record<string, unknown>;
  return { ...base, id: 'sefton-sscp-pilot', version, title };
}

describe(ProtocolFolder.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'resolve-protocols-'));
  let clock = 0;
  const write = (file: string, json: unknown) => {
    writeFileSync(join(dir, file), JSON.stringify(json));
    clock += 10;
    utimesSync(join(dir, file), clock, clock); // a distinct modification time per write
  };
  const folder = new ProtocolFolder(dir, 0);

  it('offers a valid file dropped in the folder to new cases, and reports a broken one by field', () => {
    write('sefton-sscp-pilot.json', pilot(1));
    write('broken.json', { ...pilot(1), id: 'broken', tiers: [] });
    const { added, errors } = folder.refresh();
    expect(added).toEqual(['sefton-sscp-pilot v1']);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^broken\.json: tiers: must have at least 1 item/),
    ]);
    expect(getProtocol('sefton-sscp-pilot').title).toBe('Sefton pilot protocol');
    expect(listProtocols().map((p) => p.id)).toContain('sefton-sscp-pilot');
    expect(listProtocols().map((p) => p.id)).not.toContain('broken');
  });

  it('takes a new version for new cases and keeps the old one for the cases pinned to it', () => {
    write('sefton-sscp-pilot.json', pilot(2, 'Sefton pilot protocol, revised'));
    expect(folder.refresh().added).toEqual(['sefton-sscp-pilot v2']);
    expect(getProtocol('sefton-sscp-pilot').version).toBe(2);
    expect(getProtocolVersion('sefton-sscp-pilot', 1).title).toBe('Sefton pilot protocol');
  });

  it('refuses a changed file that keeps its version: a pinned version never changes', () => {
    write('sefton-sscp-pilot.json', pilot(2, 'quietly edited'));
    const { added, errors } = folder.refresh();
    expect(added).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /version 2 is already known with other content; give the changed protocol a new version/,
      ),
    ]);
    expect(getProtocol('sefton-sscp-pilot').title).toBe('Sefton pilot protocol, revised');
  });

  it("keeps the shipped protocols' earlier versions (Sefton v1, before who may act)", () => {
    expect(getProtocol('sefton-sscp').version).toBe(4);
    expect(getProtocolVersion('sefton-sscp', 2).tiers[1].ownLineManager).toBe(false);
    expect(getProtocolVersion('sefton-sscp', 1).finalDecision.appointedBy).toBeUndefined();
    expect(() => getProtocolVersion('sefton-sscp', 9)).toThrow(/Unknown protocol "sefton-sscp v9"/);
  });
});
