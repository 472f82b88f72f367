import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { ApiError } from '../common/api-error';
import { metricsAuthorised, type ApiMetrics } from './api-metrics';

export const API_METRICS = Symbol('API_METRICS');
export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

/** Prometheus scrape endpoint. Operators' plumbing, not the agencies' API: not in the OpenAPI document. */
@ApiExcludeController()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(API_METRICS) private readonly metrics: ApiMetrics,
    @Inject(METRICS_TOKEN) private readonly token: string | undefined,
  ) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response) {
    if (!metricsAuthorised(authorization, this.token))
      throw new ApiError('unauthenticated', 'send the metrics token (METRICS_TOKEN) as a bearer token');
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
