import { LessThanOrEqual, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { WebSessionEntity } from '../entities/web-session.entities';

export type WebSession = WebSessionEntity;
export type NewWebSession = Omit<WebSessionEntity, 'createdAt'>;
export type WebSessionChange = Partial<
  Pick<
    WebSessionEntity,
    'personId' | 'subject' | 'pendingSignIn' | 'returnTo' | 'flash' | 'lastSeenAt' | 'expiresAt'
  >
>;

/** The web service's sessions (table web_session), found by the hash of their cookie token. */
export class WebSessionsRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  private get rows() {
    return this.db.getRepository(WebSessionEntity);
  }

  async insert(session: NewWebSession): Promise<void> {
    await this.rows.insert(session);
  }

  /** The session, unless it has reached its absolute end or been idle since `idleSince`. */
  async findLive(tokenHash: string, now: Date, idleSince: Date): Promise<WebSession | null> {
    return this.rows.findOne({
      where: { tokenHash, expiresAt: MoreThan(now), lastSeenAt: MoreThan(idleSince) },
    });
  }

  async update(tokenHash: string, change: WebSessionChange): Promise<void> {
    await this.rows.update({ tokenHash }, change);
  }

  async delete(tokenHash: string): Promise<void> {
    await this.rows.delete({ tokenHash });
  }

  /** Removes ended sessions: past their absolute end, or idle since `idleSince`. Returns how many. */
  async deleteEnded(now: Date, idleSince: Date): Promise<number> {
    const [byEnd, byIdle] = await Promise.all([
      this.rows.delete({ expiresAt: LessThanOrEqual(now) }),
      this.rows.delete({ lastSeenAt: LessThanOrEqual(idleSince) }),
    ]);
    return (byEnd.affected ?? 0) + (byIdle.affected ?? 0);
  }
}
