/**
 * The official UK bank holidays 2018-2030, written out by hand, independently of date-holidays,
 * to check the shipped data (data.spec.ts).
 *
 * 2018-2027: as published by GOV.UK (https://www.gov.uk/bank-holidays), including the one-off
 * days (2020 VE day instead of the first Monday in May, 2022 Platinum Jubilee with the spring
 * holiday moved to Thu 2 Jun, 2022 state funeral of Queen Elizabeth II, 2023 coronation).
 * 2028-2030: the standing rules of the Banking and Financial Dealings Act 1971 and the annual
 * proclamations (substitute weekdays for weekend dates); no one-off days are known yet.
 *
 * Entry: "MM-DD CODE" with "*" after CODE for a substitute day.
 */
import type { Nation } from '../src/types';

const TITLES: Record<string, string> = {
  NYD: 'New Year’s Day',
  JAN2: '2nd January',
  STP: 'St Patrick’s Day',
  GF: 'Good Friday',
  EM: 'Easter Monday',
  MAY: 'Early May bank holiday',
  VE: 'Early May bank holiday (VE day)',
  SPR: 'Spring bank holiday',
  JUB: 'Platinum Jubilee bank holiday',
  FUN: 'Bank Holiday for the State Funeral of Queen Elizabeth II',
  COR: 'Bank holiday for the coronation of King Charles III',
  BOY: 'Battle of the Boyne (Orangemen’s Day)',
  SUM: 'Summer bank holiday',
  STA: 'St Andrew’s Day',
  XMAS: 'Christmas Day',
  BOX: 'Boxing Day',
};

const ENGLAND_AND_WALES: Record<number, string> = {
  2018: '01-01 NYD, 03-30 GF, 04-02 EM, 05-07 MAY, 05-28 SPR, 08-27 SUM, 12-25 XMAS, 12-26 BOX',
  2019: '01-01 NYD, 04-19 GF, 04-22 EM, 05-06 MAY, 05-27 SPR, 08-26 SUM, 12-25 XMAS, 12-26 BOX',
  2020: '01-01 NYD, 04-10 GF, 04-13 EM, 05-08 VE, 05-25 SPR, 08-31 SUM, 12-25 XMAS, 12-28 BOX*',
  2021: '01-01 NYD, 04-02 GF, 04-05 EM, 05-03 MAY, 05-31 SPR, 08-30 SUM, 12-27 XMAS*, 12-28 BOX*',
  2022: '01-03 NYD*, 04-15 GF, 04-18 EM, 05-02 MAY, 06-02 SPR, 06-03 JUB, 08-29 SUM, 09-19 FUN, 12-26 BOX, 12-27 XMAS*',
  2023: '01-02 NYD*, 04-07 GF, 04-10 EM, 05-01 MAY, 05-08 COR, 05-29 SPR, 08-28 SUM, 12-25 XMAS, 12-26 BOX',
  2024: '01-01 NYD, 03-29 GF, 04-01 EM, 05-06 MAY, 05-27 SPR, 08-26 SUM, 12-25 XMAS, 12-26 BOX',
  2025: '01-01 NYD, 04-18 GF, 04-21 EM, 05-05 MAY, 05-26 SPR, 08-25 SUM, 12-25 XMAS, 12-26 BOX',
  2026: '01-01 NYD, 04-03 GF, 04-06 EM, 05-04 MAY, 05-25 SPR, 08-31 SUM, 12-25 XMAS, 12-28 BOX*',
  2027: '01-01 NYD, 03-26 GF, 03-29 EM, 05-03 MAY, 05-31 SPR, 08-30 SUM, 12-27 XMAS*, 12-28 BOX*',
  2028: '01-03 NYD*, 04-14 GF, 04-17 EM, 05-01 MAY, 05-29 SPR, 08-28 SUM, 12-25 XMAS, 12-26 BOX',
  2029: '01-01 NYD, 03-30 GF, 04-02 EM, 05-07 MAY, 05-28 SPR, 08-27 SUM, 12-25 XMAS, 12-26 BOX',
  2030: '01-01 NYD, 04-19 GF, 04-22 EM, 05-06 MAY, 05-27 SPR, 08-26 SUM, 12-25 XMAS, 12-26 BOX',
};

