import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { computeTimeline, getProtocol, listProtocols } from '@resolve/protocols';
import { ApiError, notFound } from '../common/api-error';
import { ProtocolCatalogue } from './protocol-catalogue';

/** Protocols are public partnership documents: no token needed to read them. */
@ApiTags('protocols')
@Controller('protocols')
export class ProtocolsController {
  constructor(private readonly catalogue: ProtocolCatalogue) {}

  @Get()
  @ApiOperation({ summary: 'Every protocol this installation runs' })
  list() {
    this.catalogue.refresh();
    return listProtocols().map((p) => ({
      id: p.id,
      version: p.version,
      title: p.title,
      partnership: p.partnership,
      audience: p.audience,
      nation: p.nation,
      tiers: p.tiers.map((t) => ({ number: t.number, key: t.key, title: t.title, route: t.route ?? null })),
    }));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One protocol, in full' })
  get(@Param('id') id: string) {
    return this.find(id);
  }

  @Get(':id/timeline')
  @ApiOperation({ summary: 'The schedule if nobody acts and each tier is escalated at its deadline' })
  @ApiQuery({ name: 'from', required: true, example: '2026-05-18T08:30:00Z' })
  @ApiQuery({ name: 'urgent', required: false, type: Boolean })
  timeline(@Param('id') id: string, @Query('from') from?: string, @Query('urgent') urgent?: string) {
    const protocol = this.find(id);
    if (!from || !/^\d{4}-\d{2}-\d{2}T/.test(from) || Number.isNaN(Date.parse(from))) {
      throw new ApiError('validation-failed', 'from: an ISO-8601 instant, e.g. 2026-05-18T08:30:00Z');
    }
    if (urgent !== undefined && !['true', 'false'].includes(urgent)) {
      throw new ApiError('validation-failed', 'urgent: true or false');
    }
    return computeTimeline(protocol, new Date(from), { urgent: urgent === 'true' });
  }

  private find(id: string) {
    this.catalogue.refresh();
    try {
      return getProtocol(id);
    } catch {
      throw notFound(`protocol ${id}`);
    }
  }
}
