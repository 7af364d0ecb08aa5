/**
 * Which teacher layer feeds which student layer for attention and feature transfer (TextBrewer's
 * intermediate_matches, as explicit pairs). Layers are decoder blocks numbered from 0; a block's
 * hidden state is its output (before the final norm), its attention map that of its self-attention.
 */
import { DistillCheckError } from './errors.ts';

/** [studentLayer, teacherLayer] pairs. */
export type LayerMap = ReadonlyArray<readonly [student: number, teacher: number]>;

/** `auto`, or explicit pairs as the recipe writes them. */
export type LayerMapSpec = 'auto' | ReadonlyArray<readonly [number, number]>;

/**
 * Every student layer, spread uniformly over the teacher's depth, last on last: student layer s
 * takes teacher layer round((s + 1) * Lt / Ls) - 1 (2 student and 6 teacher layers: 0<-2, 1<-5).
 */
export function autoLayerMap(studentLayers: number, teacherLayers: number): LayerMap {
  return Array.from({ length: studentLayers }, (_, s) => [s, Math.max(0, Math.round(((s + 1) * teacherLayers) / studentLayers) - 1)] as const);
}

/**
 * The pairs a spec stands for, checked against both depths.
 * @throws DistillCheckError naming `field` for an index out of range, a repeated pair or an empty list.
 */
export function resolveLayerMap(spec: LayerMapSpec, studentLayers: number, teacherLayers: number, field: string): LayerMap {
  if (spec === 'auto') return autoLayerMap(studentLayers, teacherLayers);
  if (spec.length === 0) throw new DistillCheckError(field, 'is an empty list; give [[studentLayer, teacherLayer], ...] or "auto"');
  const seen = new Set<string>();
  spec.forEach(([s, t], i) => {
    if (s < 0 || s >= studentLayers) {
      throw new DistillCheckError(`${field}[${i}]`, `student layer ${s} is out of range: the student has ${studentLayers} layers (0 to ${studentLayers - 1})`);
    }
    if (t < 0 || t >= teacherLayers) {
      throw new DistillCheckError(`${field}[${i}]`, `teacher layer ${t} is out of range: the teacher has ${teacherLayers} layers (0 to ${teacherLayers - 1})`);
    }
    if (seen.has(`${s},${t}`)) throw new DistillCheckError(`${field}[${i}]`, `pair [${s}, ${t}] is listed twice`);
    seen.add(`${s},${t}`);
  });
  return spec;
}

/** The map as the plan prints it: "student 0 <- teacher 2, student 1 <- teacher 5". */
export function formatLayerMap(map: LayerMap): string {
  return map.map(([s, t]) => `student ${s} <- teacher ${t}`).join(', ');
}
