import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a partnership may raise cases under the `demo` protocol (two-minute steps, for trying
 * the system out). Off unless the partnership enables it: a real partnership's cases must not
 * run on demonstration timescales by mistake.
 */
export class PartnershipDemoProtocol1764300000000 implements MigrationInterface {
  name = 'PartnershipDemoProtocol1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE partnership ADD COLUMN demo_protocol_enabled boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE partnership DROP COLUMN demo_protocol_enabled`);
  }
}