/** Scotland: 2nd January, no Easter Monday, summer holiday first Monday of August, St Andrew's Day. */
const SCOTLAND: Record<number, string> = {
  2018: '01-01 NYD, 01-02 JAN2, 03-30 GF, 05-07 MAY, 05-28 SPR, 08-06 SUM, 11-30 STA, 12-25 XMAS, 12-26 BOX',
  2019: '01-01 NYD, 01-02 JAN2, 04-19 GF, 05-06 MAY, 05-27 SPR, 08-05 SUM, 12-02 STA*, 12-25 XMAS, 12-26 BOX',
  2020: '01-01 NYD, 01-02 JAN2, 04-10 GF, 05-08 VE, 05-25 SPR, 08-03 SUM, 11-30 STA, 12-25 XMAS, 12-28 BOX*',
  2021: '01-01 NYD, 01-04 JAN2*, 04-02 GF, 05-03 MAY, 05-31 SPR, 08-02 SUM, 11-30 STA, 12-27 XMAS*, 12-28 BOX*',
  2022: '01-03 NYD*, 01-04 JAN2*, 04-15 GF, 05-02 MAY, 06-02 SPR, 06-03 JUB, 08-01 SUM, 09-19 FUN, 11-30 STA, 12-26 BOX, 12-27 XMAS*',
  2023: '01-02 NYD*, 01-03 JAN2*, 04-07 GF, 05-01 MAY, 05-08 COR, 05-29 SPR, 08-07 SUM, 11-30 STA, 12-25 XMAS, 12-26 BOX',
  2024: '01-01 NYD, 01-02 JAN2, 03-29 GF, 05-06 MAY, 05-27 SPR, 08-05 SUM, 12-02 STA*, 12-25 XMAS, 12-26 BOX',
  2025: '01-01 NYD, 01-02 JAN2, 04-18 GF, 05-05 MAY, 05-26 SPR, 08-04 SUM, 12-01 STA*, 12-25 XMAS, 12-26 BOX',
  2026: '01-01 NYD, 01-02 JAN2, 04-03 GF, 05-04 MAY, 05-25 SPR, 08-03 SUM, 11-30 STA, 12-25 XMAS, 12-28 BOX*',
  2027: '01-01 NYD, 01-04 JAN2*, 03-26 GF, 05-03 MAY, 05-31 SPR, 08-02 SUM, 11-30 STA, 12-27 XMAS*, 12-28 BOX*',
  2028: '01-03 NYD*, 01-04 JAN2*, 04-14 GF, 05-01 MAY, 05-29 SPR, 08-07 SUM, 11-30 STA, 12-25 XMAS, 12-26 BOX',
  2029: '01-01 NYD, 01-02 JAN2, 03-30 GF, 05-07 MAY, 05-28 SPR, 08-06 SUM, 11-30 STA, 12-25 XMAS, 12-26 BOX',
  2030: '01-01 NYD, 01-02 JAN2, 04-19 GF, 05-06 MAY, 05-27 SPR, 08-05 SUM, 12-02 STA*, 12-25 XMAS, 12-26 BOX',
};

/** Northern Ireland: England and Wales plus St Patrick's Day and the Battle of the Boyne. */
const NORTHERN_IRELAND_EXTRA: Record<number, string> = {
  2018: '03-19 STP*, 07-12 BOY',
  2019: '03-18 STP*, 07-12 BOY',
  2020: '03-17 STP, 07-13 BOY*',
  2021: '03-17 STP, 07-12 BOY',
  2022: '03-17 STP, 07-12 BOY',
  2023: '03-17 STP, 07-12 BOY',
  2024: '03-18 STP*, 07-12 BOY',
  2025: '03-17 STP, 07-14 BOY*',
  2026: '03-17 STP, 07-13 BOY*',
  2027: '03-17 STP, 07-12 BOY',
  2028: '03-17 STP, 07-12 BOY',
  2029: '03-19 STP*, 07-12 BOY',
  2030: '03-18 STP*, 07-12 BOY',
};

export interface OfficialHoliday {
  date: string;
  title: string;
  notes: string;
}

function expand(year: number, spec: string): OfficialHoliday[] {
  return spec.split(',').map((item) => {
    const m = /^(\d\d-\d\d) ([A-Z0-9]+)(\*?)$/.exec(item.trim());
    if (!m || !TITLES[m[2]]) throw new Error(`bad fixture entry "${item}"`);
    return { date: `${year}-${m[1]}`, title: TITLES[m[2]], notes: m[3] ? 'Substitute day' : '' };
  });
}

export const OFFICIAL_YEARS = { from: 2018, to: 2030 };

export function officialBankHolidays(nation: Nation): OfficialHoliday[] {
  const out: OfficialHoliday[] = [];
  for (let y = OFFICIAL_YEARS.from; y <= OFFICIAL_YEARS.to; y++) {
    if (nation === 'england-and-wales') out.push(...expand(y, ENGLAND_AND_WALES[y]));
    if (nation === 'scotland') out.push(...expand(y, SCOTLAND[y]));
    if (nation === 'northern-ireland') {
      out.push(...expand(y, ENGLAND_AND_WALES[y]), ...expand(y, NORTHERN_IRELAND_EXTRA[y]));
    }
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : 1));
}
