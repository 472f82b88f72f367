import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { messageVariables, riskNotice, type ProtocolInfo } from './message-content';
import type { EscalationFacts } from './recipients';
import {
  escapeHtml,
  loadTemplates,
  renderEmail,
  renderSms,
  renderTemplate,
  SMS_VARIABLES,
  TEMPLATE_EVENTS,
  TemplateError,
} from './templates';

const escalation: EscalationFacts = {
  id: '5b0c3c1e-8d1a-4c36-9a53-3f2f1a7c9e01',
  reference: 'SEF-2026-0042',
  partnershipId: 'sefton',
  partnershipName: 'Sefton',
  emailDetail: 'reference-only',
  protocolId: 'sefton-sscp',
  protocolVersion: 1,
  category: 'thresholds',
  immediateRisk: false,
  tierNumber: 2,
  tierKey: 'step-2',
  raisingAgencyId: 'sefton-police',
  receivingAgencyId: 'sefton-csc',
  raisingPersonId: 'a',
  receivingPersonId: 'b',
};
const protocol: ProtocolInfo = {
  id: 'sefton-sscp',
  title: 'Sefton SSCP Escalating Concerns',
  audience: 'children',
  nation: 'england-and-wales',
  categories: [{ id: 'thresholds', label: "Thresholds: whether the child's needs meet the threshold" }],
  tiers: [
    { number: 1, key: 'step-1', title: 'Step 1: professional to professional' },
    { number: 2, key: 'step-2', title: 'Step 2: manager to manager' },
  ],
};
const base = { escalation, protocol, tier: 2, publicBaseUrl: 'https://resolve.example.test/' } as const;
const failedVars = {
  failedRecipientName: 'Sam Jones',
  failedChannel: 'email',
  failedEventLabel: 'x',
  failedReason: '550 no',
};

describe('renderTemplate', () => {
  it('substitutes {{name}}, with spaces allowed inside the braces', () => {
    expect(
      renderTemplate('Case {{reference}} at {{ tier }}', { reference: 'R-1', tier: '2' }, { name: 't' }),
    ).toBe('Case R-1 at 2');
  });

  it('HTML-escapes values in HTML, and only values', () => {
    const out = renderTemplate(
      '<p title="{{x}}">{{x}}</p>',
      { x: `<script>alert("x")</script> & 'y'` },
      { name: 't', html: true },
    );
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>',
    );
    expect(renderTemplate('{{x}}', { x: '<b>' }, { name: 't' })).toBe('<b>');
  });

  it('a value is never expanded again (no template injection)', () => {
    expect(renderTemplate('{{a}}', { a: '{{b}}', b: 'secret' }, { name: 't' })).toBe('{{b}}');
  });

  it('a missing variable is a clear error naming the template and the variable', () => {
    expect(() =>
      renderTemplate(
        'Dear {{recipientName}}, {{reference}}',
        { reference: 'R' },
        { name: 'tier-entered/body.txt' },
      ),
    ).toThrow(
      new TemplateError(
        'Template tier-entered/body.txt uses {{recipientName}} but no value was given (available: reference)',
      ),
    );
  });

  it('a malformed placeholder is an error', () => {
    expect(() =>
      renderTemplate('Case {{ref-erence}}', { reference: 'R' }, { name: 'x/subject.txt' }),
    ).toThrow(/malformed placeholder/);
  });

  it('escapeHtml', () => {
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });
});

