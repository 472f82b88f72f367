import { csvField, parseCsv, toCsv } from './csv';

describe('csv (RFC 4180)', () => {
  it('quotes only fields with a comma, quote, CR or LF; doubles quotes; CRLF line ends; header first', () => {
    const text = toCsv(
      ['a', 'b', 'c'],
      [
        ['plain', 'with, comma', 'say "hi"'],
        ['line\nbreak', 3, true],
        [null, undefined, ''],
      ],
    );
    expect(text).toBe('a,b,c\r\nplain,"with, comma","say ""hi"""\r\n"line\nbreak",3,true\r\n,,\r\n');
  });

  it('neutralises spreadsheet formulas with a leading apostrophe', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField(-2)).toBe('-2');
    expect(csvField('2026-05-18T08:30:00.000Z')).toBe('2026-05-18T08:30:00.000Z');
  });

  it('parses back what it writes', () => {
    const rows = [
      ['reference', 'name', 'note'],
      ['SEF-1', 'Smith, "Jo"', 'two\r\nlines'],
      ['SEF-2', '', 'x'],
    ];
    expect(parseCsv(toCsv(rows[0], rows.slice(1)))).toEqual(rows);
    expect(parseCsv('a,b\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});
