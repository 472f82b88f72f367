import { ApiError } from '../common/api-error';
import { parsePeriod } from '../records/period';
import { toCsv, type CsvValue } from '../records/render/csv';
import type { DisputesReport } from '../records/render/disputes-report';
import type { FieldError } from './case-actions';

const YEAR_MS = 365 * 86_400_000;

/** The report's period as the dashboard's form gives it: two GOV.UK date inputs, both optional. */
export interface PeriodAnswers {
  'from-day': string;
  'from-month': string;
  'from-year': string;
  'to-day': string;
  'to-month': string;
  'to-year': string;
}

const BOUND_WORDS = { from: 'the start of the period', to: 'the end of the period' } as const;

/** YYYY-MM-DD from a date input's parts; undefined when all are empty, null when not a date's shape. */
function dateOf(day: string, month: string, year: string): string | null | undefined {
  if (!day && !month && !year) return undefined;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return null;
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/**
 * The period from the form, read by the API's own period rule (records/period.ts: dates in
 * Europe/London, `to` including its whole day, from before to; by default the 365 days to now,
 * as GET /partnerships/:id/reports/disputes). Problems are named against their date input.
 */
export function periodFromAnswers(answers: PeriodAnswers): {
  query: { from?: string; to?: string };
  period: { from: string; to: string } | null;
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  const query: { from?: string; to?: string } = {};
  for (const bound of ['from', 'to'] as const) {
    const date = dateOf(answers[`${bound}-day`], answers[`${bound}-month`], answers[`${bound}-year`]);
    if (date === null)
      errors.push({ name: `${bound}-day`, text: `Enter ${BOUND_WORDS[bound]} as a real date` });
    else if (date) query[bound] = date;
  }
  if (errors.length) return { query, period: null, errors };
  try {
    const period = parsePeriod(query, {
      to: () => new Date().toISOString(),
      from: (to) => new Date(Date.parse(to) - YEAR_MS).toISOString(),
    });
    return { query, period: { from: period.from!, to: period.to! }, errors };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const bound = /^to:/.test(err.message) ? 'to' : 'from';
    errors.push({
      name: `${bound}-day`,
      text: /must be before/.test(err.message)
        ? 'The start of the period must be before its end'
        : `Enter ${BOUND_WORDS[bound]} as a real date`,
    });
    return { query, period: null, errors };
  }
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** The period in words with its years (a period may span several), e.g. "1 April 2026 at 00:00 to 1 April 2027 at 00:00". */
export const periodInWords = (period: { from: string; to: string }) =>
  `${LONG_DATE.format(new Date(period.from))} to ${LONG_DATE.format(new Date(period.to))}`;

const steps = (rows: DisputesReport['byHighestTier']) =>
  rows.map((t) => [`${t.protocolId}: ${t.title}`, t.count] as const);

/**
 * The report's figures as one CSV for a spreadsheet: a row per figure (section, item, measure,
 * value), so every breakdown fits one table. Counts and durations only: the chairs' findings
 * stay in the printable report.
 */
export function disputesReportCsv(r: DisputesReport): string {
  const rows: CsvValue[][] = [];
  const add = (section: string, item: string, measure: string, value: CsvValue) =>
    rows.push([section, item, measure, value]);
  add('period', r.partnership.name, 'from', r.period.from);
  add('period', r.partnership.name, 'to (not included)', r.period.to);
  add('totals', 'all', 'raised', r.totals.raised);
  add('totals', 'all', 'raised with immediate risk', r.totals.raisedWithImmediateRisk);
  add('totals', 'all', 'closed', r.totals.closed);
  for (const [status, n] of Object.entries(r.totals.closedByStatus)) add('totals', status, 'closed', n);
  add('totals', 'all', 'open at period end', r.totals.openAtPeriodEnd);
  for (const p of r.byProtocol) {
    add('by protocol', p.title, 'raised', p.raised);
    add('by protocol', p.title, 'closed', p.closed);
    add('by protocol', p.title, 'open at period end', p.openAtPeriodEnd);
  }
  for (const c of r.byCategory) add('by category', c.label, 'raised', c.count);
  for (const [item, n] of steps(r.byHighestTier)) add('by highest step reached', item, 'raised', n);
  for (const a of r.byAgencyPair)
    add('by agencies', `${a.raisingAgency.name} with ${a.receivingAgency.name}`, 'raised', a.count);
  const stats = (item: string, s: DisputesReport['timeToResolution']) => {
    add('time to resolution', item, 'cases', s.count);
    add('time to resolution', item, 'median days', s.medianDays);
    add('time to resolution', item, '90th percentile days', s.p90Days);
    add('time to resolution', item, 'median working days', s.medianWorkingDays);
    add('time to resolution', item, '90th percentile working days', s.p90WorkingDays);
  };
  stats('all', r.timeToResolution);
  for (const p of r.timeToResolution.byProtocol) stats(p.title, { ...p, byProtocol: [] });
  add('missed deadlines', 'all', 'breaches', r.breaches.total);
  add('missed deadlines', 'all', 'cases affected', r.breaches.casesAffected);
  for (const [item, n] of steps(r.breaches.byTier)) add('missed deadlines', item, 'breaches', n);
  add('learning referrals', 'all', 'referrals', r.learningReferrals.total);
  for (const g of r.learningReferrals.bySubGroup) add('learning referrals', g.subGroup, 'referrals', g.count);
  add('final decisions', 'all', 'decisions', r.finalDecisions.total);
  for (const d of r.finalDecisions.byRoute) add('final decisions', d.label, 'decisions', d.count);
  for (const [item, n] of steps(r.openAtPeriodEnd.byTier)) add('open at period end', item, 'cases', n);
  return toCsv(['section', 'item', 'measure', 'value'], rows);
}
