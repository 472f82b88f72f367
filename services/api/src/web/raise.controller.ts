import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { listProtocols } from '@resolve/protocols';
import { ApiError, STATUS_BY_CODE } from '../common/api-error';
import { logger } from '../common/logger';
import type { RaiseEscalationDto } from '../escalations/dto/raise-escalation.dto';
import { IMMEDIATE_RISK_REMINDER } from '../escalations/escalation-commands.service';
import type { FieldError } from './case-actions';
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
];

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
        '_key',
      ].map((k) => [k, text(k)]),
    );
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
    if (errors.length) return this.render(req, res, values, errors);

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
        const field = FIELD_OF_API_MESSAGE.find(([re]) => re.test(err.message))?.[1] ?? 'protocol';
        const message = err.message.replace(/^[A-Za-z.]+: /, '');
        return this.render(req, res, values, [
          { name: field, text: `${message.charAt(0).toUpperCase()}${message.slice(1)}` },
        ]);
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
      },
      errors.length ? 400 : 200,
    );
  }
}
