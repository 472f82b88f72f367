import { formatLocal } from '@resolve/calendar';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { ActionKind } from '@resolve/domain';
import { ApiError, notFound, STATUS_BY_CODE } from '../common/api-error';
import { logger } from '../common/logger';
import { ESCALATION_STATUSES } from '../escalations/dto/list-escalations.query';
import { knownProtocol } from '../escalations/escalation-queries.service';
import { documentHeaders } from '../records/records.controller';
import { CASE_DOCUMENTS, caseDocumentsOf, type CaseDocumentKind } from '../records/records.service';
import {
  ACTION_PAGES,
  checkAnswers,
  isActionKind,
  MEETING_KINDS,
  PLAN_ROWS,
  runAction,
  type ActionPage,
  type FieldError,
} from './case-actions';
import { isBoard, pageContext } from './page-context';
import { WebApplication } from './web-application';
import { WebAudit } from './web-audit';
import { WebExceptionFilter } from './web-exception.filter';
import { WebRenderer } from './web-renderer';
import type { SignedInRequest } from './web-request';
import { WebSessions } from './web-sessions';
import { WebSignedInGuard } from './web-signed-in.guard';
import {
  deadlineInWords,
  decisionLabel,
  eventLabel,
  stepLabel,
  STATUS_LABELS,
  STATUS_TAG_CLASSES,
  TIER_FORMAT_LABELS,
} from './words';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_SIZE = 25;

type CaseView = Awaited<ReturnType<WebApplication['queries']['get']>>;

/** Actions that move a case on: when the person may take one, the next move is theirs. */
const MOVES: readonly ActionKind[] = [
  'acknowledge',
  'respond',
  'agree-plan',
  'accept-plan',
  'complete-plan-item',
  'resolve',
  'accept-extension',
  'decline-extension',
  'schedule-meeting',
  'record-decision',
  'appoint-chair',
];

const RECORD_TITLES: Record<CaseDocumentKind, string> = {
  'referral-form': 'Escalation referral form',
  'summary-log': 'Agency escalation summary log entry',
  'report-to-partnership': 'Report to the partnership',
  'monitoring-form': 'Monitoring form',
  decision: 'Record of the meeting and decision',
  outcome: 'Record of the outcome',
};

/** An id from the path, or the same 404 page as for a case the person may not see. */
function caseId(id: string): string {
  if (!UUID.test(id)) throw notFound('escalation');
  return id.toLowerCase();
}

/** Error summary items for GOV.UK's error summary, each linking to its field. */
const errorList = (errors: FieldError[]) => errors.map((e) => ({ text: e.text, href: `#${e.name}` }));
const errorsByField = (errors: FieldError[]) => Object.fromEntries(errors.map((e) => [e.name, e.text]));

/** The case's documents under the protocol version it was raised under (all, if unknown here). */
function documentsFor(protocol: { id: string; version: number }): readonly CaseDocumentKind[] {
  const known = knownProtocol(protocol.id, protocol.version);
  return known ? caseDocumentsOf(known) : CASE_DOCUMENTS;
}

