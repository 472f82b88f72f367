import { AuditRepository, WebSessionsRepository } from '@resolve/persistence';
import { person } from './support/harness';
import {
  errorSummaryOf,
  hiddenInputsOf,
  hiddenOf,
  startWebStack,
  dateParts,
  timingProtocolsDir,
  TIMING_PROTOCOL as TIMING,
  titleOf,
  WebClient,
  type Page,
  type WebStack,
} from './web-support';

/**
 * The web service over HTTP against the real stack (Postgres, Temporal dev server, worker,
 * notifier, SMTP) and a real OpenID provider in its own process: sign-in with the code flow and
 * PKCE, server-side sessions, CSRF, my cases, raising, a case page, actions with their check
 * page, the engine's refusal, an email's link, records, the dashboard, sign-out and idle timeout.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const raiser = person(S, 'csc', 'practitioner');
const receiver = person(S, 'police', 'practitioner');
const CHILD = 'Alexandra Webtestchild';
describe('Web service over HTTP', () => {
  let web: WebStack;
  let base: string;
  const visited: Page[] = [];
  const track = (page: Page) => (visited.push(page), page);

  beforeAll(async () => {
    web = await startWebStack({ protocolsDir: timingProtocolsDir() });
    base = web.baseUrl;
  });

  afterAll(async () => {
    await web?.stop();
  });

  /** Sends the raise form, then confirms on its check page; returns the page landed on. */
  async function raiseThroughForm(client: WebClient, reference: string) {
    const form = track(await client.get(`${base}/raise`));
    expect(form.status).toBe(200);
    const check = track(
      await client.post(`${base}/raise`, form, {
        _key: hiddenOf(form, '_key'),
        protocol: 'sefton-sscp',
        reference,
        receiver: `${S}-police|${receiver}`,
        category: 'thresholds',
        natureOfConcern: 'Disagreement about whether the threshold for a strategy discussion is met.',
        outcomesSought: 'A strategy discussion is held.',
        subjectKind: 'child',
        subjectName: CHILD,
        'dob-day': '29',
        'dob-month': '2',
        'dob-year': '2016',
        immediateRisk: 'no',
      }),
    );
    expect(titleOf(check)).toBe('Check your answers before you raise the escalation - Resolve');
    expect(check.html).toContain(CHILD);
    return track(
      await client.request(`${base}/raise`, { form: { ...hiddenInputsOf(check), _step: 'confirm' } }),
    );
  }

  /** Opens an action's form, sends it, and confirms on the check page. */
  async function act(client: WebClient, caseId: string, kind: string, answers: Record<string, string>) {
    const form = track(await client.get(`${base}/cases/${caseId}/actions/${kind}`));
    expect(form.status).toBe(200);
    const check = track(
      await client.post(`${base}/cases/${caseId}/actions/${kind}`, form, { _step: 'check', ...answers }),
    );
    if (check.status !== 200) return check;
    expect(titleOf(check)).toMatch(/^Check your answers/);
    const hidden = [...check.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
      ([, k, v]) => [
        k,
        v
          .replace(/&amp;/g, '&')
          .replace(/&#39;/g, "'")
          .replace(/&quot;/g, '"'),
      ],
    );
    return track(
      await client.request(`${base}/cases/${caseId}/actions/${kind}`, {
        form: { ...Object.fromEntries(hidden), _step: 'confirm' },
      }),
    );
  }

  it('sends a person without a session to sign in, with a session cookie that scripts cannot read', async () => {
    const client = new WebClient();
    const page = track(await client.get(`${base}/cases`));
    expect(page.url).toBe(`${base}/sign-in`);
    expect(titleOf(page)).toBe('Sign in to Resolve - Resolve');
    const cookie = client.setCookies.find((c) => c.startsWith('resolve-session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // Plain http on this machine: a Secure cookie would never come back.
    expect(cookie).not.toMatch(/Secure/);
  });

  let caseId: string;

  it('signs in through the OpenID provider (code flow, PKCE) and lands on my cases', async () => {
    const raiserClient = new WebClient();
    const landed = track(await raiserClient.signIn(base, raiser));
    expect(landed.url).toBe(`${base}/cases`);
    expect(landed.status).toBe(200);
    expect(titleOf(landed)).toBe('My cases - Resolve');
    expect(landed.html).toContain('Signed in as Children&#39;s Social Care practitioner');
    // The browser went to the provider and back with a code: never a token in a URL.
    const authorize = landed.visited.find((u) => u.includes('/auth?'))!;
    expect(new URL(authorize).searchParams.get('code_challenge_method')).toBe('S256');
    expect(landed.visited.some((u) => /[?&](id_token|access_token)=/.test(u))).toBe(false);

    // Raising: every problem named in the error summary and beside its field.
    const form = track(await raiserClient.get(`${base}/raise`));
    const empty = track(await raiserClient.post(`${base}/raise`, form, { protocol: 'sefton-sscp' }));
    expect(empty.status).toBe(400);
    expect(titleOf(empty)).toBe('Error: Raise an escalation - Resolve');
    expect(errorSummaryOf(empty)).toEqual([
      'Enter the case reference',
      'Select the person you are raising it with',
      'Select what the disagreement is about',
      'Enter the nature of the concern',
      'Enter the outcome you are seeking',
      'Select yes if a child or adult is at immediate risk of harm',
    ]);
    expect(empty.html).toContain('id="reference-error"');
    // The statutory route is named before anything is sent.
    expect(form.html).toContain('make the referral through the statutory route now as well');

    const raised = await raiseThroughForm(raiserClient, 'SEF-WEB-0001');
    expect(raised.status).toBe(200);
    caseId = /\/cases\/([0-9a-f-]{36})$/.exec(raised.url)![1];
    expect(raised.html).toContain('Escalation SEF-WEB-0001 raised.');
    expect(titleOf(raised)).toBe('Case SEF-WEB-0001 - Resolve');
    expect(raised.html).toContain('Step 1: direct professional to professional discussion');
    expect(raised.html).toContain('within 2 working days');
    // The deadline is set by the workflow a moment after the raise.
    let shown = raised;
    for (let i = 0; i < 50 && !/Due \w{3} /.test(shown.html); i++) {
      await new Promise((r) => setTimeout(r, 200));
      shown = await raiserClient.get(`${base}/cases/${caseId}`);
    }
    expect(shown.html).toMatch(/Due \w{3} \d{1,2} \w{3} \d{2}:\d{2} \(in \d+ (day|hour|minute)s?\)/);

    // My cases lists it, with its deadline in words.
    const mine = track(await raiserClient.get(`${base}/cases`));
    expect(mine.html).toContain('SEF-WEB-0001');
    expect(mine.html).toMatch(/\d{2}:\d{2} \(in \d+ (day|hour|minute)s?\)/);
    const filtered = track(await raiserClient.get(`${base}/cases?status=withdrawn`));
    expect(filtered.html).not.toContain('SEF-WEB-0001');
    const badFilter = track(await raiserClient.get(`${base}/cases?status=lost`));
    expect(badFilter.status).toBe(400);
    expect(errorSummaryOf(badFilter)).toEqual(['Select a status from the list']);
  });

  it("follows an email's link: sign in, then straight to the case; the receiver acts with a check page", async () => {
    const [mail] = await web.stack.smtp.waitFor(
      (m) => m.to.includes(`police.practitioner@${S}.resolve.test`) && m.subject.includes('SEF-WEB-0001'),
    );
    const link = /https?:\/\/[^\s"<>]+\/escalations\/[0-9a-f-]{36}/.exec(mail.text)![0];
    const client = new WebClient();
    // The link's path on this service (the test's notifier names another host).
    const path = new URL(link).pathname;
    const opened = track(await client.get(`${base}${path}`));
    expect(opened.url).toBe(`${base}/sign-in`);
    expect(opened.visited).toContain(`${base}/cases/${caseId}`);
    const providerPage = track(await client.get(`${base}/sign-in/start`));
    expect(providerPage.html).toContain('Choose who to sign in as');
    const action = /<form method="post" action="([^"]+)"/.exec(providerPage.html)![1];
    const landed = track(
      await client.request(new URL(action, providerPage.url).toString(), { form: { subject: receiver } }),
    );
    expect(landed.url).toBe(`${base}/cases/${caseId}`);
    expect(landed.html).toContain('Acknowledge the escalation');

    // The engine's refusal, in its words, in the error summary: only the raiser withdraws.
    const refused = await act(client, caseId, 'withdraw', { reason: 'Trying.' });
    expect(refused.status).toBe(409);
    expect(titleOf(refused)).toBe('Error: Withdraw the escalation - Resolve');
    expect(errorSummaryOf(refused)[0]).toMatch(/raiser|raising|withdraw/i);

    // A form without the session's CSRF token is refused.
    const forged = await client.request(`${base}/cases/${caseId}/actions/acknowledge`, {
      form: { _step: 'confirm', reason: 'forged' },
    });
    expect(forged.status).toBe(400);
    expect(titleOf(forged)).toBe('Your form could not be sent - Resolve');

    const acknowledged = await act(client, caseId, 'acknowledge', { reason: 'Received; looking into it.' });
    expect(acknowledged.url).toBe(`${base}/cases/${caseId}`);
    expect(acknowledged.html).toContain('Done: acknowledge the escalation.');
    expect(acknowledged.html).toContain('Received; looking into it.');

    // Each read and action is in the API's audit trail, marked as the web's.
    const trail = await new AuditRepository(web.stack.db.dataSource).forEscalation(caseId, 0, 100);
    const web_ = trail.filter((r) => (r.detail as { channel?: string }).channel === 'web');
    expect(web_.map((r) => [r.action, r.outcome, r.personId])).toEqual(
      expect.arrayContaining([
        ['escalation.read', 200, receiver],
        ['escalation.withdraw', 409, receiver],
        ['escalation.acknowledge', 200, receiver],
      ]),
    );
    expect(web_.find((r) => r.action === 'escalation.acknowledge')!.actionRecordId).toMatch(
      /^[0-9a-f-]{36}$/,
    );

    // The referral form, as the API renders it, opened with the session.
    const record = await client.get(`${base}/cases/${caseId}/records/summary-log`);
    expect(record.status).toBe(200);
    expect(record.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('agrees a plan between the two agencies, resolves it, and the case closes', async () => {
    const raiserClient = new WebClient();
    await raiserClient.signIn(base, raiser);
    const receiverClient = new WebClient();
    await receiverClient.signIn(base, receiver);
    const due = new Date(Date.now() + 10 * 86_400_000);
    const invalid = await act(raiserClient, caseId, 'agree-plan', {
      'item0-what': 'Hold a strategy discussion',
    });
    expect(invalid.status).toBe(400);
    expect(errorSummaryOf(invalid)).toEqual(['Select who owns item 1', "Item 1's date must be a real date"]);
    const proposed = await act(raiserClient, caseId, 'agree-plan', {
      'item0-what': 'Hold a strategy discussion',
      'item0-owner': `${S}-police`,
      'item0-due-day': String(due.getUTCDate()),
      'item0-due-month': String(due.getUTCMonth() + 1),
      'item0-due-year': String(due.getUTCFullYear()),
    });
    expect(proposed.url).toBe(`${base}/cases/${caseId}`);
    expect(proposed.html).toContain('Hold a strategy discussion');
    const agreed = await act(receiverClient, caseId, 'accept-plan', {});
    expect(agreed.html).toContain('Done: agree the proposed plan of action.');
    for (const client of [raiserClient, receiverClient]) {
      const page = await act(client, caseId, 'resolve', { reason: 'Strategy discussion agreed.' });
      expect(page.url).toBe(`${base}/cases/${caseId}`);
    }
    let closed = await raiserClient.get(`${base}/cases/${caseId}`);
    const resolvedTag = /govuk-tag--green">\s*Resolved\s*</;
    for (let i = 0; i < 50 && !resolvedTag.test(closed.html); i++) {
      await new Promise((r) => setTimeout(r, 200));
      closed = await raiserClient.get(`${base}/cases/${caseId}`);
    }
    expect(closed.html).toMatch(resolvedTag);
  });

  it("shows the business manager's dashboard, and only to the board", async () => {
    const manager = new WebClient();
    await manager.signIn(base, person(S, null, 'business-manager'));
    const page = track(await manager.get(`${base}/dashboard`));
    expect(page.status).toBe(200);
    expect(page.html).toContain('<svg class="app-chart" role="img"');
    expect(page.html).toContain('Open cases by step');
    const practitioner = new WebClient();
    await practitioner.signIn(base, raiser);
    const refused = track(await practitioner.get(`${base}/dashboard`));
    expect(refused.status).toBe(403);
  });

  it('signs out, and ends a session left idle', async () => {
    const client = new WebClient();
    const cases = await client.signIn(base, raiser);
    const out = await client.post(`${base}/sign-out`, cases, {});
    expect(titleOf(out)).toBe('You have signed out - Resolve');
    expect((await client.get(`${base}/cases`)).url).toBe(`${base}/sign-in`);

    const idle = new WebClient();
    await idle.signIn(base, raiser);
    // Idle for longer than WEB_SESSION_IDLE_MINUTES: move every session's last request back.
    const sessions = new WebSessionsRepository(web.stack.db.dataSource);
    const cookie = idle.setCookies.filter((c) => c.startsWith('resolve-session=')).pop()!;
    const token = cookie.split(';')[0].split('=')[1];
    const { createHash } = await import('node:crypto');
    await sessions.update(createHash('sha256').update(token).digest('hex'), {
      lastSeenAt: new Date(Date.now() - 31 * 60_000),
    });
    expect((await idle.get(`${base}/cases`)).url).toBe(`${base}/sign-in`);
  });

  it("asks for the protocol's timing and entry fields, names each problem, and checks the answers", async () => {
    const client = new WebClient();
    await client.signIn(base, raiser);
    const sefton = track(await client.get(`${base}/raise?protocol=${S}`));
    // Sefton's own protocol takes none of them.
    expect(sefton.html).not.toContain('When was the concern identified?');
    const form = track(await client.get(`${base}/raise?protocol=${TIMING}`));
    expect(form.html).toContain('When was the concern identified? (optional)');
    expect(form.html).toContain('Timescale that protects the child from harm (optional)');
    // Entry at step 3 is the head of service's, not the practitioner's.
    expect(form.html).not.toContain('Which step does the case start at?');

    const answers = {
      _key: hiddenOf(form, '_key'),
      protocol: TIMING,
      reference: 'SEF-WEB-TIMING-1',
      receiver: `${S}-police|${receiver}`,
      category: 'thresholds',
      natureOfConcern: 'Disagreement about whether the threshold for a strategy discussion is met.',
      outcomesSought: 'A strategy discussion is held.',
      subjectKind: 'child',
      immediateRisk: 'no',
    };
    const bad = track(
      await client.post(`${base}/raise`, form, {
        ...answers,
        'concernIdentifiedAt-day': '31',
        'concernIdentifiedAt-month': '2',
        'concernIdentifiedAt-year': '2026',
        ...dateParts('protectiveDeadline', 2, '25:00'),
      }),
    );
    expect(bad.status).toBe(400);
    expect(errorSummaryOf(bad)).toEqual([
      'When the concern was identified must be a real date, and the time like 09:00',
      'Timescale that protects the child must be a real date, and the time like 17:00',
      'Enter why the clock starts when the concern was identified',
    ]);

    // What only the protocol can judge comes back from the raise, each beside its field.
    const future = track(
      await client.post(`${base}/raise`, form, {
        ...answers,
        ...dateParts('concernIdentifiedAt', 3, '09:00'),
        concernIdentifiedReason: 'Seen at the core group.',
      }),
    );
    expect(titleOf(future)).toMatch(/^Check your answers/);
    const refused = track(
      await client.request(`${base}/raise`, { form: { ...hiddenInputsOf(future), _step: 'confirm' } }),
    );
    expect(refused.status).toBe(400);
    expect(errorSummaryOf(refused)).toEqual(['Must not be after the escalation is raised']);
    expect(refused.html).toContain('id="concernIdentifiedAt-error"');
    expect(refused.html).toContain('href="#concernIdentifiedAt-day"');

    const check = track(
      await client.post(`${base}/raise`, form, {
        ...answers,
        ...dateParts('concernIdentifiedAt', -1, '09:00'),
        concernIdentifiedReason: 'Seen at the core group.',
        ...dateParts('protectiveDeadline', 1, '12:00'),
      }),
    );
    expect(titleOf(check)).toBe('Check your answers before you raise the escalation - Resolve');
    expect(check.html).toContain('When the concern was identified');
    expect(check.html).toContain('Seen at the core group.');
    expect(check.html).toContain('Timescale that protects the child');
    // Changing the answers keeps them.
    const edit = track(
      await client.request(`${base}/raise`, { form: { ...hiddenInputsOf(check), _step: 'edit' } }),
    );
    expect(edit.html).toContain('Seen at the core group.');
    const raised = track(
      await client.request(`${base}/raise`, { form: { ...hiddenInputsOf(check), _step: 'confirm' } }),
    );
    expect(titleOf(raised)).toBe('Case SEF-WEB-TIMING-1 - Resolve');
    const id = /\/cases\/([0-9a-f-]{36})$/.exec(raised.url)![1];
    let view: { deadline?: { explanation: string } } = {};
    for (let i = 0; i < 50 && !view.deadline; i++) {
      const res = await fetch(`${base}/escalations/${id}`, {
        headers: { authorization: await web.stack.as(raiser), accept: 'application/json' },
      });
      view = (await res.json()) as typeof view;
      if (!view.deadline) await new Promise((r) => setTimeout(r, 200));
    }
    expect(view.deadline!.explanation).toMatch(/when the concern was identified/);
    expect(view.deadline!.explanation).toMatch(/protects the child from harm/);

    // The head of service may start the case at step 3.
    const head = new WebClient();
    await head.signIn(base, person(S, 'csc', 'head-of-service'));
    const headForm = track(await head.get(`${base}/raise?protocol=${TIMING}`));
    expect(headForm.html).toContain('Which step does the case start at?');
    expect(headForm.html).toMatch(/Step 3: /);
  });

  it('keeps personal details out of every URL and page title', () => {
    expect(visited.length).toBeGreaterThan(10);
    for (const page of visited) {
      for (const url of page.visited) expect(url).not.toMatch(/Webtestchild|2016-02-29|strategy/i);
      expect(titleOf(page)).not.toMatch(/Webtestchild|2016/);
    }
  });

  it('answers the API as before: JSON for a bearer token on an email link path', async () => {
    const res = await fetch(`${base}/escalations/${caseId}`, {
      headers: { authorization: await web.stack.as(raiser), accept: 'text/html,application/json' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { reference: string }).reference).toBe('SEF-WEB-0001');
  });
});
