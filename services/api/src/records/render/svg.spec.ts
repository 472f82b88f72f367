import { barChart } from './svg';

describe('barChart', () => {
  it('draws one bar per value, scaled to the largest, with escaped labels and values as text', () => {
    const svg = barChart({
      title: 'By <category>',
      bars: [
        { label: 'A & B', value: 4 },
        { label: '<script>x</script>', value: 2 },
      ],
    }).value;
    expect(svg).toContain('<svg class="chart" xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('aria-label="By &lt;category&gt;"');
    expect(svg.match(/<rect /g)).toHaveLength(2);
    const widths = [...svg.matchAll(/<rect x="250" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths[0]).toBeCloseTo(widths[1] * 2, 0);
    expect(svg).toContain('A &amp; B');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('>4</text>');
  });

  it('truncates long labels on the bar but keeps them whole in the tooltip', () => {
    const label = 'x'.repeat(60);
    const svg = barChart({ title: 't', bars: [{ label, value: 1 }] }).value;
    expect(svg).toContain(`<title>${label}: 1</title>`);
    expect(svg).toContain(`${'x'.repeat(39)}…`);
  });

  it('draws markers (p90) and says so when there is nothing to chart', () => {
    const svg = barChart({
      title: 't',
      bars: [{ label: 'a', value: 2, marker: 5 }],
      unit: ' d',
      markerLabel: 'p90',
    }).value;
    expect(svg).toContain('<line x1=');
    expect(svg).toContain('2 d (p90 5 d)');
    expect(barChart({ title: 'Empty', bars: [] }).value).toContain('nothing to show');
  });
});
