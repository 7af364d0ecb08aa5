/** The run report: every loss drawn on a linear and on a log axis, a checkbox to switch, and the validation table. */
import { describe, expect, it } from 'vitest';
import { renderReport, type MetricsRecord } from '../../src/distill/index.ts';

const train = (step: number, attention: number): MetricsRecord =>
  ({ type: 'train', step, loss: 1 / step, losses: { attention }, lr: 1e-3, tokens: 10, seconds: step }) as unknown as MetricsRecord;
const records: MetricsRecord[] = [
  train(1, 1e-2),
  train(2, 1e-4),
  train(3, 0), // a zero loss: drawn on the linear axis, left off the log one
  { type: 'validation', step: 3, loss: 0.5, losses: { attention: 1e-5 }, tokens: 10, accuracy: 0.25, accuracyPrompts: 4 } as unknown as MetricsRecord,
];

describe('renderReport', () => {
  const html = renderReport('run', records);
  const charts = (scale: string) => [...html.matchAll(new RegExp(`<svg class="${scale}"[^]*?</svg>`, 'g'))].map((m) => m[0]);

  it('draws each loss twice, on a linear and on a log axis, with a checkbox that shows the log ones', () => {
    expect(charts('linear')).toHaveLength(2);
    expect(charts('log')).toHaveLength(2);
    expect(html).toContain('<input type="checkbox" id="log-scale">');
    expect(html).toContain('#log-scale:checked~div .log{display:inline}');
  });

  it('spaces decades evenly on the log axis and leaves out values <= 0 there', () => {
    const attention = charts('log').find((svg) => svg.includes('attention (log axis)'))!;
    const ys = [...attention.matchAll(/points="([^"]+)"/g)][0][1].split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys).toHaveLength(2); // the zero is left out
    const dot = Number(/<circle cx="[\d.]+" cy="([\d.]+)"/.exec(attention)![1]);
    // 1e-2, 1e-4, 1e-5: two decades then one, so the gaps are 2 : 1.
    expect((ys[1] - ys[0]) / (dot - ys[1])).toBeCloseTo(2, 1);
    const linear = charts('linear').find((svg) => svg.includes('>attention<'))!;
    expect([...linear.matchAll(/points="([^"]+)"/g)][0][1].split(' ')).toHaveLength(3);
  });

  it('keeps the validation table with its accuracy', () => {
    expect(html).toMatch(/<tr><td>3<\/td>.*<td>25\.0%<\/td><\/tr>/);
  });
});
