import { Controller, Get, Param, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { notFound } from '../common/api-error';
import { documentHeaders } from '../records/records.controller';
import { CONTENT_HASH_HEADER } from '../records/lodging/lodgements.controller';
import { WebApplication } from './web-application';
import { WebAudit } from './web-audit';
import { formatLocal } from '@resolve/calendar';
import { pageContext } from './page-context';
import { WebExceptionFilter } from './web-exception.filter';
import { WebRenderer } from './web-renderer';
import type { SignedInRequest } from './web-request';
import { WebSignedInGuard } from './web-signed-in.guard';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The page a lodged form's notice links to (docs/records-and-reports.md, "Lodged forms"): once
 * signed in, the recipient (an informed-only escalations mailbox included) opens the form exactly
 * as it was lodged, and its PDF. The same rule as the API's lodgement routes; everyone else gets
 * the not-found page. Each opening is in the audit trail, marked as the web's.
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@UseGuards(WebSignedInGuard)
@Controller('lodged')
export class LodgedController {
  private readonly audit: WebAudit;

  constructor(
    private readonly app: WebApplication,
    private readonly renderer: WebRenderer,
  ) {
    this.audit = new WebAudit(app);
  }

  private async open(req: SignedInRequest, rawId: string) {
    if (!UUID.test(rawId)) throw notFound('lodgement');
    return this.app.lodgements.openById(req.web.caller, rawId.toLowerCase());
  }

  /** The forms lodged with the roles the person holds (an escalations mailbox's inbox). */
  @Get()
  async list(@Req() req: SignedInRequest, @Res() res: Response) {
    const { lodgements } = await this.app.lodgements.mine(req.web.caller);
    this.renderer.page(res, 'lodged.njk', {
      ...pageContext(req, 'lodged'),
      title: 'Forms lodged with you',
      rows: lodgements.map((l) => ({
        id: l.id,
        title: l.title,
        protocol: `${l.protocol.id} v${l.protocol.version}`,
        step: `Step ${l.tier.number}`,
        lodgedAt: formatLocal(new Date(l.lodgedAt)),
      })),
    });
  }

  @Get(':id')
  async form(@Req() req: SignedInRequest, @Res() res: Response, @Param('id') rawId: string) {
    const l = await this.open(req, rawId);
    await this.audit.read(req, 'lodgement.read.form.html', null, {
      escalationId: l.escalationId,
      lodgementId: l.id,
    });
    documentHeaders(res, 'html', `lodgement-${l.id}-${l.document}.html`);
    res.setHeader(CONTENT_HASH_HEADER, l.contentHash);
    res.send(l.formHtml);
  }

  @Get(':id/form.pdf')
  async pdf(@Req() req: SignedInRequest, @Res() res: Response, @Param('id') rawId: string) {
    const l = await this.open(req, rawId);
    const printed = await this.app.lodgements.pdf(l);
    await this.audit.read(req, 'lodgement.read.form.pdf', null, {
      escalationId: l.escalationId,
      lodgementId: l.id,
    });
    documentHeaders(res, 'pdf', printed.fileName);
    res.setHeader(CONTENT_HASH_HEADER, l.contentHash);
    res.send(printed.pdf);
  }
}
