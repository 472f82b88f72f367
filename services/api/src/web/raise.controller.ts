import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { listProtocols, type AgencyRole, type Protocol } from '@resolve/protocols';
import { ApiError, STATUS_BY_CODE } from '../common/api-error';
import { logger } from '../common/logger';
import type { RaiseEscalationDto } from '../escalations/dto/raise-escalation.dto';
import { IMMEDIATE_RISK_REMINDER } from '../escalations/escalation-commands.service';
import { instantOf, type FieldError } from './case-actions';
import { pageContext } from './page-context';
import { WebApplication } from './web-application';
import { WebAudit } from './web-audit';
import { WebExceptionFilter } from './web-exception.filter';
import { WebRenderer } from './web-renderer';
import type { SignedInRequest } from './web-request';
import { WebSessions } from './web-sessions';
import { WebSignedInGuard } from './web-signed-in.guard';

const REFERENCE = /^(?=.*\d)[A-Z0-9][A-Z0-9-]{2,39}$/;
const SUBJECT_KINDS = [
  { value: 'child', text: 'A child' },
  { value: 'children', text: 'Children' },
  { value: 'adult', text: 'An adult' },
  { value: 'none', text: 'No one person (a practice or strategic issue)' },
];

/** The API's field names in its validation messages, and the form field each belongs to. */
const FIELD_OF_API_MESSAGE: [RegExp, string][] = [
  [/^reference/, 'reference'],
  [/^receiving(Agency|Person)Id/, 'receiver'],
  [/^raisingAgencyId/, 'raisingAgency'],
  [/^category/, 'category'],
  [/^protocolId/, 'protocol'],
  [/^natureOfConcern/, 'natureOfConcern'],
  [/^outcomesSought/, 'outcomesSought'],
  [/^startAtTier/, 'startAtTier'],
  [/^concernIdentifiedReason/, 'concernIdentifiedReason'],
  [/^concernIdentifiedAt/, 'concernIdentifiedAt-day'],
  [/^protectiveDeadline/, 'protectiveDeadline-day'],
];

/** The date-and-time fields of the raise, each as day, month, year and time parts. */
const TIMED_FIELDS = [
  { name: 'concernIdentifiedAt', label: 'When the concern was identified', time: '09:00' },
  { name: 'protectiveDeadline', label: 'Timescale that protects the child', time: '17:00' },
] as const;

/**
 * What the chosen protocol lets this person give on the raise, beyond the usual fields: when the
 * concern was identified (the protocol sets a limit), a later starting step (the protocol names
 * one of their roles for it), and a protective timescale (a step they could start at names one
 * of their roles for it). The API's raise command decides again; this only decides what to ask.
 */
export function raiseOffers(protocol: Protocol | undefined, callerRoles: readonly AgencyRole[]) {
  if (!protocol)
    return { concernIdentified: false, concernIdentifiedLimit: null, entryTiers: [], protective: false };
  const holds = (roles: readonly string[]) => callerRoles.some((r) => roles.includes(r));
  const entryTiers = [
    ...new Map(
      protocol.tiers
        .filter((t) => t.number > 1 && t.entry && holds(t.entry.roles))
        .map((t) => [t.number, { value: String(t.number), text: `Step ${t.number}: ${t.title}` }]),
    ).values(),
  ];
  const startNumbers = [1, ...entryTiers.map((t) => Number(t.value))];
  const protective = protocol.tiers.some(
    (t) => startNumbers.includes(t.number) && !!t.protectiveDeadline && holds(t.protectiveDeadline.setBy),
  );
  const limit = protocol.counting.identifiedAtNoEarlierThanWorkingDays;
  return {
    concernIdentified: limit !== undefined,
    concernIdentifiedLimit: limit ?? null,
    entryTiers,
    protective,
  };
}

