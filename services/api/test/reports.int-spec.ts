import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { escalateTo, person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The annual report of disputes and panel findings, through the real stack: the test raises and
 * drives its own cases (this stack's database holds nothing else), then checks that every count
 * in the report is what it made, who may read it, and that the HTML is a self-contained print.
 */
jest.setTimeout(300_000);

describe('Partnership reports: disputes and panel findings', () => {
  let stack: Stack;
  const P = 'bscb';
  const board = person(P, null, 'business-manager');
  const chair = person(P, null, 'independent-chair');
  const csc = person(P, 'csc', 'practitioner');
  // BSCB stage 1 is acted by the agencies' supervisors / team managers.
  const cscSupervisor = person(P, 'csc', 'line-manager');
  const policeSupervisor = person(P, 'police', 'line-manager');
  const health = person(P, 'health', 'practitioner');
  const school = person(P, 'school', 'practitioner');
  const ids: Record<string, string> = {};
  let start: string;

  beforeAll(async () => {
    stack = await startStack();
    start = new Date(Date.now() - 60_000).toISOString();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(reference: string, by: string, extra: Record<string, unknown> = {}, protocolId = P) {
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(by))
      .send(raiseBody(protocolId, reference, extra))
      .expect(201);
    ids[reference] = res.body.id;
    return res.body.id as string;
  }

  async function post(by: string, id: string, action: string, body: object = {}) {
    return stack
      .http()
      .post(`/escalations/${id}/${action}`)
      .set('Authorization', await stack.as(by))
      .send(body)
      .expect(200);
  }

  async function report(by: string, query: string, status = 200) {
    return stack
      .http()
      .get(`/partnerships/${P}/reports/disputes${query}`)
      .set('Authorization', await stack.as(by))
      .expect(status);
  }

  async function settled(
    id: string,
    done: (v: { status: string; history: { type: string; tier: number }[] }) => boolean,
  ) {
    for (let i = 0; i < 100; i++) {
      const v = (
        await stack
          .http()
          .get(`/escalations/${id}`)
          .set('Authorization', await stack.as(board))
          .expect(200)
      ).body;
      if (done(v)) return;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`escalation ${id} did not settle`);
  }
  const closed = (v: { history: { type: string }[] }) => v.history.some((e) => e.type === 'closed');

  it('counts what was raised, escalated, decided, referred and left open', async () => {
    // A: csc -> police, thresholds, resolved at stage 1 by both agencies' supervisors (who act
    // at BSCB stage 1), learning referred.
    const a = await raise('BSCB-RPT-0001', csc);
    await post(cscSupervisor, a, 'resolve', { reason: 'Agreed.' });
    await post(policeSupervisor, a, 'resolve', { reason: 'Agreed.', referLearning: true });
    // B: csc -> police, communication, to stage 4 (each stage escalated by the csc role acting
    // there), mediation, decided by the chair.
    const b = await raise('BSCB-RPT-0002', csc, { category: 'communication' });
    await escalateTo(stack, P, b, 4);
    await post(chair, b, 'meeting', {
      kind: 'mediation',
      at: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    await post(chair, b, 'decision', {
      decision: 'Mediation: the police attend the strategy discussion. <b>binding</b>',
      outcome: 'mediation',
    });
    // C: health -> school, thresholds, stage 3, open.
    const c = await raise('BSCB-RPT-0003', health, {
      raisingAgencyId: `${P}-health`,
      receivingAgencyId: `${P}-school`,
      receivingPersonId: school,
    });
    await post(person(P, 'health', 'line-manager'), c, 'escalate', { reason: 'no response' });
    await post(person(P, 'health', 'service-manager'), c, 'escalate', { reason: 'still no agreement' });
    // D: csc -> police, immediate risk (starts at stage 2), open.
    const d = await raise('BSCB-RPT-0004', csc, { immediateRisk: true, category: 'need-for-action' });
    // E: csc -> police, withdrawn.
    const e = await raise('BSCB-RPT-0005', csc);
    await post(csc, e, 'withdraw', { reason: 'Resolved informally.' });
    // Another partnership's case never counts here.
    await raise('SEF-RPT-0001', person('sefton-sscp', 'csc', 'practitioner'), {}, 'sefton-sscp');
    await Promise.all([
      settled(a, closed),
      settled(b, closed),
      settled(e, closed),
      settled(c, (v) => v.history.some((x) => x.type === 'tier-entered' && x.tier === 3)),
      settled(d, (v) => v.history.some((x) => x.type === 'deadline-set')),
    ]);

    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await report(board, `?from=${start}&to=${to}`);
    expect(res.headers['cache-control']).toBe('no-store');
    const r = res.body;
    expect(r.partnership).toEqual({ id: P, name: 'BSCB (South West Child Protection Procedures area)' });
    expect(r.period).toEqual({ from: start, to });
    expect(r.totals).toEqual({
      raised: 5,
      raisedWithImmediateRisk: 1,
      closed: 3,
      closedByStatus: {
        resolved: 1,
        decided: 1,
        withdrawn: 1,
        'referred-for-learning': 0,
        'closed-with-outcome': 0,
      },
      openAtPeriodEnd: 2,
    });
    expect(r.byCategory).toEqual([
      { category: 'thresholds', label: 'Thresholds', count: 3 },
      { category: 'communication', label: 'Communication and information sharing', count: 1 },
      { category: 'need-for-action', label: 'The need for action', count: 1 },
    ]);
    expect(r.byHighestTier.map((t: { tier: number; count: number }) => [t.tier, t.count])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect(
      r.byAgencyPair.map(
        (x: { raisingAgency: { id: string }; receivingAgency: { id: string }; count: number }) => [
          x.raisingAgency.id,
          x.receivingAgency.id,
          x.count,
        ],
      ),
    ).toEqual([
      [`${P}-csc`, `${P}-police`, 4],
      [`${P}-health`, `${P}-school`, 1],
    ]);
    expect(r.timeToResolution.count).toBe(2);
    expect(r.timeToResolution.medianDays).toBeGreaterThanOrEqual(0);
    expect(r.timeToResolution.p90Days).toBeGreaterThanOrEqual(r.timeToResolution.medianDays);
    expect(r.timeToResolution.medianWorkingDays).toBeLessThanOrEqual(1);
    expect(r.timeToResolution.byProtocol).toEqual([expect.objectContaining({ protocolId: P, count: 2 })]);
    expect(r.breaches).toEqual({ total: 0, casesAffected: 0, byTier: [] });
    expect(r.learningReferrals).toMatchObject({ total: 1, references: ['BSCB-RPT-0001'] });
    expect(r.finalDecisions.total).toBe(1);
    expect(r.finalDecisions.byRoute).toEqual([{ route: 'mediation', label: 'Mediation', count: 1 }]);
    expect(r.finalDecisions.decisions).toEqual([
      expect.objectContaining({
        reference: 'BSCB-RPT-0002',
        route: 'mediation',
        outcome: 'mediation',
        chair: 'BSCB (South West Child Protection Procedures area) independent chair',
        finding: 'Mediation: the police attend the strategy discussion. <b>binding</b>',
      }),
    ]);
    expect(r.openAtPeriodEnd.count).toBe(2);
    expect(
      r.openAtPeriodEnd.cases.map((x: { reference: string; tier: number }) => [x.reference, x.tier]),
    ).toEqual([
      ['BSCB-RPT-0003', 3],
      ['BSCB-RPT-0004', 2],
    ]);
    expect(JSON.stringify(r)).not.toMatch(/SEF-RPT|Disagreement about whether/);

    // The same report for the board, at a glance.
    const html = await report(chair, `?from=${start}&to=${to}&format=html`);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const doc = html.text;
    expect(doc).toContain(
      'Annual report of disputes and panel findings: BSCB (South West Child Protection Procedures area)',
    );
    expect(doc.match(/<svg class="chart"/g)!.length).toBeGreaterThanOrEqual(5);
    expect(doc).not.toMatch(/<script|src=|href=|url\(/i);
    expect(doc).toContain('Mediation: the police attend the strategy discussion. &lt;b&gt;binding&lt;/b&gt;');
    for (const id of [
      'summary',
      'by-category',
      'by-tier',
      'by-agency-pair',
      'time-to-resolution',
      'breaches',
      'final-decisions',
      'learning',
      'open',
      'definitions',
    ]) {
      expect(doc).toContain(`<section id="${id}"`);
    }
    expect(doc).toMatch(/<title>Thresholds: 3<\/title>/);
    expect(doc).toContain('>Health Trust → Secondary School</text>'); // chart labels drop the partnership name
    mkdirSync(path.resolve(__dirname, '../../../test-artifacts'), { recursive: true });
    writeFileSync(path.resolve(__dirname, '../../../test-artifacts/disputes-report.html'), doc);
  });

  it('reads a period: an empty one before the cases, the default of the last 365 days, dates in Europe/London', async () => {
    const before = (await report(board, `?from=2020-01-01&to=2020-12-31`)).body;
    expect(before.totals).toEqual({
      raised: 0,
      raisedWithImmediateRisk: 0,
      closed: 0,
      closedByStatus: {
        resolved: 0,
        decided: 0,
        withdrawn: 0,
        'referred-for-learning': 0,
        'closed-with-outcome': 0,
      },
      openAtPeriodEnd: 0,
    });
    expect(before.period).toEqual({ from: '2020-01-01T00:00:00.000Z', to: '2021-01-01T00:00:00.000Z' });
    const html = (await report(board, `?from=2020-01-01&to=2020-12-31&format=html`)).text;
    expect(html).toContain('nothing to show for the period');

    const byDefault = (await report(person(P, null, 'quality-assurance-manager'), '')).body;
    expect(byDefault.totals.raised).toBe(5);
    expect(Date.parse(byDefault.period.to) - Date.parse(byDefault.period.from)).toBe(365 * 86_400_000);

    // Cases raised before a period still open at its end count as open, not as raised.
    const later = (
      await report(
        board,
        `?from=${new Date(Date.now() + 1000).toISOString()}&to=${new Date(Date.now() + 86_400_000).toISOString()}`,
      )
    ).body;
    expect(later.totals).toMatchObject({ raised: 0, closed: 0, openAtPeriodEnd: 2 });
    expect(later.byCategory).toEqual([]);
  });

  it('is for the partnership’s board roles; bad parameters are named', async () => {
    const forbidden = await report(person(P, 'csc', 'head-of-service'), '', 403);
    expect(forbidden.body.message).toMatch(
      /business manager, independent chair and quality assurance manager/,
    );
    await report(person(P, null, 'sub-group-chair'), '?format=html', 403);
    await report(person(P, null, 'partnership-administrator'), '', 403);
    const other = await report(person('sefton-sscp', null, 'business-manager'), '', 404);
    expect(other.body.message).toBe(`partnership ${P} not found`);
    await stack
      .http()
      .get('/partnerships/nowhere/reports/disputes')
      .set('Authorization', await stack.as(board))
      .expect(404);
    await stack.http().get(`/partnerships/${P}/reports/disputes`).expect(401);

    expect((await report(board, '?from=last-year', 400)).body.message).toMatch(/^from: /);
    expect((await report(board, '?to=2026-02-30', 400)).body.message).toMatch(/^to: /);
    expect((await report(board, '?from=2026-06-01&to=2026-05-01', 400)).body.message).toMatch(
      /^from: must be before to/,
    );
    expect((await report(board, '?format=docx', 400)).body.message).toMatch(/^format: json, html or pdf/);
    expect((await report(board, '?since=2026-01-01', 400)).body.message).toMatch(
      /unknown query parameter\(s\): since/,
    );
  });
});
