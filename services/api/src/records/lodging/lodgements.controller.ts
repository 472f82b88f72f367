import { Controller, Get, Param, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard, CurrentCaller } from '../../auth/auth.guard';
import type { Caller } from '../../auth/caller';
import { RateLimited } from '../../common/rate-limit/rate-limits';
import { EscalationId, UuidParamPipe } from '../../common/uuid-param.pipe';
import { ApiPdfResponses, documentHeaders, pdfBody } from '../records.controller';
import { LodgementsService, lodgementView } from './lodgements.service';

const LodgementId = () => Param('lodgementId', new UuidParamPipe('lodgement'));

const WHO =
  'Who may open it: the holders of the role it was lodged with (an informed-only escalations mailbox included) and the people who may see the case; anyone else gets 404.';

/** Header carrying the lodged form's hash, so a reader can check the body is the form as lodged. */
export const CONTENT_HASH_HEADER = 'X-Resolve-Content-Hash';

/**
 * Forms lodged with their recipients when the protocol says so (docs/records-and-reports.md,
 * "Lodged forms"): kept as generated then, served as kept. Under /escalations/:id, so every
 * read is in the audit trail like a read of the case's records.
 */
@ApiTags('records')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller()
@RateLimited('documents')
export class LodgementsController {
  constructor(private readonly lodgements: LodgementsService) {}

  @Get('lodgements')
  @ApiOperation({
    summary: 'The forms lodged with the partnership roles the caller holds, newest first (no form content)',
  })
  mine(@CurrentCaller() caller: Caller) {
    return this.lodgements.mine(caller);
  }

  @Get('escalations/:id/lodgements')
  @ApiOperation({ summary: 'The forms lodged for a case that the caller may open', description: WHO })
  ofCase(@CurrentCaller() caller: Caller, @EscalationId() id: string) {
    return this.lodgements.ofCase(caller, id);
  }

  @Get('escalations/:id/lodgements/:lodgementId')
  @ApiOperation({
    summary: 'A lodged form: when, with whom, its hash, and the form as lodged (JSON)',
    description: WHO,
  })
  async one(
    @CurrentCaller() caller: Caller,
    @EscalationId() id: string,
    @LodgementId() lodgementId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const l = await this.lodgements.open(caller, id, lodgementId);
    documentHeaders(res, 'json');
    return { ...lodgementView(l), form: l.formJson };
  }

  @Get('escalations/:id/lodgements/:lodgementId/form.html')
  @ApiProduces('text/html')
  @ApiOperation({ summary: 'A lodged form as the print-ready HTML lodged, byte for byte', description: WHO })
  async html(
    @CurrentCaller() caller: Caller,
    @EscalationId() id: string,
    @LodgementId() lodgementId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const l = await this.lodgements.open(caller, id, lodgementId);
    documentHeaders(res, 'html', `lodgement-${l.id}-${l.document}.html`);
    res.setHeader(CONTENT_HASH_HEADER, l.contentHash);
    return l.formHtml;
  }

  @Get('escalations/:id/lodgements/:lodgementId/form.pdf')
  @ApiPdfResponses('The lodged form printed')
  @ApiOperation({ summary: 'A lodged form, its lodged HTML printed to PDF', description: WHO })
  async pdf(
    @CurrentCaller() caller: Caller,
    @EscalationId() id: string,
    @LodgementId() lodgementId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const l = await this.lodgements.open(caller, id, lodgementId);
    const printed = await this.lodgements.pdf(l);
    documentHeaders(res, 'pdf', printed.fileName);
    res.setHeader(CONTENT_HASH_HEADER, l.contentHash);
    return pdfBody(printed.pdf);
  }
}
