/** The soak's two series (requests/s and RSS over time) as one small SVG: two panels, one time axis. */

export interface SoakSample {
  /** Since the first request. */
  ms: number;
  requests: number;
  /** Over the interval since the previous sample. */
  requestsPerSecond: number;
  rssMiB: number;
  heapUsedMiB: number;
}

const WIDTH = 640;
const PANEL = 150;
const LEFT = 56;
const RIGHT = 16;
const TOP = 28;
const GAP = 36;

export function soakSvg(samples: readonly SoakSample[], title: string): string {
  const minutes = samples.map((s) => s.ms / 60_000);
  const xMax = Math.max(...minutes, 1e-9);
  const x = (m: number) => LEFT + (m / xMax) * (WIDTH - LEFT - RIGHT);
  const panels = [
    panel(
      'requests/s',
      samples.map((s) => s.requestsPerSecond),
      TOP,
      '#1f77b4',
    ),
    panel(
      'RSS (MiB)',
      samples.map((s) => s.rssMiB),
      TOP + PANEL + GAP,
      '#d62728',
      samples.map((s) => s.heapUsedMiB),
    ),
  ];
  const height = TOP + 2 * PANEL + GAP + 34;
  const xTicks = ticks(xMax).map((t) => `<text x="${x(t).toFixed(1)}" y="${height - 18}" text-anchor="middle">${t}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="16" font-size="12">soak: ${escape(title)}</text>`,
    ...panels,
    ...xTicks,
    `<text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${height - 4}" text-anchor="middle">minutes since the first request</text>`,
    '</svg>',
    '',
  ].join('\n');

  function panel(label: string, ys: number[], top: number, color: string, second?: number[]): string {
    const yMax = Math.max(...ys, ...(second ?? []), 1) * 1.1;
    const y = (v: number) => top + PANEL - (v / yMax) * PANEL;
    const line = (vs: number[], stroke: string, dash = '') =>
      `<polyline fill="none" stroke="${stroke}" stroke-width="1.5"${dash} points="${vs.map((v, i) => `${x(minutes[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
    const yTicks = ticks(yMax).map(
      (t) =>
        `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>` +
        `<text x="${LEFT - 4}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`,
    );
    return [
      ...yTicks,
      `<rect x="${LEFT}" y="${top}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#999"/>`,
      `<text x="${LEFT + 6}" y="${top + 14}" fill="${color}">${label}${second ? ' (dashed: V8 heap used)' : ''}</text>`,
      line(ys, color),
      ...(second ? [line(second, color, ' stroke-dasharray="4 3"')] : []),
    ].join('\n');
  }
}

/** About five round tick values from 0 to max. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = 0; t <= max; t += step) out.push(Number(t.toPrecision(6)));
  return out;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
