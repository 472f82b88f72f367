import { Body, Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { formatLocal } from '@resolve/calendar';
import type { PersonWithRoles } from '@resolve/persistence';
import { ApiError, notFound, STATUS_BY_CODE } from '../common/api-error';
import {
  answerRows,
  checkDirectoryAnswers,
  DIRECTORY_FORMS,
  formValues,
  PERSON_REF,
  personRef,
  serviceError,
  type DirectoryForm,
  type DirectoryFormKey,
  type FormContext,
} from './directory-forms';
import type { FieldError } from './case-actions';
import { isAdministrator, pageContext } from './page-context';
import { WebApplication } from './web-application';
import { WebExceptionFilter } from './web-exception.filter';
import { WebRenderer } from './web-renderer';
import type { SignedInRequest } from './web-request';
import { WebSessions } from './web-sessions';
import { WebSignedInGuard } from './web-signed-in.guard';

const ROLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const words = (s: string) => s.replace(/-/g, ' ');

const errorList = (errors: FieldError[]) => errors.map((e) => ({ text: e.text, href: `#${e.name}` }));
const errorsByField = (errors: FieldError[]) => Object.fromEntries(errors.map((e) => [e.name, e.text]));

/**
 * The partnership administrator's pages: agencies, people, their roles, contact details and
 * channel preferences. Every read and change is the directory API's own (DirectoryService, with
 * the request rules of its DTOs): the same refusals (no role granted to one's own account), the
 * same audit entries with before and after. Only the administrator reaches these pages; a person
 * is named in addresses by a reference derived from their id, never by their id or name.
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@UseGuards(WebSignedInGuard)
@Controller('directory')
export class DirectoryPagesController {
  constructor(
    private readonly app: WebApplication,
    private readonly renderer: WebRenderer,
    private readonly sessions: WebSessions,
  ) {}

  /** The administrator's caller; anyone else gets the "no permission" page (403). */
  private administrator(req: SignedInRequest) {
    const { caller } = req.web;
    if (!isAdministrator(caller))
      throw new ApiError('forbidden', "the directory's pages are for the partnership administrator");
    return caller;
  }

  private async context(
    req: SignedInRequest,
    ref?: string,
  ): Promise<FormContext & { people: PersonWithRoles[] }> {
    const caller = this.administrator(req);
    const [agencies, people] = await Promise.all([
      this.app.directory.agencies(caller, caller.partnershipId),
      this.app.directory.people(caller, caller.partnershipId) as Promise<PersonWithRoles[]>,
    ]);
    let person: PersonWithRoles | undefined;
    if (ref !== undefined) {
      person = PERSON_REF.test(ref) ? people.find((p) => personRef(p.id) === ref) : undefined;
      if (!person) throw notFound('person');
    }
    return { partnershipId: caller.partnershipId, agencies, people, person };
  }

  private page(req: SignedInRequest, res: Response, template: string, context: object, status = 200) {
    this.renderer.page(res, template, { ...pageContext(req, 'directory'), ...context }, status);
  }

  @Get()
  async agencies(@Req() req: SignedInRequest, @Res() res: Response) {
    const { agencies, people } = await this.context(req);
    this.page(req, res, 'directory-agencies.njk', {
      title: 'Agencies',
      flash: await this.sessions.takeFlash(req.web.session),
      tab: 'agencies',
      rows: agencies.map((a) => ({
        ...a,
        kind: words(a.kind),
        people: people.filter((p) => p.agencyRoles.some((r) => r.agencyId === a.id)).length,
      })),
    });
  }

  @Get('people')
  async people(@Req() req: SignedInRequest, @Res() res: Response) {
    const { agencies, people } = await this.context(req);
    const agencyName = new Map(agencies.map((a) => [a.id, a.name]));
    this.page(req, res, 'directory-people.njk', {
      title: 'People',
      flash: await this.sessions.takeFlash(req.web.session),
      tab: 'people',
      rows: people.map((p) => ({
        ref: personRef(p.id),
        name: p.displayName,
        roles: [
          ...p.agencyRoles.map((r) => `${agencyName.get(r.agencyId) ?? r.agencyId}: ${words(r.role)}`),
          ...p.partnershipRoles.map((r) => `Partnership: ${words(r.role)}`),
        ],
        email: p.email,
        channels: p.channels.map((c) => (c === 'sms' ? 'text message' : c)).join(', '),
      })),
    });
  }

  @Get('agencies/:agencyId')
  async agency(@Req() req: SignedInRequest, @Res() res: Response, @Param('agencyId') agencyId: string) {
    const caller = this.administrator(req);
    if (!/^[a-z0-9-]{1,100}$/.test(agencyId)) throw notFound('agency');
    const agency = await this.app.directory.agency(caller, agencyId);
    this.page(req, res, 'directory-agency.njk', {
      title: agency.name,
      flash: await this.sessions.takeFlash(req.web.session),
      agency: { ...agency, kind: words(agency.kind) },
      rows: agency.people.map((p) => ({
        ref: personRef(p.personId),
        name: p.displayName,
        role: words(p.role),
      })),
    });
  }

  @Get('people/:ref')
  async person(@Req() req: SignedInRequest, @Res() res: Response, @Param('ref') ref: string) {
    const { agencies, people, person } = await this.context(req, ref);
    const p = person!;
    const agencyName = new Map(agencies.map((a) => [a.id, a.name]));
    this.page(req, res, 'directory-person.njk', {
      // The person's name is on the page, not in its title (titles end up in history and logs).
      title: "Person's details",
      flash: await this.sessions.takeFlash(req.web.session),
      ref,
      person: p,
      channels: p.channels.map((c) => (c === 'sms' ? 'Text message' : 'Email')).join(', '),
      roles: [
        ...p.agencyRoles.map((r) => ({
          id: r.id,
          where: agencyName.get(r.agencyId) ?? r.agencyId,
          role: words(r.role),
        })),
        ...p.partnershipRoles.map((r) => ({
          id: r.id,
          where: 'The partnership',
          role: `${words(r.role)}${r.subGroup ? ` (${r.subGroup})` : ''}`,
        })),
      ],
      self: p.id === req.web.caller.personId,
      lineManager: p.lineManagerId
        ? (people.find((x) => x.id === p.lineManagerId)?.displayName ?? p.lineManagerId)
        : null,
    });
  }

  // ------------------------------------------------------------------------------------------
  // Changes: a form, a check page, then the directory service's command

  @Get('add-agency')
  addAgency(@Req() req: SignedInRequest, @Res() res: Response) {
    return this.showForm(req, res, 'agency');
  }

  @Post('add-agency')
  sendAgency(@Req() req: SignedInRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    return this.submit(req, res, 'agency', body);
  }

  @Get('add-person')
  addPerson(@Req() req: SignedInRequest, @Res() res: Response) {
    return this.showForm(req, res, 'person');
  }

  @Post('add-person')
  sendPerson(@Req() req: SignedInRequest, @Res() res: Response, @Body() body: Record<string, unknown>) {
    return this.submit(req, res, 'person', body);
  }

  @Get('people/:ref/:form')
  personForm(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('ref') ref: string,
    @Param('form') form: string,
  ) {
    return this.showForm(req, res, this.personFormKey(form), ref);
  }

  @Post('people/:ref/:form')
  sendPersonForm(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('ref') ref: string,
    @Param('form') form: string,
    @Body() body: Record<string, unknown>,
  ) {
    return this.submit(req, res, this.personFormKey(form), body, ref);
  }

  private personFormKey(form: string): DirectoryFormKey {
    if (!['contact', 'agency-role', 'partnership-role', 'line-manager'].includes(form))
      throw notFound('page');
    return form as DirectoryFormKey;
  }

  private formPath(key: DirectoryFormKey, ref?: string) {
    return key === 'agency'
      ? '/directory/add-agency'
      : key === 'person'
        ? '/directory/add-person'
        : `/directory/people/${ref}/${key}`;
  }

  private async showForm(req: SignedInRequest, res: Response, key: DirectoryFormKey, ref?: string) {
    const context = await this.context(req, ref);
    const form: DirectoryForm = DIRECTORY_FORMS[key];
    await this.renderForm(req, res, form, key, context, form.initial?.(context) ?? {}, [], ref);
  }

  private async submit(
    req: SignedInRequest,
    res: Response,
    key: DirectoryFormKey,
    body: Record<string, unknown>,
    ref?: string,
  ) {
    const context = await this.context(req, ref);
    const form: DirectoryForm = DIRECTORY_FORMS[key];
    const values = formValues(form, body);
    const { dto, errors } = await checkDirectoryAnswers(form, values);
    if (body._step === 'edit' || errors.length)
      return this.renderForm(req, res, form, key, context, values, errors, ref);
    if (body._step !== 'confirm') {
      this.page(req, res, 'directory-check.njk', {
        title: `Check your answers: ${form.title.toLowerCase()}`,
        form,
        caption: context.person?.displayName ?? 'Directory',
        action: this.formPath(key, ref),
        answers: answerRows(form, values, context),
        hidden: Object.entries(values),
      });
      return;
    }
    let result: unknown;
    try {
      result = await form.run(this.app.directory, req.web.caller, dto, context);
    } catch (err) {
      if (err instanceof ApiError && ['validation-failed', 'conflict', 'forbidden'].includes(err.code))
        return this.renderForm(
          req,
          res,
          form,
          key,
          context,
          values,
          [serviceError(form, err)],
          ref,
          STATUS_BY_CODE[err.code],
        );
      throw err;
    }
    await this.sessions.update(req.web.session, { flash: form.done });
    const next =
      key === 'agency'
        ? `/directory/agencies/${(result as { id: string }).id}`
        : key === 'person'
          ? `/directory/people/${personRef((result as { id: string }).id)}`
          : `/directory/people/${ref}`;
    res.redirect(303, next);
  }

  private async renderForm(
    req: SignedInRequest,
    res: Response,
    form: DirectoryForm,
    key: DirectoryFormKey,
    context: FormContext,
    values: Record<string, string>,
    errors: FieldError[],
    ref?: string,
    status = errors.length ? 400 : 200,
  ) {
    this.page(
      req,
      res,
      'directory-form.njk',
      {
        title: form.title,
        form,
        caption: context.person?.displayName ?? 'Directory',
        action: this.formPath(key, ref),
        back: ref ? `/directory/people/${ref}` : key === 'agency' ? '/directory' : '/directory/people',
        fields: form.fields.map((f) => ({
          ...f,
          items: (f.options?.(context) ?? []).map((o) => ({
            ...o,
            checked: (values[f.name] ?? '').split(',').includes(o.value),
          })),
          value: values[f.name] ?? '',
        })),
        errors: errorsByField(errors),
        errorList: errorList(errors),
      },
      status,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Roles waiting for a second administrator: approve or decline

  @Get('role-requests')
  async roleRequests(@Req() req: SignedInRequest, @Res() res: Response) {
    const { agencies, people } = await this.context(req);
    const caller = req.web.caller;
    const requests = await this.app.directory.roleRequests(caller, caller.partnershipId);
    const nameOf = (id: string) => people.find((p) => p.id === id)?.displayName ?? id;
    this.page(req, res, 'directory-role-requests.njk', {
      title: 'Roles waiting for approval',
      flash: await this.sessions.takeFlash(req.web.session),
      tab: 'role-requests',
      rows: requests.map((r) => ({
        id: r.id,
        ref: personRef(r.personId),
        person: nameOf(r.personId),
        where: r.agencyId
          ? (agencies.find((a) => a.id === r.agencyId)?.name ?? r.agencyId)
          : 'The partnership',
        role: `${words(r.role)}${r.subGroup ? ` (${r.subGroup})` : ''}`,
        requestedBy: r.requestedBy === caller.personId ? 'You' : nameOf(r.requestedBy),
        requestedAt: formatLocal(new Date(r.requestedAt)),
        mayApprove: r.requestedBy !== caller.personId && r.personId !== caller.personId,
        whyNot:
          r.personId === caller.personId
            ? 'Another administrator must approve a role for you.'
            : 'You asked for this role: another administrator must approve it.',
      })),
    });
  }

  @Post('role-requests/:requestId/:decision')
  async decideRoleRequest(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('requestId') requestId: string,
    @Param('decision') decision: string,
  ) {
    this.administrator(req);
    if (decision !== 'approve' && decision !== 'decline') throw notFound('page');
    if (decision === 'approve') await this.app.directory.approveRoleRequest(req.web.caller, requestId);
    else await this.app.directory.declineRoleRequest(req.web.caller, requestId);
    await this.sessions.update(req.web.session, {
      flash: decision === 'approve' ? 'Role approved and given.' : 'Role request declined.',
    });
    res.redirect(303, '/directory/role-requests');
  }

  // ------------------------------------------------------------------------------------------
  // Removing a role: a confirmation page, then the command

  @Get('people/:ref/roles/:roleId/remove')
  async confirmRemoval(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('ref') ref: string,
    @Param('roleId') roleId: string,
  ) {
    const { person, agencies } = await this.context(req, ref);
    const role = this.roleOf(person!, roleId, agencies);
    this.page(req, res, 'directory-remove.njk', {
      title: 'Are you sure you want to remove this role?',
      caption: person!.displayName,
      role,
      action: `/directory/people/${ref}/roles/${roleId}/remove`,
      back: `/directory/people/${ref}`,
    });
  }

  @Post('people/:ref/roles/:roleId/remove')
  async remove(
    @Req() req: SignedInRequest,
    @Res() res: Response,
    @Param('ref') ref: string,
    @Param('roleId') roleId: string,
  ) {
    const { person, agencies } = await this.context(req, ref);
    this.roleOf(person!, roleId, agencies);
    await this.app.directory.removeRole(req.web.caller, person!.id, roleId);
    await this.sessions.update(req.web.session, { flash: 'Role removed.' });
    res.redirect(303, `/directory/people/${ref}`);
  }

  private roleOf(person: PersonWithRoles, roleId: string, agencies: FormContext['agencies']) {
    if (!ROLE_ID.test(roleId)) throw notFound('role');
    const inAgency = person.agencyRoles.find((r) => r.id === roleId);
    if (inAgency)
      return {
        where: agencies.find((a) => a.id === inAgency.agencyId)?.name ?? inAgency.agencyId,
        role: words(inAgency.role),
      };
    const inPartnership = person.partnershipRoles.find((r) => r.id === roleId);
    if (inPartnership) return { where: 'The partnership', role: words(inPartnership.role) };
    throw notFound('role');
  }
}
