import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web service's server-side sessions (services/api/src/web): the cookie holds a random
 * token, this table its hash, the signed-in person, the CSRF token and a sign-in in progress.
 * A person removed from the directory loses their sessions with them.
 */
export class WebSessions1764200000000 implements MigrationInterface {
  name = 'WebSessions1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE web_session (
        token_hash text PRIMARY KEY,
        person_id text REFERENCES person(id) ON DELETE CASCADE,
        subject text,
        csrf_token text NOT NULL,
        pending_sign_in jsonb,
        return_to text,
        flash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX web_session_expires_idx ON web_session(expires_at);
      CREATE INDEX web_session_person_idx ON web_session(person_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE web_session;`);
  }
}
