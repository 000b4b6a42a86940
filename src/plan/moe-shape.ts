/** A pool's expert and attention-data parallelism where above 1, for JSON that shows them only when a pool uses them (dense plans print as before). */
export function moeShape(s: { ep?: number; dp?: number }): { ep?: number; dp?: number } {
  return { ...((s.ep ?? 1) > 1 ? { ep: s.ep } : {}), ...((s.dp ?? 1) > 1 ? { dp: s.dp } : {}) };
}

/** A pool's shape in one word: "tp8", "tp8 pp2", "tp1 dp16 ep16". */
export function shapeText(p: { tp: number; pp: number; ep?: number; dp?: number }): string {
  return `tp${p.tp}${(p.dp ?? 1) > 1 ? ` dp${p.dp}` : ''}${(p.ep ?? 1) > 1 ? ` ep${p.ep}` : ''}${p.pp > 1 ? ` pp${p.pp}` : ''}`;
}
