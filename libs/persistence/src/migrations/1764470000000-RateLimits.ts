import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Request counts per caller and fixed window, shared by every API replica: a limit kept in one
 * process's memory is multiplied by the number of replicas and forgotten on each restart.
 * Unlogged: the counts are worth nothing after a crash, and writing them to the WAL on every
 * request would cost more than the requests they limit.
 */
export class RateLimits1764470000000 implements MigrationInterface {
  name = 'RateLimits1764470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_window (
        key text NOT NULL,
        window_start timestamptz NOT NULL,
        hits integer NOT NULL,
        PRIMARY KEY (key, window_start)
      )`);
    await q.query(`CREATE INDEX rate_limit_window_start_idx ON rate_limit_window (window_start)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit_window`);
  }
}
