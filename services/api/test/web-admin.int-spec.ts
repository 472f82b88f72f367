import { DEMO_SECOND_ADMINISTRATOR } from '@resolve/persistence';
import { personRef } from '../src/web/directory-forms';
import { person, raiseBody } from './support/harness';
import {
  decodeEntities,
  errorSummaryOf,
  startWebStack,
  titleOf,
  WebClient,
  type Page,
  type WebStack,
} from './web-support';

/**
 * The partnership administrator's directory pages over HTTP against the real stack, and the
 * case page's nature of concern under need-to-know. The pages call the directory API's own
 * service: its request rules (the DTOs), its refusals (no role granted to one's own account) and
 * its audit entries with before and after.
 */
jest.setTimeout(300_000);

const S = 'sefton-sscp';
const admin = person(S, null, 'partnership-administrator');
const practitioner = person(S, 'csc', 'practitioner');
const NEW_NAME = 'Dana Webadminperson';
const NEW_EMAIL = 'dana.webadminperson@police.example';
const NEW_ID = 'sefton-sscp-police-dana-webadminperson';

/** The check page's hidden answers, as its Confirm button sends them. */
function hiddenAnswers(page: Page): Record<string, string> {
  return Object.fromEntries(
    [...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, k, v]) => [
      k,
      decodeEntities(v),
    ]),
  );
}

let web: WebStack;
let base: string;

beforeAll(async () => {
  web = await startWebStack();
  base = web.baseUrl;
});

afterAll(async () => {
  await web?.stop();
});

