import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** What a sign-in in progress must remember between the redirect out and the callback. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  startedAt: string;
}

/**
 * A browser's session with the web service (services/api/src/web). The cookie carries a random
 * token; only its SHA-256 is kept here, so a copy of this table signs nobody in.
 */
@Entity({ name: 'web_session' })
@Index('web_session_expires_idx', ['expiresAt'])
export class WebSessionEntity {
  /** SHA-256 (hex) of the cookie's token. */
  @PrimaryColumn({ type: 'text', name: 'token_hash' })
  tokenHash!: string;

  /** The directory person once signed in; null while a sign-in is in progress. */
  @Index('web_session_person_idx')
  @Column({ type: 'text', name: 'person_id', nullable: true })
  personId!: string | null;

  /** The identity provider's subject for that person: how each request finds them in the directory. */
  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  /** The token every form of this session carries (double-submit is not needed: it is server-side). */
  @Column({ type: 'text', name: 'csrf_token' })
  csrfToken!: string;

  @Column({ type: 'jsonb', name: 'pending_sign_in', nullable: true })
  pendingSignIn!: PendingSignIn | null;

  /** The page to land on after signing in (a path on this site, e.g. a case from an email). */
  @Column({ type: 'text', name: 'return_to', nullable: true })
  returnTo!: string | null;

  /** A one-time message for the next page (the GOV.UK notification banner after an action). */
  @Column({ type: 'text', nullable: true })
  flash!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'last_seen_at' })
  lastSeenAt!: Date;

  /** The absolute end of the session, whatever its activity. */
  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt!: Date;
}
