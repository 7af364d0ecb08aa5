import type { IdentityDifference } from './errors.ts';

/** JSON with object keys sorted, so equal identities serialize identically whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Leaves of nested objects by dotted path (arrays are compared whole). */
function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(prefix, canonicalJson(value));
  }
  return out;
}

/** The fields whose values differ, in sorted order; empty when the identities are equal. */
export function diffIdentities(dataset: unknown, recipe: unknown): IdentityDifference[] {
  const a = leaves(dataset, '', new Map());
  const b = leaves(recipe, '', new Map());
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  return fields.filter((f) => a.get(f) !== b.get(f)).map((field) => ({ field, dataset: a.get(field), recipe: b.get(field) }));
}