describe('Directory pages for the partnership administrator', () => {
  let client: WebClient;
  const visited: Page[] = [];
  const track = (page: Page) => (visited.push(page), page);

  beforeAll(async () => {
    client = new WebClient();
    await client.signIn(base, admin);
  });

  /** Sends a form to its check page, then confirms it. Returns the page after confirming. */
  async function submitAndConfirm(path: string, answers: Record<string, string>) {
    const form = track(await client.get(`${base}${path}`));
    expect(form.status).toBe(200);
    const check = track(await client.post(`${base}${path}`, form, { _step: 'check', ...answers }));
    if (check.status !== 200 || !titleOf(check).startsWith('Check your answers')) return check;
    return track(
      await client.request(`${base}${path}`, { form: { ...hiddenAnswers(check), _step: 'confirm' } }),
    );
  }

  const directoryAudit = () =>
    web.stack.db.dataSource.query(
      `SELECT action, outcome, person_id AS "personId", detail FROM audit_log WHERE action LIKE 'directory.%' ORDER BY seq`,
    ) as Promise<{ action: string; outcome: number; personId: string; detail: Record<string, unknown> }[]>;

  it('lists agencies and people with their contact details, reached from the navigation', async () => {
    const cases = track(await client.get(`${base}/cases`));
    expect(cases.html).toContain('href="/directory"');
    const agencies = track(await client.get(`${base}/directory`));
    expect(agencies.status).toBe(200);
    expect(titleOf(agencies)).toBe('Agencies - Resolve');
    expect(agencies.html).toContain('(SSCP) Police</a>');
    const people = track(await client.get(`${base}/directory/people`));
    expect(titleOf(people)).toBe('People - Resolve');
    expect(people.html).toContain(`police.practitioner@${S}.resolve.test`);
    const agency = track(await client.get(`${base}/directory/agencies/${S}-police`));
    expect(agency.status).toBe(200);
    expect(agency.html).toContain('Police practitioner');
  });

  it('adds an agency: each problem named, a check page, then the agency; a second with its id is refused', async () => {
    const form = track(await client.get(`${base}/directory/add-agency`));
    const empty = track(await client.post(`${base}/directory/add-agency`, form, { _step: 'check' }));
    expect(empty.status).toBe(400);
    expect(titleOf(empty)).toBe('Error: Add an agency - Resolve');
    expect(errorSummaryOf(empty)).toEqual([
      'Enter agency name',
      'Enter directory id',
      'Select kind of agency',
    ]);
    expect(empty.html).toContain('id="name-error"');
    const badId = track(
      await client.post(`${base}/directory/add-agency`, form, {
        _step: 'check',
        name: 'Sefton Youth Justice',
        id: 'Sefton Youth',
        kind: 'other',
      }),
    );
    expect(errorSummaryOf(badId)).toEqual([
      'Directory id must be lower-case words joined by hyphens, e.g. "sefton-police"',
    ]);

    const added = await submitAndConfirm('/directory/add-agency', {
      name: 'Sefton Youth Justice',
      id: 'sefton-sscp-youth-justice',
      kind: 'other',
    });
    expect(added.url).toBe(`${base}/directory/agencies/sefton-sscp-youth-justice`);
    expect(added.html).toContain('Agency added.');
    expect(titleOf(added)).toBe('Sefton Youth Justice - Resolve');

    const again = await submitAndConfirm('/directory/add-agency', {
      name: 'Another',
      id: 'sefton-sscp-youth-justice',
      kind: 'other',
    });
    expect(again.status).toBe(409);
    expect(errorSummaryOf(again)).toEqual([
      'Directory id: an agency "sefton-sscp-youth-justice" already exists',
    ]);
  });

  let personPath: string;

  it('adds a person, changes their contact details and gives and removes a role, each audited with before and after', async () => {
    // The directory service's own rule: text messages need a phone number.
    const noPhone = await submitAndConfirm('/directory/add-person', {
      displayName: NEW_NAME,
      email: NEW_EMAIL,
      channels: 'sms',
      smsOutOfHours: 'no',
      id: NEW_ID,
      identitySubject: 'entra-oid-0042',
    });
    expect(noPhone.status).toBe(400);
    expect(errorSummaryOf(noPhone)).toEqual(['Mobile phone number: required when channels include sms']);
    expect(noPhone.html).toContain('href="#phone"');

    const added = await submitAndConfirm('/directory/add-person', {
      displayName: NEW_NAME,
      email: NEW_EMAIL,
      channels: 'email',
      smsOutOfHours: 'no',
      id: NEW_ID,
      identitySubject: 'entra-oid-0042',
    });
    expect(added.html).toContain('Person added.');
    expect(decodeEntities(titleOf(added))).toBe("Person's details - Resolve");
    expect(added.html).toContain(NEW_NAME);
    personPath = new URL(added.url).pathname;
    expect(personPath).toMatch(/^\/directory\/people\/[A-Za-z0-9_-]{22}$/);

    const bad = track(
      await client.post(`${base}${personPath}/contact`, added, {
        _step: 'check',
        displayName: NEW_NAME,
        email: 'not an address',
        channels: 'email',
      }),
    );
    expect(errorSummaryOf(bad)).toEqual(['Email address must be an email address']);
    const changed = await submitAndConfirm(`${personPath}/contact`, {
      displayName: NEW_NAME,
      email: 'dana.w@police.example',
      phone: '+447700900123',
      channels: 'email,sms',
      smsOutOfHours: 'yes',
    });
    expect(changed.url).toBe(`${base}${personPath}`);
    expect(changed.html).toContain('Contact details changed.');
    expect(changed.html).toContain('dana.w@police.example');
    expect(changed.html).toContain('+447700900123');

    const requested = await submitAndConfirm(`${personPath}/agency-role`, {
      agencyId: `${S}-police`,
      role: 'line-manager',
    });
    expect(requested.html).toContain(
      'Role requested. It is given when another partnership administrator approves it.',
    );
    expect(requested.html).toContain('No roles: this person sees no cases.');
    // The one who asked sees it waiting, without an Approve button.
    const waitingForMe = track(await client.get(`${base}/directory/role-requests`));
    expect(waitingForMe.html).toContain('You asked for this role: another administrator must approve it.');
    expect(waitingForMe.html).not.toContain('>Approve');
    // A second administrator approves it.
    const second = new WebClient();
    await second.signIn(base, person(S, null, DEMO_SECOND_ADMINISTRATOR));
    const waiting = track(await second.get(`${base}/directory/role-requests`));
    expect(titleOf(waiting)).toBe('Roles waiting for approval - Resolve');
    expect(waiting.html).toContain(NEW_NAME);
    const approveAction = /action="(\/directory\/role-requests\/[0-9a-f-]{36}\/approve)"/.exec(
      waiting.html,
    )![1];
    const approved = track(await second.post(`${base}${approveAction}`, waiting, {}));
    expect(approved.html).toContain('Role approved and given.');
    expect(approved.html).toContain('No role is waiting for approval');

    const granted = track(await client.get(`${base}${personPath}`));
    expect(granted.html).toMatch(/\(SSCP\) Police<\/td>\s*<td class="govuk-table__cell">line manager/);
    const twice = await submitAndConfirm(`${personPath}/agency-role`, {
      agencyId: `${S}-police`,
      role: 'line-manager',
    });
    expect(twice.status).toBe(409);
    expect(errorSummaryOf(twice)[0]).toMatch(/already holds line-manager/);

    // Line management: the service's rule (a manager above practitioner in one of their agencies).
    const notAManager = await submitAndConfirm(`${personPath}/line-manager`, { lineManagerId: practitioner });
    expect(notAManager.status).toBe(400);
    expect(errorSummaryOf(notAManager)[0]).toMatch(/^Line manager: .*holds no role above practitioner/);
    const managed = await submitAndConfirm(`${personPath}/line-manager`, {
      lineManagerId: person(S, 'police', 'line-manager'),
    });
    expect(managed.html).toContain('Line manager changed.');
    expect(managed.html).toMatch(
      /Line manager\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Police line manager/,
    );

    const removeHref = /href="(\/directory\/people\/[^"]+\/roles\/[0-9a-f-]{36}\/remove)"/.exec(
      granted.html,
    )![1];
    const confirmRemoval = track(await client.get(`${base}${removeHref}`));
    expect(titleOf(confirmRemoval)).toBe('Are you sure you want to remove this role? - Resolve');
    const removed = track(await client.post(`${base}${removeHref}`, confirmRemoval, {}));
    expect(removed.html).toContain('Role removed.');
    expect(removed.html).toContain('No roles: this person sees no cases.');

    const audit = await directoryAudit();
    const mine = audit.filter((r) => r.personId === admin);
    expect(mine.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'directory.agency-created',
        'directory.person-created',
        'directory.person-updated',
        'directory.role-requested',
        'directory.role-removed',
        'directory.line-manager-set',
      ]),
    );
    const update = mine.find((r) => r.action === 'directory.person-updated')!;
    expect(update.detail).toMatchObject({
      personId: NEW_ID,
      before: { email: NEW_EMAIL, channels: ['email'] },
      after: { email: 'dana.w@police.example', channels: ['email', 'sms'] },
    });
  });

  it("refuses a role to the administrator's own account, as the API does, and audits the refusal", async () => {
    const people = await client.get(`${base}/directory/people`);
    // The administrator's own row, found by the reference the pages derive from their id.
    const own = `/directory/people/${personRef(admin)}`;
    expect(people.html).toContain(`href="${own}"`);
    const refused = await submitAndConfirm(`${own}/partnership-role`, { role: 'business-manager' });
    expect(refused.status).toBe(403);
    expect(titleOf(refused)).toBe('Error: Give a partnership role - Resolve');
    expect(errorSummaryOf(refused)).toEqual([
      'An administrator cannot grant a role to their own account; another partnership administrator must',
    ]);
    const audit = await directoryAudit();
    expect(audit.filter((r) => r.action === 'directory.grant-refused' && r.personId === admin)).toHaveLength(
      1,
    );
  });

  it('shows the directory to no one else: a "no permission" page, not an error', async () => {
    const other = new WebClient();
    const cases = await other.signIn(base, practitioner);
    expect(cases.html).not.toContain('href="/directory"');
    for (const path of ['/directory', '/directory/people', '/directory/add-person', personPath]) {
      const page = track(await other.get(`${base}${path}`));
      expect(page.status).toBe(403);
      expect(titleOf(page)).toBe('You do not have permission to see this page - Resolve');
      expect(page.html).not.toContain(NEW_EMAIL);
    }
    const sent = track(
      await other.post(`${base}/directory/add-agency`, cases, {
        _step: 'confirm',
        name: 'Rogue',
        id: 'sefton-sscp-rogue',
        kind: 'other',
      }),
    );
    expect(sent.status).toBe(403);
    // And a form without the session's CSRF token is refused before anything is read.
    const forged = await client.request(`${base}/directory/add-agency`, {
      form: { _step: 'confirm', name: 'Forged', id: 'sefton-sscp-forged', kind: 'other' },
    });
    expect(forged.status).toBe(400);
    const agencies = await client.get(`${base}/directory`);
    expect(agencies.html).not.toMatch(/Rogue|Forged/);
  });

  it('keeps names, emails and ids of people out of every URL and page title', () => {
    expect(visited.length).toBeGreaterThan(15);
    for (const page of visited) {
      for (const url of page.visited) expect(url).not.toMatch(/dana|webadmin|police\.example|practitioner/i);
      expect(titleOf(page)).not.toMatch(/dana|webadmin|@/i);
    }
  });
});

