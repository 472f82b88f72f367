import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentCaller } from '../auth/auth.guard';
import type { Caller } from '../auth/caller';
import { RegisterWebhookEndpointDto } from './dto/webhooks.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get('agencies/:agencyId/webhooks')
  @ApiOperation({
    summary:
      "An agency's webhook endpoints (its agency administrator or the partnership administrator); no secrets",
  })
  list(@CurrentCaller() c: Caller, @Param('agencyId') agencyId: string) {
    return this.webhooks.list(c, agencyId);
  }

  @Post('agencies/:agencyId/webhooks')
  @ApiOperation({
    summary:
      "Register an agency's case system for signed events (its agency administrator or the partnership administrator); the answer holds its secret, shown once",
  })
  register(
    @CurrentCaller() c: Caller,
    @Param('agencyId') agencyId: string,
    @Body() dto: RegisterWebhookEndpointDto,
  ) {
    return this.webhooks.register(c, agencyId, dto);
  }

  @Post('webhooks/:endpointId/disable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stop sending to an endpoint (its agency administrator or the partnership administrator)',
  })
  disable(@CurrentCaller() c: Caller, @Param('endpointId') endpointId: string) {
    return this.webhooks.disable(c, endpointId);
  }

  @Post('webhooks/:endpointId/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A new signing secret (shown once); the old one keeps signing beside it for 24 hours',
  })
  rotateSecret(@CurrentCaller() c: Caller, @Param('endpointId') endpointId: string) {
    return this.webhooks.rotateSecret(c, endpointId);
  }

  @Get('webhooks/:endpointId/deliveries')
  @ApiOperation({ summary: "An endpoint's deliveries, newest first, each with every attempt" })
  deliveries(@CurrentCaller() c: Caller, @Param('endpointId') endpointId: string) {
    return this.webhooks.deliveries(c, endpointId);
  }

  @Post('webhooks/:endpointId/deliveries/:deliveryId/redeliver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a delivery again (same webhook-id), with a new day of retries' })
  redeliver(
    @CurrentCaller() c: Caller,
    @Param('endpointId') endpointId: string,
    @Param('deliveryId') deliveryId: string,
  ) {
    return this.webhooks.redeliver(c, endpointId, deliveryId);
  }
}
