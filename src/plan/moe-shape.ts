/** A pool's expert and attention-data parallelism where above 1, for JSON that shows them only when a pool uses them (dense plans print as before). */
export function moeShape(s: { ep?: number; dp?: number }): { ep?: number; dp?: number } {
  return { ...((s.ep ?? 1) > 1 ? { ep: s.ep } : {}), ...((s.dp ?? 1) > 1 ? { dp: s.dp } : {}) };
}