describe('the shipped templates', () => {
  const templates = loadTemplates();

  it('exist for every event, in four files', () => {
    expect(Object.keys(templates).sort()).toEqual([...TEMPLATE_EVENTS].sort());
    expect(TEMPLATE_EVENTS).toContain('delivery-failed');
  });

  // A lodged form's notice is the exception: no case reference, and a link to the form (below).
  const caseEvents = TEMPLATE_EVENTS.filter((e) => e !== 'lodged');

  it('lodged: names the form and links to it, with no case reference anywhere', () => {
    const link = 'https://resolve.example.test/lodged/0f1e2d3c-4b5a-4697-8877-665544332211';
    const vars = {
      ...messageVariables({ ...base, event: 'lodged' }, 'Sefton escalations mailbox'),
      ...failedVars,
      link,
      formTitle: 'Report to SSCP (Appendix 2)',
    };
    const email = renderEmail(templates, 'lodged', vars);
    expect(email.subject).toBe('Form lodged with you: Report to SSCP (Appendix 2)');
    expect(email.text).toContain('Dear Sefton escalations mailbox');
    expect(email.text).toContain(link);
    expect(email.html).toContain(`href="${link}"`);
    const sms = renderSms(templates, 'lodged', vars);
    expect(sms).toContain(link);
    for (const text of [email.subject, email.text, email.html, sms]) {
      expect(text).not.toContain('SEF-2026-0042');
      expect(text).not.toContain('/escalations/');
    }
  });

  it.each(caseEvents.map((e) => [e]))('%s renders with every variable provided', (event) => {
    const vars = { ...messageVariables({ ...base, event }, 'Alex Smith'), ...failedVars };
    const email = renderEmail(templates, event, vars);
    expect(email.subject).toContain('SEF-2026-0042');
    expect(email.subject).not.toMatch(/\n/);
    expect(email.text).toContain('Dear Alex Smith');
    expect(email.text).toContain(
      'https://resolve.example.test/escalations/5b0c3c1e-8d1a-4c36-9a53-3f2f1a7c9e01',
    );
    expect(email.html).toContain(
      'href="https://resolve.example.test/escalations/5b0c3c1e-8d1a-4c36-9a53-3f2f1a7c9e01"',
    );
    expect(email.text).not.toMatch(/\n{3,}/);
    expect(email.html).not.toMatch(/<p[^>]*>\s*<\/p>/);
    const sms = renderSms(templates, event, vars);
    expect(sms).toContain('SEF-2026-0042');
    expect(sms).toContain('/escalations/5b0c3c1e-8d1a-4c36-9a53-3f2f1a7c9e01');
  });

  it('the category appears only when the partnership allows it', () => {
    const only = renderEmail(
      templates,
      'tier-entered',
      messageVariables({ ...base, event: 'tier-entered' }, 'A'),
    );
    expect(only.text).not.toContain('Thresholds');
    const withCategory = renderEmail(
      templates,
      'tier-entered',
      messageVariables(
        {
          ...base,
          escalation: { ...escalation, emailDetail: 'reference-and-category' },
          event: 'tier-entered',
        },
        'A',
      ),
    );
    expect(withCategory.text).toContain("Category: Thresholds: whether the child's needs meet the threshold");
    expect(withCategory.html).toContain(
      'Category: Thresholds: whether the child&#39;s needs meet the threshold',
    );
  });

  it('tier wording comes from the protocol', () => {
    const email = renderEmail(
      templates,
      'tier-entered',
      messageVariables({ ...base, event: 'tier-entered' }, 'A'),
    );
    expect(email.text).toContain('tier 2 of Sefton SSCP Escalating Concerns: Step 2: manager to manager');
  });

  it('immediate-risk emails remind that a disagreement is not a safeguarding referral', () => {
    const email = renderEmail(
      templates,
      'immediate-risk-flagged',
      messageVariables({ ...base, event: 'immediate-risk-flagged' }, 'A'),
    );
    expect(email.text).toContain('raising a professional disagreement is not a child protection referral');
    expect(email.html).toContain('not a child protection referral');
    const adults = renderEmail(
      templates,
      'immediate-risk-flagged',
      messageVariables(
        { ...base, protocol: { ...protocol, audience: 'adults' }, event: 'immediate-risk-flagged' },
        'A',
      ),
    );
    expect(adults.text).toContain('not an adult safeguarding referral');
    // Any email about a case flagged as immediate risk carries it; others do not.
    const later = messageVariables(
      { ...base, escalation: { ...escalation, immediateRisk: true }, event: 'deadline-reminder' },
      'A',
    );
    expect(renderEmail(templates, 'deadline-reminder', later).text).toContain(riskNotice('children'));
    expect(
      renderEmail(
        templates,
        'deadline-reminder',
        messageVariables({ ...base, event: 'deadline-reminder' }, 'A'),
      ).text,
    ).not.toContain('Important:');
  });
});

describe('no personal details in SMS', () => {
  const templates = loadTemplates();

  it('SMS templates may only use the reference, the tier and the link', () => {
    expect([...SMS_VARIABLES].sort()).toEqual(['link', 'reference', 'tier']);
  });

  it.each(TEMPLATE_EVENTS.map((e) => [e]))(
    '%s: an SMS carries only fixed words, the reference, the tier and the link',
    (event) => {
      const vars: Record<string, string> = {
        ...messageVariables(
          { ...base, escalation: { ...escalation, emailDetail: 'reference-and-category' }, event },
          'Alex Smith',
        ),
        ...failedVars,
      };
      const sms = renderSms(templates, event, vars);
      for (const leak of [
        'Alex Smith',
        'Sam Jones',
        'Thresholds',
        'Sefton SSCP',
        'manager to manager',
        'Category',
      ]) {
        expect(sms).not.toContain(leak);
      }
      const template = readFileSync(path.join(__dirname, '..', 'templates', event, 'sms.txt'), 'utf8').trim();
      // Take the reference, tier and link out of the SMS: what is left is exactly the template's own words.
      const normalise = (t: string) => t.replace(/\s+/g, ' ').trim();
      const fixedWords = normalise(template.replace(/\{\{\s*\w+\s*\}\}/g, ''));
      const withoutValues = normalise(
        sms
          .replace(vars.reference, '')
          .replace(vars.link, '')
          .replace(/tier 2/, 'tier '),
      );
      expect(withoutValues).toBe(fixedWords);
      expect(sms.length - vars.link.length).toBeLessThanOrEqual(110);
    },
  );

  it('renderSms ignores any other variable the caller holds', () => {
    const custom = {
      'tier-entered': { 'subject.txt': '', 'body.txt': '', 'body.html': '', 'sms.txt': '{{recipientName}}' },
    } as never;
    expect(() =>
      renderSms(custom, 'tier-entered', {
        recipientName: 'Alex Smith',
        reference: 'R',
        tier: '1',
        link: 'l',
      }),
    ).toThrow(/uses \{\{recipientName\}\} but no value was given \(available: link, reference, tier\)/);
  });

  it('the notifier never reads the table of the child or adult (escalation_subject)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.spec.ts')) files.push(p);
      }
    };
    walk(__dirname);
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(f, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      expect({
        file: f,
        reads:
          /escalation_subject|EscalationSubjectEntity|nature_of_concern|outcomes_sought|case_identifier/.test(
            text,
          ),
      }).toEqual({
        file: f,
        reads: false,
      });
    }
  });
});