/**
 * Raise an escalation: the protocol's categories, the agency and person it is raised with, the
 * nature of the concern and the outcome sought (both kept in Postgres only), and the immediate
 * risk question with the reminder of the statutory route. The API's raise command decides.
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@UseGuards(WebSignedInGuard)
@Controller('raise')
export class RaiseController {
  private readonly audit: WebAudit;

  constructor(
    private readonly app: WebApplication,
    private readonly renderer: WebRenderer,
    private readonly sessions: WebSessions,
  ) {
    this.audit = new WebAudit(app);
  }

  private protocols(req: SignedInRequest) {
    return listProtocols().filter((p) => p.partnership.id === req.web.caller.partnershipId);
  }

  @Get()
  async form(@Req() req: SignedInRequest, @Res() res: Response, @Query('protocol') protocolId?: string) {
    const protocols = this.protocols(req);
    const chosen = protocols.find((p) => p.id === protocolId) ?? protocols[0];
    await this.render(req, res, { protocol: chosen?.id ?? '', immediateRisk: '' }, []);
  }

  @Post()
  async raise(@Req() req: SignedInRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    const values: Record<string, string> = Object.fromEntries(
      [
        'protocol',
        'reference',
        'raisingAgency',
        'receiver',
        'category',
        'natureOfConcern',
        'outcomesSought',
        'immediateRisk',
        'subjectKind',
        'subjectName',
        'dob-day',
        'dob-month',
        'dob-year',
        'caseIdentifier',
        'startAtTier',
        'concernIdentifiedReason',
        ...TIMED_FIELDS.flatMap((f) => ['day', 'month', 'year', 'time'].map((p) => `${f.name}-${p}`)),
        '_key',
      ].map((k) => [k, text(k)]),
    );
    const step = text('_step');
    values.reference = values.reference.toUpperCase();
    const errors: FieldError[] = [];
    const protocols = this.protocols(req);
    const protocol = protocols.find((p) => p.id === values.protocol);
    if (!protocol) errors.push({ name: 'protocol', text: 'Select the protocol' });
    if (!values.reference) errors.push({ name: 'reference', text: 'Enter the case reference' });
    else if (!REFERENCE.test(values.reference))
      errors.push({
        name: 'reference',
        text: 'Case reference must be 3 to 40 letters, digits and hyphens, with at least one digit (not a name)',
      });
    const raisingAgencies = this.raisingAgencies(req);
    if (!values.raisingAgency && raisingAgencies.length === 1) values.raisingAgency = raisingAgencies[0];
    if (!raisingAgencies.includes(values.raisingAgency))
      errors.push({ name: 'raisingAgency', text: 'Select the agency you are raising it for' });
    const [receivingAgencyId, receivingPersonId] = values.receiver.split('|');
    if (!receivingAgencyId || !receivingPersonId)
      errors.push({ name: 'receiver', text: 'Select the person you are raising it with' });
    if (protocol && !protocol.categories.some((c) => c.id === values.category))
      errors.push({ name: 'category', text: 'Select what the disagreement is about' });
    if (!values.natureOfConcern)
      errors.push({ name: 'natureOfConcern', text: 'Enter the nature of the concern' });
    if (!values.outcomesSought)
      errors.push({ name: 'outcomesSought', text: 'Enter the outcome you are seeking' });
    if (values.immediateRisk !== 'yes' && values.immediateRisk !== 'no')
      errors.push({
        name: 'immediateRisk',
        text: 'Select yes if a child or adult is at immediate risk of harm',
      });
    for (const name of ['natureOfConcern', 'outcomesSought'])
      if (values[name].length > 10_000) errors.push({ name, text: 'Must be 10,000 characters or fewer' });
    const subjectKind = SUBJECT_KINDS.some((k) => k.value === values.subjectKind)
      ? values.subjectKind
      : 'none';
    let dateOfBirth: string | undefined;
    const dob = [values['dob-year'], values['dob-month'], values['dob-day']];
    if (dob.some(Boolean)) {
      const iso = `${dob[0]}-${dob[1].padStart(2, '0')}-${dob[2].padStart(2, '0')}`;
      const date = new Date(`${iso}T00:00:00Z`);
      if (
        !/^\d{4}-\d{2}-\d{2}$/.test(iso) ||
        Number.isNaN(date.getTime()) ||
        date.toISOString().slice(0, 10) !== iso ||
        date > new Date()
      )
        errors.push({ name: 'dob-day', text: 'Date of birth must be a real date in the past' });
      else dateOfBirth = iso;
    }
    if (values.subjectName.length > 200)
      errors.push({ name: 'subjectName', text: 'Name must be 200 characters or fewer' });
    if (values.caseIdentifier.length > 100)
      errors.push({ name: 'caseIdentifier', text: 'Case identifier must be 100 characters or fewer' });
    const instants = this.checkTiming(req, values, protocol, errors);
    if (errors.length || step === 'edit') return this.render(req, res, values, errors);
    if (step !== 'confirm') return this.renderCheck(req, res, values, protocol!, subjectKind, dateOfBirth);

    const dto: RaiseEscalationDto = {
      protocolId: protocol!.id,
      reference: values.reference,
      raisingAgencyId: values.raisingAgency,
      receivingAgencyId,
      receivingPersonId,
      category: values.category,
      natureOfConcern: values.natureOfConcern,
      outcomesSought: values.outcomesSought,
      immediateRisk: values.immediateRisk === 'yes',
      ...(values.startAtTier && values.startAtTier !== '1'
        ? { startAtTier: Number(values.startAtTier) }
        : {}),
      ...(instants.concernIdentifiedAt
        ? {
            concernIdentifiedAt: instants.concernIdentifiedAt,
            concernIdentifiedReason: values.concernIdentifiedReason,
          }
        : {}),
      ...(instants.protectiveDeadline ? { protectiveDeadline: instants.protectiveDeadline } : {}),
      subject: {
        kind: subjectKind as 'child' | 'children' | 'adult' | 'none',
        people: values.subjectName
          ? [{ name: values.subjectName, ...(dateOfBirth ? { dateOfBirth } : {}) }]
          : [],
        ...(values.caseIdentifier ? { caseIdentifier: values.caseIdentifier } : {}),
      },
    };
    // The form's key: sending the same form twice raises one escalation.
    const key = /^[0-9a-f-]{36}$/.test(values._key) ? values._key : randomUUID();
    let raised;
    try {
      raised = await this.app.commands.raise(req.web.caller, dto, key);
    } catch (err) {
      await this.audit
        .record(req, {
          action: 'escalation.raise',
          outcome: err instanceof ApiError ? STATUS_BY_CODE[err.code] : 500,
          detail: { error: err instanceof ApiError ? err.code : 'internal' },
        })
        .catch(() => logger.error('audit row could not be written', { action: 'escalation.raise' }));
      if (err instanceof ApiError && err.code !== 'unavailable') {
        // The raise's timing fields are refused together, "field: why; field: why".
        const problems = err.message.split(/; (?=[A-Za-z.]+: )/);
        return this.render(
          req,
          res,
          values,
          problems.map((problem) => {
            const field = FIELD_OF_API_MESSAGE.find(([re]) => re.test(problem))?.[1] ?? 'protocol';
            const message = problem.replace(/^[A-Za-z.]+: /, '');
            return { name: field, text: `${message.charAt(0).toUpperCase()}${message.slice(1)}` };
          }),
        );
      }
      throw err;
    }
    await this.audit
      .record(req, { action: 'escalation.raise', outcome: 201, escalation: raised })
      .catch(() => logger.error('audit row could not be written', { action: 'escalation.raise' }));
    await this.sessions.update(req.web.session, {
      flash: `Escalation ${raised.reference} raised.${dto.immediateRisk ? ` ${IMMEDIATE_RISK_REMINDER}` : ''}`,
    });
    res.redirect(303, `/cases/${raised.id}`);
  }

  /**
   * The optional timing and entry answers: each date real, a reason with an earlier start, a
   * starting step the page offered. Returns the instants; problems go to `errors`.
   */
  private checkTiming(
    req: SignedInRequest,
    values: Record<string, string>,
    protocol: Protocol | undefined,
    errors: FieldError[],
  ) {
    const instants: Partial<Record<(typeof TIMED_FIELDS)[number]['name'], string>> = {};
    for (const field of TIMED_FIELDS) {
      const [day, month, year, time] = ['day', 'month', 'year', 'time'].map(
        (p) => values[`${field.name}-${p}`],
      );
      if (![day, month, year].some(Boolean)) continue;
      const instant = instantOf(day, month, year, time || field.time);
      if (!instant)
        errors.push({
          name: `${field.name}-day`,
          text: `${field.label} must be a real date, and the time like ${field.time}`,
        });
      else instants[field.name] = instant;
    }
    const concernDateGiven = ['day', 'month', 'year'].some((p) => values[`concernIdentifiedAt-${p}`]);
    if (concernDateGiven && !values.concernIdentifiedReason)
      errors.push({
        name: 'concernIdentifiedReason',
        text: 'Enter why the clock starts when the concern was identified',
      });
    if (values.concernIdentifiedReason.length > 2000)
      errors.push({ name: 'concernIdentifiedReason', text: 'Reason must be 2,000 characters or fewer' });
    if (values.concernIdentifiedReason && !concernDateGiven)
      errors.push({
        name: 'concernIdentifiedAt-day',
        text: 'Enter when the concern was identified, or leave the reason empty',
      });
    if (values.startAtTier && values.startAtTier !== '1') {
      const offered = raiseOffers(protocol, this.callerRoles(req)).entryTiers;
      if (!offered.some((t) => t.value === values.startAtTier))
        errors.push({ name: 'startAtTier', text: 'Select a step the protocol lets you start at' });
    }
    return instants;
  }

  /** Every role the person holds in their agencies: what the raise's extra fields are offered for. */
  private callerRoles(req: SignedInRequest): AgencyRole[] {
    return [...new Set(req.web.caller.agencyRoles.map((r) => r.role))];
  }

  private raisingAgencies(req: SignedInRequest): string[] {
    return [...new Set(req.web.caller.agencyRoles.map((r) => r.agencyId))];
  }

  private async render(
    req: SignedInRequest,
    res: Response,
    values: Record<string, string>,
    errors: FieldError[],
  ) {
    const { caller } = req.web;
    const protocols = this.protocols(req);
    const protocol = protocols.find((p) => p.id === values.protocol) ?? protocols[0];
    const [agencies, people] = await Promise.all([
      this.app.directory.agencies(caller, caller.partnershipId),
      this.app.directory.people(caller, caller.partnershipId),
    ]);
    const mine = this.raisingAgencies(req);
    // Everyone in another agency of the partnership, grouped by agency: choosing the person
    // chooses the agency (value "agency|person"), so the form needs no script.
    const receivers = agencies
      .filter((a) => !mine.includes(a.id))
      .map((a) => ({
        label: a.name,
        people: people
          .filter((p) => p.agencyRoles.some((r) => r.agencyId === a.id))
          .map((p) => ({
            value: `${a.id}|${p.id}`,
            text: `${p.displayName} (${p.agencyRoles
              .filter((r) => r.agencyId === a.id)
              .map((r) => r.role.replace(/-/g, ' '))
              .join(', ')})`,
          })),
      }));
    this.renderer.page(
      res,
      'raise.njk',
      {
        ...pageContext(req, 'raise'),
        title: 'Raise an escalation',
        values: { ...values, _key: values._key || randomUUID() },
        errors: Object.fromEntries(errors.map((e) => [e.name, e.text])),
        errorList: errors.map((e) => ({ text: e.text, href: `#${e.name}` })),
        protocols: protocols.map((p) => ({ value: p.id, text: p.title })),
        protocol,
        raisingAgencies: agencies
          .filter((a) => mine.includes(a.id))
          .map((a) => ({ value: a.id, text: a.name })),
        receivers,
        subjectKinds: SUBJECT_KINDS,
        reminder: IMMEDIATE_RISK_REMINDER,
        offers: raiseOffers(protocol, this.callerRoles(req)),
      },
      errors.length ? 400 : 200,
    );
  }

  /** Check your answers, before anything is sent: every answer, and the form's values to send on. */
  private async renderCheck(
    req: SignedInRequest,
    res: Response,
    values: Record<string, string>,
    protocol: Protocol,
    subjectKind: string,
    dateOfBirth: string | undefined,
  ) {
    const { caller } = req.web;
    const [agencies, people] = await Promise.all([
      this.app.directory.agencies(caller, caller.partnershipId),
      this.app.directory.people(caller, caller.partnershipId),
    ]);
    const agencyName = (id: string) => agencies.find((a) => a.id === id)?.name ?? id;
    const [receivingAgencyId, receivingPersonId] = values.receiver.split('|');
    const receiver = people.find((p) => p.id === receivingPersonId)?.displayName ?? receivingPersonId;
    const when = (name: string, time: string) => {
      const instant = instantOf(
        values[`${name}-day`],
        values[`${name}-month`],
        values[`${name}-year`],
        values[`${name}-time`] || time,
      );
      return instant ? this.renderer.localTime(instant) : null;
    };
    const offers = raiseOffers(protocol, this.callerRoles(req));
    const row = (key: string, value: string) => ({ key: { text: key }, value: { text: value } });
    const who = [
      SUBJECT_KINDS.find((k) => k.value === subjectKind)?.text ?? subjectKind,
      values.subjectName,
      dateOfBirth ? `born ${dateOfBirth.split('-').reverse().join('/')}` : '',
      values.caseIdentifier ? `case identifier ${values.caseIdentifier}` : '',
    ].filter(Boolean);
    const rows = [
      row('Protocol', protocol.title),
      row('Case reference', values.reference),
      row('Raised for', agencyName(values.raisingAgency)),
      row('Raised with', `${receiver}, ${agencyName(receivingAgencyId)}`),
      row(
        'What the disagreement is about',
        protocol.categories.find((c) => c.id === values.category)?.label ?? values.category,
      ),
      row('Nature of the concern', values.natureOfConcern),
      row('Outcome you are seeking', values.outcomesSought),
      row('Who the disagreement is about', who.join(', ')),
      row('Immediate risk of harm', values.immediateRisk === 'yes' ? 'Yes' : 'No'),
      ...(offers.entryTiers.length
        ? [
            row(
              'Starting step',
              offers.entryTiers.find((t) => t.value === values.startAtTier)?.text ??
                `Step 1: ${protocol.tiers[0].title}`,
            ),
          ]
        : []),
      ...(offers.concernIdentified
        ? [
            row(
              'When the concern was identified',
              when('concernIdentifiedAt', '09:00') ?? 'When it is raised',
            ),
            ...(values.concernIdentifiedReason
              ? [row('Why the clock starts then', values.concernIdentifiedReason)]
              : []),
          ]
        : []),
      ...(offers.protective
        ? [row('Timescale that protects the child', when('protectiveDeadline', '17:00') ?? 'None')]
        : []),
    ];
    this.renderer.page(res, 'raise-check.njk', {
      ...pageContext(req, 'raise'),
      title: 'Check your answers before you raise the escalation',
      rows,
      hidden: Object.entries(values).filter(([k]) => k !== '_step'),
      immediateRisk: values.immediateRisk === 'yes',
      reminder: IMMEDIATE_RISK_REMINDER,
    });
  }
}
