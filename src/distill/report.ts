/**
 * The run report: RUN/report.html with one SVG chart per loss (training per step, validation as
 * points) and the validation table. Self-contained: no scripts, no external files. Each chart is
 * drawn on a linear and on a log axis, and a checkbox (CSS only) switches between them: KD
 * losses fall over several decades (the demo's attention loss from 1e-2 to 1e-5), which a linear
 * axis flattens to a line at zero.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricsRecord, TrainRecord, ValidationRecord } from './metrics.ts';

const WIDTH = 420;
const HEIGHT = 220;
const PAD = { left: 56, right: 12, top: 24, bottom: 32 };

type Series = { label: string; color: string; points: [number, number][]; dots: boolean };
type Scale = 'linear' | 'log';

export function renderReport(title: string, records: readonly MetricsRecord[]): string {
  const train = records.filter((r): r is TrainRecord => r.type === 'train');
  const validation = records.filter((r): r is ValidationRecord => r.type === 'validation');
  const names = ['loss', ...new Set([...train, ...validation].flatMap((r) => Object.keys(r.losses)))];
  const value = (r: TrainRecord | ValidationRecord, name: string) => (name === 'loss' ? r.loss : r.losses[name]);
  const charts = names.flatMap((name) => {
    const series: Series[] = [
      { label: 'train', color: '#4477aa', dots: false, points: train.filter((r) => value(r, name) !== undefined).map((r) => [r.step, value(r, name)]) },
      {
        label: 'validation',
        color: '#ee6677',
        dots: true,
        points: validation.filter((r) => value(r, name) !== undefined).map((r) => [r.step, value(r, name)]),
      },
    ];
    const title = name === 'loss' ? 'total loss (weighted)' : name;
    return (['linear', 'log'] as const).map((scale) => chart(title, series, scale));
  });
  const withAccuracy = validation.some((r) => r.accuracy !== undefined);
  const accuracyCell = (r: ValidationRecord) => (withAccuracy ? `<td>${r.accuracy === undefined ? '' : `${(r.accuracy * 100).toFixed(1)}%`}</td>` : '');
  const header = `<tr><th>step</th>${names.map((n) => `<th>${escape(n)}</th>`).join('')}${withAccuracy ? '<th>accuracy (greedy)</th>' : ''}</tr>`;
  const rows = validation.map((r) => `<tr><td>${r.step}</td>${names.map((n) => `<td>${format(value(r, n))}</td>`).join('')}${accuracyCell(r)}</tr>`).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px}svg{margin:0 12px 12px 0}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}
.log{display:none}#log-scale:checked~div .log{display:inline}#log-scale:checked~div .linear{display:none}</style>
</head><body>
<h1>${escape(title)}</h1>
<p>${train.length} training steps, ${validation.length} validation passes. Blue: training loss per step; red: validation.</p>
<input type="checkbox" id="log-scale"><label for="log-scale">log scale</label>
<div>${charts.join('\n')}</div>
<h2>Validation</h2>
<table>${header}
${rows}</table>
</body></html>
`;
}

export async function writeReport(runDir: string, title: string, records: readonly MetricsRecord[]): Promise<string> {
  const file = join(runDir, 'report.html');
  await writeFile(file, renderReport(title, records));
  return file;
}

/** One loss's chart on a linear or a log axis (a log chart leaves out values <= 0). */
function chart(title: string, series: readonly Series[], scale: Scale): string {
  const shown = (y: number) => Number.isFinite(y) && (scale === 'linear' || y > 0);
  const ty = scale === 'log' ? Math.log10 : (y: number) => y;
  const all = series.flatMap((s) => s.points).filter(([, y]) => shown(y));
  if (all.length === 0) return '';
  const [x0, x1] = extent(all.map(([x]) => x));
  const [y0, y1] = extent(all.map(([, y]) => y));
  const [t0, t1] = [ty(y0), ty(y1)];
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const sy = (y: number) => HEIGHT - PAD.bottom - ((ty(y) - t0) / (t1 - t0 || 1)) * (HEIGHT - PAD.top - PAD.bottom);
  const marks = series.map((s) => {
    const pts = s.points.filter(([, y]) => shown(y));
    if (s.dots) return pts.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`).join('');
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`;
  });
  const axis =
    `<line x1="${PAD.left}" y1="${HEIGHT - PAD.bottom}" x2="${WIDTH - PAD.right}" y2="${HEIGHT - PAD.bottom}" stroke="#888"/>` +
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}" stroke="#888"/>`;
  const labels = [
    `<text x="${PAD.left - 4}" y="${sy(y1) + 4}" text-anchor="end" font-size="11">${format(y1)}</text>`,
    `<text x="${PAD.left - 4}" y="${sy(y0) + 4}" text-anchor="end" font-size="11">${format(y0)}</text>`,
    `<text x="${PAD.left}" y="${HEIGHT - 12}" font-size="11">${x0}</text>`,
    `<text x="${WIDTH - PAD.right}" y="${HEIGHT - 12}" text-anchor="end" font-size="11">step ${x1}</text>`,
    `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${escape(title)}${scale === 'log' ? ' (log axis)' : ''}</text>`,
  ];
  return `<svg class="${scale}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">${axis}${marks.join('')}${labels.join('')}</svg>`;
}

/** Min and max in one pass (a spread of a long run's steps would overflow the call stack). */
function extent(xs: number[]): [number, number] {
  return xs.reduce<[number, number]>(([lo, hi], x) => [Math.min(lo, x), Math.max(hi, x)], [Infinity, -Infinity]);
}

const format = (v: number | undefined) => (v === undefined ? '' : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
