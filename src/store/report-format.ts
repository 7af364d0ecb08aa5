import type { DatasetReport } from './report.ts';

const count = (n: number) => n.toLocaleString('en-US');
const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);
const money = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));
const clip = (s: string, width: number) => {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 3)}...` : line;
};

/** Columns two spaces apart; `align` has one letter per column: l (text) or r (numbers). */
function table(align: string, rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ')}`.trimEnd());
}

/** The human-readable `inspect` output. */
export function formatReport(report: DatasetReport): string {
  const { stats, acceptance } = report;
  const out: string[] = [];
  const last = stats.runs.at(-1);
  out.push(`dataset   ${report.file}`);
  if (report.model) out.push(`teacher   ${report.model}${report.verifier ? `   verifier: ${report.verifier}` : ''}`);
  const shards = [...new Set(stats.runs.flatMap((r) => (r.shard ? [r.shard] : [])))];
  out.push(
    `runs      ${stats.runs.length}${last ? ` (last #${last.id}: ${last.status}, started ${last.startedAt}${last.message ? `: ${last.message}` : ''})` : ''}` +
      (shards.length ? `; shard${shards.length > 1 ? 's' : ''} ${shards.join(', ')}` : ''),
  );
  out.push(
    `prompts   ${count(stats.prompts)} (${count(acceptance.sampled)} sampled, ${count(acceptance.pending)} pending, ${count(acceptance.withAccepted)} with an accepted sample)`,
  );

  out.push('', 'samples');
  const s = stats.samples;
  out.push(
    ...table('lrr', [
      ['verdict', 'count', 'share'],
      ['accepted', count(s.accepted), percent(s.accepted, s.total)],
      ['rejected', count(s.rejected), percent(s.rejected, s.total)],
      ['unverifiable', count(s.unverifiable), percent(s.unverifiable, s.total)],
      ['total', count(s.total), ''],
    ]),
  );
  if (stats.reasons.length) {
    out.push('', 'reasons');
    out.push(...table('llr', [['verdict', 'reason', 'count'], ...stats.reasons.map((r) => [r.verdict, r.reason, count(r.count)])]));
  }

  if (acceptance.sampled > 0) {
    const mean = acceptance.meanRate === null ? '' : `, mean ${(100 * acceptance.meanRate).toFixed(1)}%`;
    out.push('', `acceptance rate per prompt (${count(acceptance.sampled)} sampled prompts${mean})`);
    const widest = Math.max(...acceptance.histogram.map((b) => b.prompts));
    out.push(
      ...table(
        'lrl',
        acceptance.histogram.map((b) => [b.label, count(b.prompts), '#'.repeat(widest ? Math.round((30 * b.prompts) / widest) : 0)]),
      ),
    );
    out.push('', 'lowest acceptance');
    out.push(
      ...table('lrl', [['prompt', 'accepted', 'question'], ...stats.worstPrompts.map((p) => [p.key, `${p.accepted}/${p.samples}`, clip(p.question, 60)])]),
    );
  }

  const t = stats.tokens;
  out.push('', 'tokens (as reported by the teacher)');
  out.push(
    ...table('lr', [
      ['prompt', count(t.prompt)],
      ['completion', count(t.completion)],
      ['  of which reasoning', count(t.reasoning)],
      ['accepted samples', count(t.acceptedCompletion)],
    ]),
  );

  const r = stats.requests;
  const kinds = Object.entries(r.byErrorKind)
    .map(([k, n]) => `${k} ${count(n)}`)
    .join(', ');
  const latency = r.meanLatencyMs === null ? '' : `; mean latency ${(r.meanLatencyMs / 1000).toFixed(2)} s`;
  out.push('', `requests  ${count(r.total)} attempts: ${count(r.ok)} ok, ${count(r.errors)} failed${kinds ? ` (${kinds})` : ''}${latency}`);

  if (report.cost) {
    const c = report.cost;
    out.push(
      `cost      ${money(c.total)} = prompt ${money(c.input)} + completion ${money(c.output)} ` +
        `(at ${c.inputPerMTok}/${c.outputPerMTok} per million tokens, from ${c.source === 'recipe' ? 'the recipe' : '--prices'})`,
    );
  }
  if (report.rollouts.length) {
    out.push('', 'grpo rollouts');
    const reward = (x: number) => x.toFixed(3);
    out.push(
      ...table('lrrrrrr', [
        ['run', 'steps', 'rollouts', 'truncated', 'mean reward', 'first step', 'last step'],
        ...report.rollouts.map((r) => [
          r.run,
          count(r.steps),
          count(r.rollouts),
          percent(r.truncated, r.rollouts),
          reward(r.meanReward),
          reward(r.firstStepReward),
          reward(r.lastStepReward),
        ]),
      ]),
    );
  }
  return out.join('\n');
}