describe('The nature of the concern on the case page', () => {
  let caseId: string;
  const NATURE = 'Disagreement about whether the threshold for a strategy discussion is met.';

  beforeAll(async () => {
    const res = await web.stack
      .http()
      .post('/escalations')
      .set('Authorization', await web.stack.as(practitioner))
      .send(raiseBody(S, 'SEF-CONCERN-1'))
      .expect(201);
    caseId = res.body.id;
  });

  it.each([
    ['the raiser', practitioner],
    ['the receiver', person(S, 'police', 'practitioner')],
    ["the partnership's business manager", person(S, null, 'business-manager')],
  ])('shows it to %s', async (_who, subject) => {
    const client = new WebClient();
    await client.signIn(base, subject);
    const page = await client.get(`${base}/cases/${caseId}`);
    expect(page.status).toBe(200);
    expect(decodeEntities(page.html)).toContain(NATURE);
    expect(page.html).toContain('A strategy discussion is held.');
    expect(titleOf(page)).toBe('Case SEF-CONCERN-1 - Resolve');
  });

  it.each([
    ['a practitioner of an agency not party to it', person(S, 'health', 'practitioner')],
    ['a practitioner of another agency of the partnership', person(S, 'school', 'practitioner')],
    ['a board member of the raising agency, before the step it acts at', person(S, 'csc', 'board-member')],
    ['the partnership administrator', admin],
  ])('shows nothing of it to %s', async (_who, subject) => {
    const client = new WebClient();
    await client.signIn(base, subject);
    const page = await client.get(`${base}/cases/${caseId}`);
    expect(page.status).toBe(404);
    expect(page.html).not.toContain('strategy discussion');
    expect(page.html).not.toContain('SEF-CONCERN-1');
  });

  it('keeps it off the list of cases', async () => {
    const client = new WebClient();
    await client.signIn(base, practitioner);
    const list = await client.get(`${base}/cases`);
    expect(list.html).toContain('SEF-CONCERN-1');
    expect(list.html).not.toContain('strategy discussion');
  });
});
