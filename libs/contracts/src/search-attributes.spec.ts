import path from 'node:path';
import { readFileSync } from 'node:fs';
import { SEARCH_ATTRIBUTE_KEYS } from './search-attributes';

const TYPE_NAMES: Record<string, string> = {
  KEYWORD: 'Keyword',
  INT: 'Int',
  DATETIME: 'Datetime',
  BOOL: 'Bool',
};

describe('SEARCH_ATTRIBUTES', () => {
  it('matches the list docker-compose registers (infra/temporal/search-attributes.json)', () => {
    const file = JSON.parse(
      readFileSync(path.resolve(__dirname, '../../../infra/temporal/search-attributes.json'), 'utf8'),
    );
    expect(SEARCH_ATTRIBUTE_KEYS.map((k) => ({ name: k.name, type: TYPE_NAMES[k.type] }))).toEqual(file);
  });

  it('fits SQL visibility limits: at most 10 Keyword and 3 each of Int, Datetime, Bool', () => {
    const count = (t: string) => SEARCH_ATTRIBUTE_KEYS.filter((k) => k.type === t).length;
    expect(count('KEYWORD')).toBeLessThanOrEqual(10);
    for (const t of ['INT', 'DATETIME', 'BOOL']) expect(count(t)).toBeLessThanOrEqual(3);
  });
});