/**
 * My cases, a case, and each action on it as a form, a check page and the command. Every read
 * and change goes through the API's queries and commands services with the signed-in person as
 * the caller, so the need-to-know rule and the engine's decisions are the API's.
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@UseGuards(WebSignedInGuard)
@Controller('cases')
export class CasesController {
  private readonly audit: WebAudit;

  constructor(
    private readonly app: WebApplication,
    private readonly renderer: WebRenderer,
    private readonly sessions: WebSessions,
  ) {
    this.audit = new WebAudit(app);
  }

  private async names(req: SignedInRequest) {
    const { caller } = req.web;
    const [agencies, people] = await Promise.all([
      this.app.directory.agencies(caller, caller.partnershipId),
      this.app.directory.people(caller, caller.partnershipId),
    ]);
    const agency = new Map(agencies.map((a) => [a.id, a.name]));
    const person = new Map(people.map((p) => [p.id, p.displayName]));
    return {
      agencies,
      agency: (id: string | null | undefined) => (id ? (agency.get(id) ?? id) : ''),
      person: (id: string | null | undefined) =>
        id ? (person.get(id) ?? 'Someone outside the directory') : '',
    };
  }

  @Get()
  async list(@Req() req: SignedInRequest, @Res() res: Response, @Query() query: Record<string, unknown>) {
    const { caller } = req.web;
    const names = await this.names(req);
    const q = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : '');
    const errors: FieldError[] = [];
    const status = q('status');
    const tier = q('tier');
    const agencyId = q('agency');
    if (status && !ESCALATION_STATUSES.includes(status))
      errors.push({ name: 'status', text: 'Select a status from the list' });
    if (tier && !/^[1-9]\d?$/.test(tier)) errors.push({ name: 'tier', text: 'Select a step from the list' });
    if (agencyId && !names.agencies.some((a) => a.id === agencyId))
      errors.push({ name: 'agency', text: 'Select an agency from the list' });
    const cursor = /^[A-Za-z0-9_-]{1,100}$/.test(q('after')) ? q('after') : undefined;
    const page = errors.length
      ? { items: [], nextCursor: null }
      : await this.app.queries.list(caller, {
          status: status || undefined,
          tier: tier || undefined,
          agencyId: agencyId || undefined,
          cursor,
          limit: String(PAGE_SIZE),
        });
    await this.audit.read(req, 'escalation.list', null, {
      filter: { ...(status && { status }), ...(tier && { tier }), ...(agencyId && { agencyId }) },
      count: page.items.length,
    });
    const now = new Date();
    // Whose move it is: the engine's own answer per case (availableActions).
    const views = await Promise.all(
      page.items.map((item) => (item.status === 'open' ? this.app.queries.get(caller, item.id) : null)),
    );
    const rows = page.items.map((item, i) => {
      const view = views[i];
      const protocol = knownProtocol(item.protocolId);
      const deadline = item.status === 'open' ? deadlineInWords(item.dueAt, now) : null;
      const moves = (view?.availableActions ?? []).filter((k) => MOVES.includes(k));
      return {
        id: item.id,
        reference: item.reference,
        protocol: protocol?.title ?? item.protocolId,
        tier: view?.tier.title ?? `Step ${item.tier}`,
        status: STATUS_LABELS[item.status] ?? item.status,
        statusClass: STATUS_TAG_CLASSES[item.status] ?? 'govuk-tag--grey',
        otherAgency: caller.agencyRoles.some((r) => r.agencyId === item.raisingAgencyId)
          ? names.agency(item.receivingAgencyId)
          : names.agency(item.raisingAgencyId),
        agencies: `${names.agency(item.raisingAgencyId)} with ${names.agency(item.receivingAgencyId)}`,
        yourMove:
          moves.length > 0
            ? moves
                .map((k) => ACTION_PAGES[k].title)
                .slice(0, 2)
                .join('; ')
            : null,
        deadline,
        overdue: deadline?.overdue ?? false,
        dueMs: item.dueAt ? new Date(item.dueAt).getTime() : Number.MAX_SAFE_INTEGER,
        immediateRisk: item.immediateRisk,
      };
    });
    // Overdue first, then by deadline: what needs doing soonest at the top.
    rows.sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueMs - b.dueMs);
    const flash = await this.sessions.takeFlash(req.web.session);
    const filterQuery = new URLSearchParams({
      ...(status && { status }),
      ...(tier && { tier }),
      ...(agencyId && { agency: agencyId }),
    });
    this.renderer.page(
      res,
      'cases.njk',
      {
        ...pageContext(req, 'cases'),
        title: 'My cases',
        flash,
        rows,
        errorList: errorList(errors),
        errors: errorsByField(errors),
        showBoard: isBoard(caller),
        filters: { status, tier, agency: agencyId },
        statusOptions: ESCALATION_STATUSES.map((s) => ({ value: s, text: STATUS_LABELS[s] ?? s })),
        tierOptions: [1, 2, 3, 4, 5].map((n) => ({ value: String(n), text: `Step ${n}` })),
        agencyOptions: names.agencies.map((a) => ({ value: a.id, text: a.name })),
        nextHref: page.nextCursor
          ? `/cases?${new URLSearchParams({ ...Object.fromEntries(filterQuery), after: page.nextCursor })}`
          : null,
      },
      errors.length ? 400 : 200,
    );
  }

  @Get(':id')
  async show(@Req() req: SignedInRequest, @Res() res: Response, @Param('id') rawId: string) {
    const id = caseId(rawId);
    const view = await this.app.queries.get(req.web.caller, id);
    const concern = await this.concern(req, id);
    await this.audit.read(req, 'escalation.read', view);
    const flash = await this.sessions.takeFlash(req.web.session);
    this.renderer.page(res, 'case.njk', {
      ...pageContext(req, 'cases'),
      ...(await this.caseContext(req, view)),
      concern,
      title: `Case ${view.reference}`,
      flash,
    });
  }

  /**
   * The nature of the concern and the outcome sought (Postgres only), read as the API's records
   * read them (RecordsService: the need-to-know rule, and nothing for anyone else). A case whose
   * protocol this server no longer knows has no record to read them from.
   */
  private async concern(req: SignedInRequest, id: string) {
    try {
      const record = await this.app.records.visibleCase(req.web.caller, id, true);
      return record.subject
        ? { natureOfConcern: record.subject.natureOfConcern, outcomesSought: record.subject.outcomesSought }
        : null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'conflict') return null;
      throw err;
    }
  }

  private async caseContext(req: SignedInRequest, view: CaseView) {
    const names = await this.names(req);
    const protocol = knownProtocol(view.protocol.id);
    const tier = protocol?.tiers.find((t) => t.key === view.tier.key);
    const available = Array.isArray(view.availableActions) ? view.availableActions : null;
    const now = new Date();
    // Who wrote an entry, as every entry of the page names them: the person, then their agency.
    const byWhom = (personId: string, agencyId?: string | null) =>
      `${names.person(personId)}${agencyId ? `, ${names.agency(agencyId)}` : ''}`;
    return {
      view,
      agency: Object.fromEntries(
        [view.raisingAgencyId, view.receivingAgencyId].map((a) => [a, names.agency(a)]),
      ),
      raisedBy: names.person(view.raisingPersonId),
      raisedWith: names.person(view.receivingPersonId),
      category: protocol?.categories.find((c) => c.id === view.category)?.label ?? view.category,
      status: STATUS_LABELS[view.status] ?? view.status,
      statusClass: STATUS_TAG_CLASSES[view.status] ?? 'govuk-tag--grey',
      deadline: view.status === 'open' ? deadlineInWords(view.deadline?.dueAt, now) : null,
      tierWording: tier?.timescale.asWritten ?? null,
      tierClause: tier?.clause ?? null,
      tierRecords: tier?.records.map((r) => r.title) ?? [],
      actions: (available ?? (Object.keys(ACTION_PAGES) as ActionKind[])).map((k) => ({
        kind: k,
        title: ACTION_PAGES[k].title,
      })),
      actionsFromEngine: available !== null,
      timeline: view.history.map((e) => {
        const actor = e.actor as { personId?: string; agencyId?: string | null; role?: string } | null;
        return {
          label: stepLabel(e, view.steps) ?? decisionLabel(e) ?? eventLabel(e.type),
          at: e.at,
          tier: e.tier,
          who: actor?.personId ? byWhom(actor.personId, actor.agencyId) : null,
          text: e.text,
          // Corrections of this entry, shown beside it; the entry itself stays as written.
          corrections: ('corrections' in e ? e.corrections : []).map((c) => ({
            at: c.at,
            who: byWhom(c.personId, c.agencyId),
            text: c.text,
            reason: c.reason,
          })),
        };
      }),
      // Notes answered and not yet in the timeline (docs/performance.md §3), as their authors wrote them.
      notesInDelivery: view.notesInDelivery.map((n) => ({
        at: n.at,
        who: byWhom(n.personId, n.agencyId),
        text: n.text,
        refused: n.delivery === 'refused',
      })),
      steps: (view.steps ?? []).map((s) => ({
        ...s,
        owner:
          s.owner.side === 'partnership'
            ? `The partnership (${s.owner.roles.map((r) => r.replace(/-/g, ' ')).join(' or ')})`
            : `${names.agency(s.owner.side === 'raising' ? view.raisingAgencyId : view.receivingAgencyId)} (${s.owner.roles.map((r) => r.replace(/-/g, ' ')).join(' or ')})`,
        due: deadlineInWords(s.dueAt, now),
      })),
      planItems: view.planItems.map((p) => ({
        ...p,
        owner: names.agency(p.ownerAgencyId),
        due: deadlineInWords(p.dueAt, now),
      })),
      // Only the forms the case's own protocol (as raised) has: another partnership's form is refused.
      records: documentsFor(view.protocol).map((kind) => ({
        href: `/cases/${view.id}/records/${kind}`,
        text: RECORD_TITLES[kind],
      })),
      // The forms lodged for the case with their recipients, each as it was lodged.
      lodged: (await this.app.lodgements.ofCase(req.web.caller, view.id)).lodgements.map((l) => ({
        href: `/lodged/${l.id}`,
        text: l.title,
        with: (l.lodgedWith.partnershipRole ?? l.lodgedWith.agencyRole ?? '').replace(/-/g, ' '),
        at: formatLocal(new Date(l.lodgedAt)),
      })),
      chair: view.chair ? names.person(view.chair.personId) : null,
      urgency: view.urgency
        ? {
            explanation: view.urgency.explanation,
            decidedBy: view.urgency.decided ? names.person(view.urgency.decided.personId) : null,
            decidedAt: view.urgency.decided?.at ?? null,
          }
        : null,
    };
  }

  @Get(':id/records/:kind')
  async record(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('id') rawId: string,
    @Param('kind') file: string,
  ) {
    const id = caseId(rawId);
    // `<kind>` is the printable page; `<kind>.pdf` is that page printed (records/pdf).
    const asPdf = file.endsWith('.pdf');
    const kind = asPdf ? file.slice(0, -'.pdf'.length) : file;
    if (!(CASE_DOCUMENTS as readonly string[]).includes(kind)) throw notFound('record');
    const view = await this.app.queries.get(req.web.caller, id);
    if (asPdf) {
      const printed = await this.app.records.caseDocumentPdf(req.web.caller, id, kind as CaseDocumentKind);
      await this.audit.read(req, `escalation.read.records.${kind}.pdf`, view);
      documentHeaders(res, 'pdf', printed.fileName);
      res.send(printed.pdf);
      return;
    }
    const doc = await this.app.records.caseDocument(req.web.caller, id, kind as CaseDocumentKind, 'html');
    await this.audit.read(req, `escalation.read.records.${kind}.html`, view);
    // The records' own print-ready HTML, with the API's headers for documents (no scripts, no caching).
    documentHeaders(res, 'html', `${doc.reference}-${kind}.html`);
    res.send(doc.body);
  }

  // ------------------------------------------------------------------------------------------
  // Actions: form, check your answers, confirm

  @Get(':id/actions/:kind')
  async actionForm(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('id') rawId: string,
    @Param('kind') kind: string,
  ) {
    const id = caseId(rawId);
    if (!isActionKind(kind)) throw notFound('action');
    const view = await this.app.queries.get(req.web.caller, id);
    await this.renderForm(req, res, view, ACTION_PAGES[kind], {}, []);
  }

  @Post(':id/actions/:kind')
  async act(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('id') rawId: string,
    @Param('kind') kind: string,
    @Body() body: Record<string, unknown>,
  ) {
    const id = caseId(rawId);
    if (!isActionKind(kind)) throw notFound('action');
    const page = ACTION_PAGES[kind];
    const view = await this.app.queries.get(req.web.caller, id);
    const { values, errors } = checkAnswers(page, body);
    const step = body._step;
    if (step === 'edit' || errors.length) return this.renderForm(req, res, view, page, values, errors);
    if (step !== 'confirm') {
      const options = await this.options(req, view);
      this.renderer.page(res, 'action-check.njk', {
        ...pageContext(req, 'cases'),
        title: `Check your answers: ${page.title.toLowerCase()}`,
        page,
        view,
        answers: this.answers(page, values, options),
        hidden: Object.entries(values).filter(([k]) => !/(^dueAt$|^at$|^resolveBy$|-dueAt$)/.test(k)),
        // One key per check page: sending it twice (a double click, a retry) acts once.
        idempotencyKey: randomUUID(),
      });
      return;
    }
    const key = typeof body._key === 'string' && UUID.test(body._key) ? body._key : randomUUID();
    let result: { actionId?: string };
    try {
      result = await runAction(this.app.commands, req.web.caller, id, kind, values, key);
    } catch (err) {
      await this.audit
        .record(req, {
          action: `escalation.${kind}`,
          outcome: err instanceof ApiError ? STATUS_BY_CODE[err.code] : 500,
          escalation: view,
          detail: err instanceof ApiError ? { error: err.code } : { error: 'internal' },
        })
        .catch(() => logger.error('audit row could not be written', { action: `escalation.${kind}` }));
      if (err instanceof ApiError && err.code !== 'not-found') {
        // The engine's refusal (or the API's check) in its own words, above the form.
        const message = `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}`;
        return this.renderForm(req, res, view, page, values, [{ name: 'action', text: message }], 409);
      }
      throw err;
    }
    // The action has happened: a failure to record it is logged, and its answer stands (as in the API).
    await this.audit
      .record(req, {
        action: `escalation.${kind}`,
        outcome: 200,
        escalation: view,
        actionRecordId: result.actionId,
      })
      .catch(() => logger.error('audit row could not be written', { action: `escalation.${kind}` }));
    await this.sessions.update(req.web.session, { flash: `Done: ${page.title.toLowerCase()}.` });
    res.redirect(303, `/cases/${id}`);
  }

  private async options(req: SignedInRequest, view: CaseView) {
    const protocol = knownProtocol(view.protocol.id);
    const tier = protocol?.tiers.find((t) => t.key === view.tier.key);
    const needsChairs = Array.isArray(view.availableActions)
      ? view.availableActions.includes('appoint-chair')
      : true;
    let chairs: { value: string; text: string }[] = [];
    if (needsChairs && protocol) {
      const partnership = await this.app.directory
        .partnership(req.web.caller, view.partnershipId)
        .catch(() => null);
      const names = await this.names(req);
      chairs = (partnership?.roles ?? [])
        .filter((r) => r.role === protocol.finalDecision.by)
        .map((r) => ({ value: r.personId, text: names.person(r.personId) }));
    }
    const agencyNames = await this.names(req);
    return {
      'meeting-kinds': MEETING_KINDS,
      routes: (view.routeChoices ?? []).map((r) => ({ value: r.key, text: r.title })),
      outcomes: (tier?.outcomes ?? []).map((o) => ({ value: o, text: o.replace(/-/g, ' ') })),
      // The named closing outcomes of the case's own protocol version, at its current step.
      'closing-outcomes': (knownProtocol(view.protocol.id, view.protocol.version)?.closingOutcomes ?? [])
        .filter((o) => o.atTiers.includes(view.tier.number))
        .map((o) => ({ value: o.key, text: o.title })),
      chairs,
      // How the current step is held, where the case's own protocol version says (conductedAs).
      'tier-formats': (view.tierFormats ?? []).map((f) => ({ value: f, text: TIER_FORMAT_LABELS[f] ?? f })),
      urgency: [
        { value: 'yes', text: 'Yes: urgent resolution is required' },
        { value: 'no', text: 'No: not urgent' },
      ],
      // The step in progress (the engine refuses any other, and anyone but its owner).
      'open-steps': (view.steps ?? [])
        .filter((s) => s.state !== 'complete')
        .slice(0, 1)
        .map((s) => ({ value: s.key, text: `${s.title}: ${s.completedWhen ?? 'done'}` })),
      'open-items': view.planItems
        .filter((p) => p.status === 'open')
        .map((p) => ({ value: p.id, text: p.what })),
      owners: [view.raisingAgencyId, view.receivingAgencyId].map((a) => ({
        value: a,
        text: agencyNames.agency(a),
      })),
    };
  }

  private answers(
    page: ActionPage,
    values: Record<string, string>,
    options: Awaited<ReturnType<CasesController['options']>>,
  ) {
    const rows: { key: { text: string }; value: { text: string } }[] = [];
    for (const field of page.fields) {
      if (field.type === 'textarea')
        rows.push({ key: { text: field.label }, value: { text: values[field.name] || 'Not given' } });
      else if (field.type === 'date')
        rows.push({
          key: { text: field.label },
          value: { text: values[field.name] ? this.renderer.localTime(values[field.name]) : 'Not given' },
        });
      else if (field.type === 'radios')
        rows.push({
          key: { text: field.label },
          value: {
            text:
              options[field.options].find((o) => o.value === values[field.name])?.text ??
              (values[field.name] || 'Not given'),
          },
        });
      else if (field.type === 'checkbox')
        rows.push({
          key: { text: field.label },
          value: { text: values[field.name] === 'yes' ? 'Yes' : 'No' },
        });
      else
        for (let i = 0; i < PLAN_ROWS; i++)
          if (values[`item${i}-what`])
            rows.push({
              key: { text: `Item ${i + 1}` },
              value: {
                text: `${values[`item${i}-what`]} (${options.owners.find((o) => o.value === values[`item${i}-owner`])?.text ?? ''}, by ${this.renderer.localTime(values[`item${i}-dueAt`])})`,
              },
            });
    }
    return rows;
  }

  private async renderForm(
    req: SignedInRequest,
    res: Response,
    view: CaseView,
    page: ActionPage,
    values: Record<string, string>,
    errors: FieldError[],
    status = errors.length ? 400 : 200,
  ) {
    const available = Array.isArray(view.availableActions) ? view.availableActions : null;
    this.renderer.page(
      res,
      'action-form.njk',
      {
        ...pageContext(req, 'cases'),
        title: page.title,
        page,
        view,
        values,
        errors: errorsByField(errors),
        errorList: errorList(errors),
        options: await this.options(req, view),
        planRows: [...Array(PLAN_ROWS).keys()],
        notAvailableNow: available !== null && !available.includes(page.kind),
        protocolTitle: view.protocol.title,
      },
      status,
    );
  }
}
