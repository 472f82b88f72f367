import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../src/records/render/csv';
import { AGENCY_LOG_COLUMNS } from '../src/records/render/summary-log';
import { appointChairIfNeeded, person, raiseBody, startStack, type Stack } from './support/harness';

/**
 * The records the protocols ask for, through the real stack: cases raised and driven through
 * tiers by people, then each record fetched as JSON and as print-ready HTML by the people who may
 * see it, and refused to those who may not.
 */
jest.setTimeout(300_000);

const SCRIPT = 'Police declined a joint visit <script>alert("x")</script> & "urgent".';

/** The inner HTML of one `<section id=...>` of a rendered document. */
function section(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}"[^>]*>([\\s\\S]*?)</section>`).exec(html);
  if (!m) throw new Error(`no section #${id}`);
  return m[1];
}

describe('Records (referral form, summary log, report to partnership, monitoring form, decision)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function raise(
    protocolId: string,
    reference: string,
    extra: Record<string, unknown> = {},
    raiser?: string,
  ) {
    const p = protocolId.startsWith('sutton') ? 'sutton-lscp' : protocolId;
    const res = await stack
      .http()
      .post('/escalations')
      .set('Authorization', await stack.as(raiser ?? person(p, 'csc', 'practitioner')))
      .send(raiseBody(protocolId, reference, extra))
      .expect(201);
    return res.body.id as string;
  }

  async function post(personId: string, id: string, action: string, body: object = {}, status = 200) {
    return stack
      .http()
      .post(`/escalations/${id}/${action}`)
      .set('Authorization', await stack.as(personId))
      .send(body)
      .expect(status);
  }

  /**
   * A note is a signal, not an update: wait until it is on the timeline before the next action.
   * (Workaround: an update that arrives while a signal's projection is being written is not
   * projected; reported to the lead with the fix in workflows/src/escalation.workflow.ts.)
   */
  async function note(personId: string, id: string, text: string) {
    const before = (await get(personId, `/escalations/${id}`)).body.history.filter(
      (e: { type: string }) => e.type === 'note-added',
    ).length;
    await post(personId, id, 'notes', { text });
    await settle(personId, id, (v) => v.history.filter((e) => e.type === 'note-added').length > before);
  }

  async function get(personId: string, url: string, status = 200) {
    return stack
      .http()
      .get(url)
      .set('Authorization', await stack.as(personId))
      .expect(status);
  }

  /** Waits until the workflow's projection shows what the test needs (the timeline is written asynchronously). */
  async function settle(
    personId: string,
    id: string,
    done: (view: { status: string; history: { type: string; tier: number }[] }) => boolean,
  ) {
    let v: { status: string; history: { type: string; tier: number }[] } = { status: '', history: [] };
    for (let i = 0; i < 100; i++) {
      v = (await get(personId, `/escalations/${id}`)).body;
      if (done(v)) return v;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(
      `escalation ${id} did not settle: ${v.status}, ${v.history.map((e) => `${e.tier}:${e.type}`).join(' ')}`,
    );
  }

  const entered = (tier: number) => (v: { history: { type: string; tier: number }[] }) =>
    v.history.some((e) => e.type === 'tier-entered' && e.tier === tier);
  const closed = (v: { history: { type: string }[] }) => v.history.some((e) => e.type === 'closed');
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

  it('Sutton Appendix B referral form: every field, printed and escaped, for the case’s people only', async () => {
    const P = 'sutton-lscp';
    const raiser = person(P, 'csc', 'practitioner');
    const receiver = person(P, 'police', 'practitioner');
    const sa = person(P, 'csc', 'safeguarding-lead');
    const id = await raise(P, 'SUT-REC-0001', {
      natureOfConcern: SCRIPT,
      outcomesSought: 'A joint visit within 2 working days.',
      subject: {
        kind: 'children',
        people: [
          { name: 'Alexandra Testchild', dateOfBirth: '2016-02-29' },
          { name: 'Sam Testchild', dateOfBirth: '2019-07-01' },
        ],
        caseIdentifier: 'MOSAIC-778899',
      },
    });
    await note(sa, id, 'SA agreed: the team manager calls the police sergeant today.');
    // The advisor's plan is the raising side's proposal; the police line manager (who acts for
    // the police at Sutton's first step) agrees it, and only then is it the case's plan.
    await post(sa, id, 'plan', {
      reason: 'Agreed by the safeguarding advisor.',
      items: [
        {
          what: 'Police to arrange a joint visit',
          ownerAgencyId: `${P}-police`,
          ownerPersonId: person(P, 'police', 'line-manager'),
          dueAt: inDays(3),
        },
      ],
    });
    await settle(raiser, id, (v) => v.history.some((e) => e.type === 'plan-proposed'));
    await post(person(P, 'police', 'line-manager'), id, 'plan/accept');
    await settle(raiser, id, (v) => v.history.some((e) => e.type === 'plan-agreed'));

    let form = (await get(raiser, `/escalations/${id}/records/referral-form`)).body;
    expect(form.document).toMatchObject({
      kind: 'referral-form',
      title: 'LSCP Escalation Referral Form',
      requiredByProtocol: true,
    });
    expect(form.case).toMatchObject({
      reference: 'SUT-REC-0001',
      protocol: { id: P, version: 2 },
      status: 'open',
    });
    expect(form.form).toMatchObject({
      mosaicId: 'MOSAIC-778899',
      children: [
        { name: 'Alexandra Testchild', dateOfBirth: '2016-02-29' },
        { name: 'Sam Testchild', dateOfBirth: '2019-07-01' },
      ],
      practitionersOfConcern: [
        {
          name: 'Police practitioner',
          agency: 'Sutton Local Safeguarding Children Partnership (LSCP) Police',
        },
      ],
      natureOfConcern: SCRIPT,
      outcomesSought: 'A joint visit within 2 working days.',
      headOfServiceContacted: { answer: 'no' },
      outcomeAchieved: null,
      referrer: {
        name: "Children's Social Care practitioner",
        department: "Sutton Local Safeguarding Children Partnership (LSCP) Children's Social Care",
      },
      safeguardingAdvisor: { name: "Children's Social Care safeguarding lead" },
    });
    expect(form.form.actionsAgreedBySafeguardingAdvisor.map((a: { text: string }) => a.text)).toEqual([
      'SA agreed: the team manager calls the police sergeant today.',
      'Agreed by the safeguarding advisor.',
      expect.stringMatching(/^Police to arrange a joint visit \(Sutton .* Police, by /),
    ]);
    expect(form.form.actions).toEqual([
      expect.objectContaining({
        who: 'Police line manager',
        what: 'Police to arrange a joint visit',
        status: 'open',
      }),
    ]);
    expect(form.timeline).toEqual([expect.objectContaining({ number: 1, enteredBecause: 'raised' })]);

    // Heads of service: tier 2; then both agencies' heads of service confirm the outcome. The
    // referring practitioner acts at neither step (Sutton's first step is the managers' and
    // safeguarding leads').
    const practitionerEscalates = await post(raiser, id, 'escalate', { reason: 'x' }, 409);
    expect(practitionerEscalates.body.reason).toBe('not-your-tier');
    await post(sa, id, 'escalate', { reason: 'No joint visit by the agreed date.' });
    await post(person(P, 'csc', 'head-of-service'), id, 'resolve', {
      reason: 'Joint visit held; strategy discussion booked.',
    });
    expect((await post(receiver, id, 'resolve', { reason: 'Agreed.' }, 409)).body.reason).toBe(
      'not-your-tier',
    );
    await post(person(P, 'police', 'head-of-service'), id, 'resolve', { reason: 'Agreed.' });
    await settle(raiser, id, closed);
    form = (await get(raiser, `/escalations/${id}/records/referral-form`)).body;
    expect(form.form.headOfServiceContacted).toMatchObject({
      answer: 'yes',
      basis: expect.stringMatching(/^tier 2 /),
    });
    expect(form.form.outcomeAchieved).toMatchObject({
      status: 'resolved',
      statement: 'Joint visit held; strategy discussion booked.\n\nAgreed.',
    });
    expect(
      form.timeline.map((t: { number: number; enteredBecause: string; endedBy: string }) => [
        t.number,
        t.enteredBecause,
        t.endedBy,
      ]),
    ).toEqual([
      [1, 'raised', 'escalated'],
      [2, 'escalated', 'resolved'],
    ]);
    expect(form.timeline[1].escalationReason).toBe('No joint visit by the agreed date.');

    const res = await get(raiser, `/escalations/${id}/records/referral-form.html`);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.headers['content-disposition']).toBe('inline; filename="SUT-REC-0001-referral-form.html"');
    const html = res.text;
    expect(html).toContain('<title>SUT-REC-0001: LSCP Escalation Referral Form</title>');
    expect(html).toContain('sutton-lscp v2');
    for (const id of [
      'children',
      'practitioner-of-concern',
      'nature-of-concern',
      'outcomes-sought',
      'sa-actions',
      'head-of-service',
      'who-what-when',
      'outcome',
      'signatures',
      'timeline',
    ]) {
      expect(html).toContain(`<section id="${id}"`);
    }
    expect(section(html, 'children')).toContain('MOSAIC-778899');
    expect(section(html, 'children')).toContain('Alexandra Testchild');
    expect(section(html, 'nature-of-concern')).toContain(
      'Police declined a joint visit &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;urgent&quot;.',
    );
    expect(html).not.toContain('<script');
    expect(section(html, 'head-of-service')).toContain('<span class="answer">Yes</span>');
    expect(html).toMatch(
      /<footer class="doc">Generated by Resolve on .*audit-trailed record of escalation SUT-REC-0001/,
    );
    mkdirSync(path.resolve(__dirname, '../../../test-artifacts'), { recursive: true });
    writeFileSync(path.resolve(__dirname, '../../../test-artifacts/referral-form.html'), html);

    // Need to know: as GET /escalations/:id. Outsiders learn nothing, not even that it exists.
    await get(person(P, null, 'business-manager'), `/escalations/${id}/records/referral-form`, 200);
    for (const outsider of [
      person(P, 'school', 'practitioner'),
      person('sefton-sscp', 'csc', 'head-of-service'),
      person(P, null, 'partnership-administrator'),
    ]) {
      const refused = await get(outsider, `/escalations/${id}/records/referral-form`, 404);
      expect(refused.body.message).toBe(`escalation ${id} not found`);
      await get(outsider, `/escalations/${id}/records/referral-form.html`, 404);
    }
    await stack.http().get(`/escalations/${id}/records/referral-form`).expect(401);
    await get(raiser, '/escalations/not-a-case/records/referral-form', 404);
    referralFormHtml = html;
  });

  let referralFormHtml = '';
  const CHROMIUM = '/usr/bin/chromium';
  (existsSync(CHROMIUM) ? it : it.skip)(
    'prints in a real browser: no script runs, nothing is fetched, A4 PDF and PNG saved to test-artifacts/',
    async () => {
      expect(referralFormHtml).not.toBe('');
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage({
          viewport: { width: 900, height: 1200 },
          javaScriptEnabled: true,
        });
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.setContent(referralFormHtml, { waitUntil: 'load' });
        expect(requests).toEqual([]);
        expect(await page.locator('script').count()).toBe(0);
        expect(await page.textContent('#nature-of-concern .prose')).toBe(SCRIPT);
        expect(await page.title()).toBe('SUT-REC-0001: LSCP Escalation Referral Form');
        const dir = path.resolve(__dirname, '../../../test-artifacts');
        await page.screenshot({ path: path.join(dir, 'referral-form.png'), fullPage: true });
        const pdf = await page.pdf({
          path: path.join(dir, 'referral-form.pdf'),
          format: 'A4',
          printBackground: true,
        });
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        // Two A4 pages or more: the footer is repeated on each (position: fixed in print).
        expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeGreaterThanOrEqual(2);
      } finally {
        await browser.close();
      }
    },
  );

  it('Sefton to step 4: summary log entry, Report to SSCP and the decision record (409 until the chair decides)', async () => {
    const P = 'sefton-sscp';
    const raiser = person(P, 'csc', 'practitioner');
    const chair = person(P, null, 'independent-chair');
    const id = await raise(P, 'SEF-REC-0001', { natureOfConcern: SCRIPT });
    await post(person(P, 'police', 'practitioner'), id, 'acknowledge', { reason: 'Received.' });
    await post(raiser, id, 'escalate', { reason: 'No plan agreed at step 1.' });
    await note(person(P, 'police', 'line-manager'), id, 'Manager: we stand by the decision.');
    // Each later step is escalated by the raising agency's role that acts there.
    await post(person(P, 'csc', 'line-manager'), id, 'escalate', { reason: 'Managers could not agree.' });
    await post(person(P, 'csc', 'head-of-service'), id, 'plan', {
      reason: 'Heads of service plan.',
      items: [
        { what: 'Police review the referral with the DI', ownerAgencyId: `${P}-police`, dueAt: inDays(2) },
      ],
    });
    await post(person(P, 'police', 'head-of-service'), id, 'plan/accept', { reason: 'Agreed.' });
    await post(person(P, 'csc', 'head-of-service'), id, 'escalate', {
      reason: 'The review upheld the refusal.',
    });
    await settle(raiser, id, entered(4));

    const early = await get(raiser, `/escalations/${id}/records/decision`, 409);
    expect(early.body).toMatchObject({ error: 'conflict', reason: 'decision-not-available' });
    expect(early.body.message).toMatch(/^no final decision is recorded for escalation SEF-REC-0001/);
    await get(raiser, `/escalations/${id}/records/decision.html`, 409);

    const meetingAt = inDays(2);
    await post(chair, id, 'meeting', {
      kind: 'chaired-meeting',
      at: meetingAt,
      reason: 'SSCP chaired meeting, Bootle, room 3.',
    });
    await note(person(P, 'police', 'head-of-service'), id, 'Police position: the threshold is not met.');
    // Sefton's chair is appointed on the case before deciding it.
    await appointChairIfNeeded(stack, P, id);
    await post(chair, id, 'decision', {
      decision: 'A strategy discussion is to be held within 1 working day; police attend.',
      referLearning: true,
    });
    await settle(raiser, id, closed);

    // Appendix 1 entry.
    const log = (await get(person(P, 'csc', 'line-manager'), `/escalations/${id}/records/summary-log`)).body;
    expect(log.entry).toMatchObject({
      reference: 'SEF-REC-0001',
      managersTier: 2,
      highestTier: { number: 4 },
      status: 'decided',
      outcome: 'A strategy discussion is to be held within 1 working day; police attend.',
      natureOfConcern: SCRIPT,
      learningReferred: { subGroup: 'SSCP (Report to SSCP, Appendix 2)' },
    });
    expect(log.entry.escalatedToManagersAt).toBe(log.timeline[1].enteredAt);
    expect(
      log.timeline.map((t: { number: number; enteredBecause: string }) => [t.number, t.enteredBecause]),
    ).toEqual([
      [1, 'raised'],
      [2, 'escalated'],
      [3, 'escalated'],
      [4, 'escalated'],
    ]);
    expect(log.timeline.map((t: { escalationReason: string | null }) => t.escalationReason)).toEqual([
      null,
      'No plan agreed at step 1.',
      'Managers could not agree.',
      'The review upheld the refusal.',
    ]);
    expect(log.timeline.every((t: { dueAt: string | null }) => t.dueAt)).toBe(true);
    const logHtml = (await get(raiser, `/escalations/${id}/records/summary-log.html`)).text;
    expect(logHtml).toContain('<title>SEF-REC-0001: Agency Escalation Summary Log: case entry</title>');
    expect(section(logHtml, 'nature-of-concern')).toContain('&lt;script&gt;');
    expect(logHtml).not.toContain('<script');

    // Appendix 2.
    const report = (
      await get(person(P, 'police', 'head-of-service'), `/escalations/${id}/records/report-to-partnership`)
    ).body;
    expect(
      report.report.steps.map((s: { number: number; reached: boolean }) => [s.number, s.reached]),
    ).toEqual([
      [3, true],
      [4, true],
    ]);
    expect(report.report.steps[0].plan).toEqual([
      expect.objectContaining({ what: 'Police review the referral with the DI' }),
    ]);
    expect(report.report.steps[1].meeting).toMatchObject({
      kind: 'chaired-meeting',
      at: meetingAt,
      note: 'SSCP chaired meeting, Bootle, room 3.',
    });
    expect(report.report.decision).toMatchObject({
      text: 'A strategy discussion is to be held within 1 working day; police attend.',
      chair: { id: chair },
    });
    expect(report.report.attemptsToResolve.map((t: { number: number }) => t.number)).toEqual([1, 2]);
    const reportHtml = (await get(raiser, `/escalations/${id}/records/report-to-partnership.html`)).text;
    expect(reportHtml).toContain('Report to Sefton Safeguarding Children Partnership (SSCP)');
    expect(section(reportHtml, 'step-4')).toContain('Independently chaired meeting');
    expect(section(reportHtml, 'outcome')).toContain(
      'A strategy discussion is to be held within 1 working day; police attend.',
    );

    // The meeting and the final binding decision.
    const decision = (await get(raiser, `/escalations/${id}/records/decision`)).body;
    expect(decision.document.title).toBe('Record of the independently chaired meeting and final decision');
    expect(decision.record.meeting).toMatchObject({
      kind: 'chaired-meeting',
      at: meetingAt,
      scheduledBy: 'Sefton Safeguarding Children Partnership (SSCP) independent chair',
    });
    expect(decision.record.decision).toMatchObject({
      text: 'A strategy discussion is to be held within 1 working day; police attend.',
      chair: { id: chair, name: 'Sefton Safeguarding Children Partnership (SSCP) independent chair' },
      chairRole: 'independent-chair',
      tier: 4,
    });
    expect(Date.parse(decision.record.decision.decidedAt)).toBeLessThanOrEqual(Date.now());
    expect(decision.record.decision.communicatedAt).not.toBeNull();
    expect(decision.record.submissions.map((s: { text: string }) => s.text)).toEqual(
      expect.arrayContaining([
        'SSCP chaired meeting, Bootle, room 3.',
        'Police position: the threshold is not met.',
      ]),
    );
    const decisionHtml = (await get(chair, `/escalations/${id}/records/decision.html`)).text;
    expect(section(decisionHtml, 'decision')).toContain(
      'A strategy discussion is to be held within 1 working day; police attend.',
    );
    expect(section(decisionHtml, 'decision')).toContain(
      'Sefton Safeguarding Children Partnership (SSCP) independent chair',
    );
    writeFileSync(path.resolve(__dirname, '../../../test-artifacts/decision.html'), decisionHtml);

    await get(person(P, 'school', 'head-of-service'), `/escalations/${id}/records/decision`, 404);
    await get(
      person(P, 'school', 'head-of-service'),
      `/escalations/${id}/records/report-to-partnership.html`,
      404,
    );
  });

  it('BSCB monitoring form: refused before stage 3 with the reason, then issued; the Panel decision recorded', async () => {
    const P = 'bscb';
    const raiser = person(P, 'csc', 'practitioner');
    const chair = person(P, null, 'independent-chair');
    const id = await raise(P, 'BSCB-REC-0001', { natureOfConcern: SCRIPT, category: 'need-for-action' });
    const refused = await get(raiser, `/escalations/${id}/records/monitoring-form`, 409);
    expect(refused.body.error).toBe('conflict');
    expect(refused.body.message).toContain('the monitoring form is issued from stage 3');
    expect(refused.body.message).toContain('has reached stage 1');
    await get(raiser, `/escalations/${id}/records/monitoring-form.html`, 409);

    // Each stage is escalated by the raising agency's role that acts there.
    await post(person(P, 'csc', 'line-manager'), id, 'escalate', {
      reason: 'No response within 1 working day.',
    });
    await post(person(P, 'csc', 'service-manager'), id, 'escalate', {
      reason: 'Service managers could not agree.',
    });
    await settle(raiser, id, (v) => entered(3)(v) && v.history.some((e) => e.type === 'informed'));
    const form = (
      await get(person(P, null, 'business-manager'), `/escalations/${id}/records/monitoring-form`)
    ).body;
    expect(form.form).toMatchObject({
      issuedFromTier: 3,
      issuesRequiringResolution: {
        category: { id: 'need-for-action', label: 'The need for action' },
        natureOfConcern: SCRIPT,
      },
      agreedOutcome: null,
    });
    expect(form.form.businessManagerInformedAt).toBe(form.form.issuedAt);
    expect(form.form.stages.map((s: { number: number }) => s.number)).toEqual([1, 2, 3]);
    const formHtml = (await get(raiser, `/escalations/${id}/records/monitoring-form.html`)).text;
    expect(formHtml).toContain('BSCB-REC-0001');
    expect(section(formHtml, 'issues')).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(formHtml).not.toContain('<script');

    await post(person(P, 'csc', 'board-member'), id, 'escalate', {
      reason: 'Board members could not agree.',
    });
    await post(chair, id, 'meeting', {
      kind: 'resolution-panel',
      at: inDays(3),
      reason: 'Panel: CSC, police and health.',
    });
    await post(chair, id, 'decision', {
      decision: 'The Panel finds the threshold met.',
      outcome: 'resolution-panel',
    });
    await settle(raiser, id, closed);
    const after = (await get(raiser, `/escalations/${id}/records/monitoring-form`)).body;
    expect(after.form.agreedOutcome).toMatchObject({
      status: 'decided',
      statement: 'The Panel finds the threshold met.',
      route: 'Resolution Panel',
    });
    const decision = (await get(raiser, `/escalations/${id}/records/decision`)).body;
    expect(decision.document.title).toBe('Record of the Resolution Panel and final decision');
    expect(decision.record.route.route).toBe('resolution-panel');
    expect(decision.record.decision.outcome).toBe('resolution-panel');
  });

  it('Agency Escalation Summary Log: JSON, CSV (RFC 4180, parsed back) and HTML, for the agency’s managers and the board', async () => {
    const P = 'sefton-sscp';
    const agency = `${P}-csc`;
    // A name that needs quoting in CSV and would be a formula in a spreadsheet.
    const nurse = person(P, 'health', 'practitioner');
    await stack.db.dataSource.query(`UPDATE person SET display_name = $2 WHERE id = $1`, [
      nurse,
      '=Jo Smith, "Nurse"',
    ]);
    const raised = await raise(P, 'SEF-LOG-0001');
    const received = await raise(
      P,
      'SEF-LOG-0002',
      {
        raisingAgencyId: `${P}-health`,
        receivingAgencyId: agency,
        receivingPersonId: person(P, 'csc', 'practitioner'),
        subject: { kind: 'child', people: [{ name: 'Robin Testchild' }] },
      },
      nurse,
    );
    await post(person(P, 'csc', 'practitioner'), received, 'escalate', { reason: 'to managers' });
    await settle(nurse, received, entered(2));
    await settle(person(P, 'csc', 'practitioner'), raised, entered(1));

    const manager = person(P, 'csc', 'line-manager');
    const log = (await get(manager, `/agencies/${agency}/escalation-log`)).body;
    expect(log.agency).toEqual({
      id: agency,
      name: "Sefton Safeguarding Children Partnership (SSCP) Children's Social Care",
    });
    const byRef = new Map(log.rows.map((r: { reference: string }) => [r.reference, r]));
    expect(byRef.get('SEF-LOG-0001')).toMatchObject({
      agencySide: 'raised',
      escalationId: raised,
      highestTier: 1,
      status: 'open',
    });
    expect(byRef.get('SEF-LOG-0002')).toMatchObject({
      agencySide: 'received',
      raisedBy: '=Jo Smith, "Nurse"',
      highestTier: 2,
      status: 'open',
    });
    expect(byRef.get('SEF-LOG-0002')).toHaveProperty('escalatedToManagersAt', expect.any(String));
    // Every case csc raised or received, and no other: the earlier Sefton case is there too.
    expect(log.rows.map((r: { reference: string }) => r.reference)).toEqual(
      expect.arrayContaining(['SEF-REC-0001', 'SEF-LOG-0001', 'SEF-LOG-0002']),
    );
    expect(JSON.stringify(log)).not.toMatch(/Testchild|MOSAIC|Police declined/);

    const csvRes = await get(manager, `/agencies/${agency}/escalation-log.csv`);
    expect(csvRes.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(csvRes.headers['content-disposition']).toMatch(
      /^attachment; filename="escalation-log-sefton-sscp-csc-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(csvRes.text).toMatch(/\r\n$/);
    const rows = parseCsv(csvRes.text);
    expect(rows[0]).toEqual(AGENCY_LOG_COLUMNS.map((c) => c.header));
    expect(rows).toHaveLength(log.rows.length + 1);
    const records = rows.slice(1).map((r) => Object.fromEntries(rows[0].map((h, i) => [h, r[i]])));
    const csvReceived = records.find((r) => r.reference === 'SEF-LOG-0002')!;
    expect(csvReceived).toMatchObject({
      agency_side: 'received',
      raised_by: `'=Jo Smith, "Nurse"`,
      raising_agency: 'Sefton Safeguarding Children Partnership (SSCP) Health Trust',
      highest_tier: '2',
      status: 'open',
      closed_at: '',
      escalation_id: received,
    });
    expect(csvReceived.raised_at).toBe((byRef.get('SEF-LOG-0002') as { raisedAt: string }).raisedAt);
    expect(csvRes.text).toContain(`"'=Jo Smith, ""Nurse"""`);

    const htmlRes = await get(person(P, null, 'business-manager'), `/agencies/${agency}/escalation-log.html`);
    expect(htmlRes.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(htmlRes.text).toContain('SEF-LOG-0001');
    expect(htmlRes.text).toContain('=Jo Smith, &quot;Nurse&quot;');
    expect(htmlRes.text).toContain('<body class="landscape">');
    writeFileSync(
      path.resolve(__dirname, '../../../test-artifacts/agency-escalation-log.html'),
      htmlRes.text,
    );

    // Period.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await get(manager, `/agencies/${agency}/escalation-log?from=${tomorrow}`)).body.rows).toEqual([]);
    const today = (await get(manager, `/agencies/${agency}/escalation-log?from=2020-01-01&to=${tomorrow}`))
      .body;
    expect(today.rows.length).toBe(log.rows.length);
    expect(
      (await get(manager, `/agencies/${agency}/escalation-log?from=yesterday`, 400)).body.message,
    ).toMatch(/^from: /);
    expect(
      (await get(manager, `/agencies/${agency}/escalation-log.csv?to=2026-13-01`, 400)).body.message,
    ).toMatch(/^to: /);
    expect(
      (await get(manager, `/agencies/${agency}/escalation-log?from=2026-05-02&to=2026-05-01`, 400)).body
        .message,
    ).toMatch(/^from: must be before to/);
    expect((await get(manager, `/agencies/${agency}/escalation-log?agency=x`, 400)).body.message).toMatch(
      /unknown query parameter\(s\): agency/,
    );

    // Access: managers of the agency and the partnership's board roles.
    await get(person(P, 'csc', 'head-of-service'), `/agencies/${agency}/escalation-log.csv`, 200);
    await get(person(P, null, 'quality-assurance-manager'), `/agencies/${agency}/escalation-log`, 200);
    await get(person(P, null, 'independent-chair'), `/agencies/${agency}/escalation-log`, 200);
    const practitioner = await get(
      person(P, 'csc', 'practitioner'),
      `/agencies/${agency}/escalation-log`,
      403,
    );
    expect(practitioner.body.message).toMatch(/for its managers/);
    await get(person(P, 'police', 'line-manager'), `/agencies/${agency}/escalation-log.csv`, 403);
    await get(person(P, null, 'sub-group-chair'), `/agencies/${agency}/escalation-log.html`, 403);
    await get(person(P, null, 'partnership-administrator'), `/agencies/${agency}/escalation-log`, 403);
    await get(person('bscb', null, 'business-manager'), `/agencies/${agency}/escalation-log`, 404);
    await get(manager, `/agencies/nowhere/escalation-log`, 404);
    await stack.http().get(`/agencies/${agency}/escalation-log`).expect(401);
  });
});
