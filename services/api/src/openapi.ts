import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { createApiApp, openApiDocument } from './app';

/**
 * The OpenAPI document, generated from the controllers and DTOs. Building the app needs its
 * dependencies only as injection tokens: nothing is called while the document is generated.
 */
export async function generateOpenApi() {
  const app = await createApiApp({
    dataSource: {} as DataSource,
    temporal: {} as Client,
    verifier: {
      verify: async () => {
        throw new Error('not used');
      },
    },
  });
  const doc = openApiDocument(app);
  await app.close();
  return JSON.parse(JSON.stringify(doc));
}
