/**
 * Meters for the cost benchmark: CPU time of a process and every descendant, and what Postgres
 * stored (rows inserted, updated and deleted, relation bytes, WAL bytes) in every database of
 * the stack's cluster. The SQL here reads only Postgres's own statistics views, for measurement;
 * the application's data is reached through its repositories elsewhere.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Client } from 'pg';

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

function readStat(pid: number): number[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    /* the process is gone */
  }
  return out;
}

/**
 * CPU seconds (user + system) of a process and all its descendants: its own utime and stime,
 * the cutime and cstime of children it has already reaped (a Postgres backend that has exited
 * counts through its postmaster), and the same for every live child, recursively.
 */
export function processTreeCpuSeconds(pid: number | null): number | null {
  if (!pid) return null;
  const fields = readStat(pid);
  if (!fields) return null;
  // After the command name: state is [0], utime [11], stime [12], cutime [13], cstime [14].
  let ticks = fields[11] + fields[12] + fields[13] + fields[14];
  for (const child of childrenOf(pid)) ticks += (processTreeCpuSeconds(child) ?? 0) * CLOCK_TICKS_PER_SECOND;
  return ticks / CLOCK_TICKS_PER_SECOND;
}

export interface TableCounts {
  inserted: number;
  updated: number;
  deleted: number;
  bytes: number;
}

export interface PostgresSnapshot {
  /** database → table → counts */
  databases: Record<string, Record<string, TableCounts>>;
  /** database → transactions committed (each one a WAL flush, unless grouped with others) */
  commits: Record<string, number>;
  walLsn: string;
  /** pg_stat_wal (whole cluster): WAL records, writes and fsyncs so far. */
  wal: { records: number; writes: number; syncs: number };
}

/** Keeps one connection to each database of the cluster and reads their statistics views. */
export class PostgresMeter {
  private constructor(
    private readonly clients: Map<string, Client>,
    private readonly admin: Client,
  ) {}

  /** `databaseUrl`: any database of the cluster; every other one is reached on the same server. */
  static async open(databaseUrl: string): Promise<PostgresMeter> {
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres'`,
    );
    const clients = new Map<string, Client>();
    for (const { datname } of rows) {
      const url = new URL(databaseUrl);
      url.pathname = `/${datname}`;
      const c = new Client({ connectionString: url.toString() });
      await c.connect();
      clients.set(datname, c);
    }
    return new PostgresMeter(clients, admin);
  }

  get databaseNames(): string[] {
    return [...this.clients.keys()];
  }

  async snapshot(): Promise<PostgresSnapshot> {
    const databases: PostgresSnapshot['databases'] = {};
    for (const [name, client] of this.clients) {
      // Statistics are cached for the transaction; clear so each read is fresh.
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{
        table: string;
        inserted: string;
        updated: string;
        deleted: string;
        bytes: string;
      }>(
        `SELECT schemaname || '.' || relname AS table, n_tup_ins AS inserted, n_tup_upd AS updated,
                n_tup_del AS deleted, pg_total_relation_size(relid) AS bytes
           FROM pg_stat_user_tables`,
      );
      databases[name] = Object.fromEntries(
        rows.map((r) => [
          r.table,
          {
            inserted: Number(r.inserted),
            updated: Number(r.updated),
            deleted: Number(r.deleted),
            bytes: Number(r.bytes),
          },
        ]),
      );
    }
    await this.admin.query('SELECT pg_stat_clear_snapshot()');
    const commits = await this.admin.query<{ datname: string; commits: string }>(
      'SELECT datname, xact_commit AS commits FROM pg_stat_database WHERE datname IS NOT NULL',
    );
    const wal = await this.admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const walStats = await this.admin.query<{ records: string; writes: string; syncs: string }>(
      'SELECT wal_records AS records, wal_write AS writes, wal_sync AS syncs FROM pg_stat_wal',
    );
    const w = walStats.rows[0];
    return {
      wal: { records: Number(w.records), writes: Number(w.writes), syncs: Number(w.syncs) },
      databases,
      commits: Object.fromEntries(commits.rows.map((r) => [r.datname, Number(r.commits)])),
      walLsn: wal.rows[0].lsn,
    };
  }

  /** WAL bytes written between two snapshots (every database of the cluster together). */
  async walBytesBetween(before: PostgresSnapshot, after: PostgresSnapshot): Promise<number> {
    const { rows } = await this.admin.query<{ bytes: string }>(
      'SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) AS bytes',
      [after.walLsn, before.walLsn],
    );
    return Number(rows[0].bytes);
  }

  async close(): Promise<void> {
    for (const c of [...this.clients.values(), this.admin]) await c.end().catch(() => undefined);
  }
}

/** Per database and table, what changed between two snapshots (tables that did not change are left out). */
export function postgresDelta(
  before: PostgresSnapshot,
  after: PostgresSnapshot,
): Record<string, { total: TableCounts; tables: Record<string, TableCounts> }> {
  const out: Record<string, { total: TableCounts; tables: Record<string, TableCounts> }> = {};
  for (const [db, tables] of Object.entries(after.databases)) {
    const total: TableCounts = { inserted: 0, updated: 0, deleted: 0, bytes: 0 };
    const changed: Record<string, TableCounts> = {};
    for (const [table, a] of Object.entries(tables)) {
      const b = before.databases[db]?.[table] ?? { inserted: 0, updated: 0, deleted: 0, bytes: 0 };
      const d: TableCounts = {
        inserted: a.inserted - b.inserted,
        updated: a.updated - b.updated,
        deleted: a.deleted - b.deleted,
        bytes: a.bytes - b.bytes,
      };
      if (d.inserted || d.updated || d.deleted || d.bytes) changed[table] = d;
      total.inserted += d.inserted;
      total.updated += d.updated;
      total.deleted += d.deleted;
      total.bytes += d.bytes;
    }
    out[db] = { total, tables: changed };
  }
  return out;
}
