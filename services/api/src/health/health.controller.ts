import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Client, Connection } from '@temporalio/client';
import type { Response } from 'express';
import { pingDatabase } from '@resolve/persistence';
import { DataSource } from 'typeorm';
import { TEMPORAL_CLIENT } from '../escalations/escalation-workflow.gateway';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly ds: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  @Get()
  async health(@Res() res: Response) {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await Promise.race([fn(), new Promise((_, r) => setTimeout(() => r(new Error('timeout')), 3000))]);
        return 'up';
      } catch {
        return 'down';
      }
    };
    const postgres = await check(() => pingDatabase(this.ds));
    const temporal = await check(() => (this.temporal.connection as Connection).healthService.check({}));
    const ok = postgres === 'up' && temporal === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', postgres, temporal });
  }
}
