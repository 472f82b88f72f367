/**
 * Maintenance of the shipped holiday file (used by scripts/refresh.ts and
 * scripts/generate-from-date-holidays.ts). Pure functions; not part of the public API.
 */
import { validateGovUkFile, type GovUkEvent, type GovUkFile } from './holiday-data';
import { NATIONS, type Nation } from './types';

/**
 * Stable text of a GOV.UK-format file: top-level version and source first, then the three
 * divisions in GOV.UK's order, 2-space JSON (which `prettier --check` leaves as it is).
 */
export function serializeGovUkFile(file: GovUkFile): string {
  const ordered: Record<string, unknown> = {};
  if (file.version !== undefined) ordered.version = file.version;
  if (file.source !== undefined) ordered.source = file.source;
  for (const nation of NATIONS) {
    ordered[nation] = {
      division: nation,
      events: file[nation].events.map((e) => ({
        title: e.title,
        date: e.date,
        notes: e.notes,
        bunting: e.bunting,
      })),
    };
  }
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

export interface DateChange {
  date: string;
  title: string;
  notes: string;
}

export interface NationChanges {
  added: DateChange[];
  removed: DateChange[];
  /** Same date, different title or notes. */
  renamed: { date: string; from: string; to: string }[];
  /** Years taken from the existing file because the incoming one does not cover them. */
  keptYears: number[];
  /** First and last year covered after the merge. */
  coverage: { from: string; to: string };
}

export interface MergeResult {
  file: GovUkFile;
  changed: boolean;
  changes: Record<Nation, NationChanges>;
}

const yearOf = (e: { date: string }) => Number(e.date.slice(0, 4));
const label = (e: GovUkEvent) => (e.notes ? `${e.title} (${e.notes})` : e.title);
const pick = (e: GovUkEvent): DateChange => ({ date: e.date, title: e.title, notes: e.notes });

/**
 * Merges an incoming GOV.UK document into the existing file, per nation and per calendar year:
 * every year the incoming document lists replaces that year of the existing file (GOV.UK is the
 * authority for the years it publishes); every other year is kept from the existing file. GOV.UK
 * publishes only a window of recent years, so without this a refresh would delete the older years
 * that running cases and audits still need, and the later years generated ahead of publication.
 * The result is validated (consecutive whole years), so a gap between the two throws.
 */
export function mergeGovUkFiles(
  existing: GovUkFile,
  incoming: GovUkFile,
  meta: { version: string; source: string },
): MergeResult {
  const merged = { version: meta.version, source: meta.source } as GovUkFile;
  const changes = {} as Record<Nation, NationChanges>;
  let changed = false;
  for (const nation of NATIONS) {
    const incomingYears = new Set(incoming[nation].events.map(yearOf));
    const kept = existing[nation].events.filter((e) => !incomingYears.has(yearOf(e)));
    const events = [...kept, ...incoming[nation].events].sort((a, b) => (a.date < b.date ? -1 : 1));
    merged[nation] = { division: nation, events };

    const before = new Map(existing[nation].events.map((e) => [e.date, e]));
    const after = new Map(events.map((e) => [e.date, e]));
    const added = events.filter((e) => !before.has(e.date)).map(pick);
    const removed = existing[nation].events.filter((e) => !after.has(e.date)).map(pick);
    const renamed = events
      .filter((e) => before.has(e.date) && label(before.get(e.date)!) !== label(e))
      .map((e) => ({ date: e.date, from: label(before.get(e.date)!), to: label(e) }));
    const bunting = events.some((e) => before.has(e.date) && before.get(e.date)!.bunting !== e.bunting);
    if (added.length || removed.length || renamed.length || bunting) changed = true;
    changes[nation] = {
      added,
      removed,
      renamed,
      keptYears: [...new Set(kept.map(yearOf))].sort((a, b) => a - b),
      coverage: { from: `${yearOf(events[0])}-01-01`, to: `${yearOf(events[events.length - 1])}-12-31` },
    };
  }
  return { file: validateGovUkFile(merged), changed, changes };
}
