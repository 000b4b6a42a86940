import type { Plan, PlanScheduleBlock } from '../plan/plan.js';
import { plainText } from './escape.js';
import type { Escape } from './escape.js';
import { sig, usdText } from './format.js';

/** One row of the schedule chart: an hour (a day's profile) or a block of hours (a week's). */
interface ScheduleRow {
  label: string;
  block: PlanScheduleBlock;
  committed: number;
  onDemand: number;
  spot: number;
}

const BAR_WIDTH = 40;
/** Bar characters: committed, on-demand, spot (distinct without colour). */
const MARKS = { committed: '█', onDemand: '▒', spot: '░' };

function rowsOf(plan: Plan): ScheduleRow[] {
  const schedule = plan.schedule ?? [];
  const sum = (b: PlanScheduleBlock, key: 'committed' | 'onDemand' | 'spot') => b.pools.reduce((s, p) => s + p[key], 0);
  const perHour = (plan.purchase?.periodHours ?? 24) <= 24;
  return schedule.flatMap((block) => {
    const row = (label: string) => ({ label, block, committed: sum(block, 'committed'), onDemand: sum(block, 'onDemand'), spot: sum(block, 'spot') });
    if (!perHour) return [row(`${hourLabel(block.startHour)}+${block.hours}h`)];
    return Array.from({ length: block.hours }, (_, k) => row(hourLabel(block.startHour + k)));
  });
}

/** "07" for hour 7 of a day; "Tue 07" for hour 31 of a week. */
function hourLabel(hour: number): string {
  const h = String(hour % 24).padStart(2, '0');
  return hour < 24 && hour >= 0 ? h : `${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][Math.floor(hour / 24) % 7]} ${h}`;
}

/** The schedule summary and a plain-text chart of instances and cost per hour (no colour needed; empty without a profile). */
export function scheduleLines(plan: Plan, esc: Escape = plainText): string[] {
  const p = plan.purchase;
  if (!plan.schedule || !p) return [];
  const rows = rowsOf(plan);
  const most = Math.max(1, ...rows.map((r) => r.committed + r.onDemand + r.spot));
  const scale = most > BAR_WIDTH ? BAR_WIDTH / most : 1;
  const bar = (n: number, mark: string) => mark.repeat(Math.round(n * scale));
  const labelWidth = Math.max(4, ...rows.map((r) => r.label.length));
  const rateWidth = Math.max(5, ...rows.map((r) => sig(r.block.ratePerSecond).length));
  const committed = p.pools.filter((x) => x.committedPerHour !== null).length > 0;
  const prices = p.pools.map(
    (x) => `${esc(x.pool)}: on-demand ${x.onDemandPerHour === null ? 'not allowed' : `${usdText(x.onDemandPerHour)}/h`}, committed ${x.committedPerHour === null ? 'none' : `${usdText(x.committedPerHour)}/h`}, spot ${x.spotPerHour === null ? 'none' : x.spotAllowed ? `${usdText(x.spotPerHour)}/h` : 'not without redundancy'}; scale-up ${sig(x.scaleUpSeconds)} s (weights at ${sig(p.storageBandwidthBytesPerSecond / 2 ** 20)} MiB/s)`,
  );
  return [
    `over the ${p.periodHours === 24 ? 'day' : 'week'} (${p.fromTrace ? "the trace's hourly profile" : 'workload.profile'}): ${usdText(p.costPerMonth)}/month (a month is ${p.hoursPerMonth} h), against ${usdText(p.staticCostPerMonth)}/month for the static peak-sized plan: saves ${usdText(p.savingPerMonth)}/month (${sig(p.savingPercent)}%)`,
    `  buying ${p.options.join(', ')}; at least ${p.minInstances} instance${p.minInstances === 1 ? '' : 's'} per pool; ${p.solver === 'fallback' ? 'no verified schedule: the peak fleet every hour' : `schedule MILP ${p.solver}`}`,
    `  ${esc(p.verification)}`,
    ...prices.map((l) => `  ${l}`),
    '',
    `${MARKS.committed} committed${committed ? '' : ' (none priced)'}, ${MARKS.onDemand} on-demand, ${MARKS.spot} spot`,
    `${'hour'.padEnd(labelWidth)} ${'req/s'.padStart(rateWidth)}  ${'instances'.padEnd(BAR_WIDTH + 5)} ${'$/h'.padStart(10)}`,
    ...rows.map((r) => {
      const bars = `${bar(r.committed, MARKS.committed)}${bar(r.onDemand, MARKS.onDemand)}${bar(r.spot, MARKS.spot)}`;
      const counts = `${r.committed + r.onDemand + r.spot}`;
      return `${r.label.padEnd(labelWidth)} ${sig(r.block.ratePerSecond).padStart(rateWidth)}  ${`${bars} ${counts}`.padEnd(BAR_WIDTH + 5)} ${usdText(r.block.costPerHour).padStart(10)}`;
    }),
  ];
}

/** The schedule as a markdown table (per block: hours, rate, instances per pool bought each way, cost). */
export function scheduleMarkdown(plan: Plan, esc: Escape): string[] {
  const p = plan.purchase;
  if (!plan.schedule || !p) return [];
  const pools = p.pools.map((x) => x.pool);
  return [
    `**Over the ${p.periodHours === 24 ? 'day' : 'week'}: ${usdText(p.costPerMonth)}/month** against ${usdText(p.staticCostPerMonth)}/month for the static peak-sized plan — saves ${usdText(p.savingPerMonth)}/month (${sig(p.savingPercent)}%; a month is ${p.hoursPerMonth} h). Buying ${p.options.join(', ')}. ${esc(p.verification)}.`,
    '',
    `| hours | req/s | ${pools.map((x) => `${esc(x)} (committed + on-demand + spot)`).join(' | ')} | $/h |`,
    `|---|--:|${pools.map(() => '--:|').join('')}--:|`,
    ...plan.schedule.map(
      (b) =>
        `| ${hourLabel(b.startHour)}–${hourLabel(b.startHour + b.hours - 1)} | ${sig(b.ratePerSecond)} | ${b.pools.map((x) => `${x.committed} + ${x.onDemand} + ${x.spot}`).join(' | ')} | ${usdText(b.costPerHour)} |`,
    ),
  ];
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The schedule as a standalone SVG chart: stacked instances per hour (committed, on-demand, spot) and the cost per hour as a line. */
export function scheduleSvg(plan: Plan): string {
  const p = plan.purchase!;
  const hours = (plan.schedule ?? []).flatMap((b) => Array.from({ length: b.hours }, () => b));
  const width = 760;
  const height = 360;
  const left = 50;
  const right = 60;
  const top = 40;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const sum = (b: PlanScheduleBlock, key: 'committed' | 'onDemand' | 'spot') => b.pools.reduce((s, x) => s + x[key], 0);
  const most = Math.max(1, ...hours.map((b) => sum(b, 'committed') + sum(b, 'onDemand') + sum(b, 'spot')));
  const costMost = Math.max(1e-9, ...hours.map((b) => b.costPerHour));
  const barW = plotW / Math.max(1, hours.length);
  const y = (n: number) => top + plotH - (n / most) * plotH;
  const f = (x: number) => x.toFixed(1);
  const colours = { committed: '#1f5fa8', onDemand: '#7fb2e5', spot: '#f0b85a' };
  const bars = hours.flatMap((b, h) => {
    let base = 0;
    return (['committed', 'onDemand', 'spot'] as const).flatMap((key) => {
      const n = sum(b, key);
      if (n === 0) return [];
      const rect = `<rect x="${f(left + h * barW + 1)}" y="${f(y(base + n))}" width="${f(barW - 2)}" height="${f(y(base) - y(base + n))}" fill="${colours[key]}"><title>${hourLabel(h)}: ${n} ${key}</title></rect>`;
      base += n;
      return [rect];
    });
  });
  const line = hours.map((b, h) => `${f(left + (h + 0.5) * barW)},${f(top + plotH - (b.costPerHour / costMost) * plotH)}`).join(' ');
  const ticks = Array.from({ length: Math.min(most, 8) + 1 }, (_, k) => Math.round((k * most) / Math.min(most, 8)));
  const hourTicks = hours.map((_, h) => h).filter((h) => h % (hours.length > 24 ? 24 : 3) === 0);
  const title = `${plan.name ?? plan.model}: ${usdText(p.costPerMonth)}/month vs ${usdText(p.staticCostPerMonth)}/month static (saves ${sig(p.savingPercent)}%)`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14">${xml(title)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`,
    ...ticks.map((t) => `<text x="${left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t}</text>`),
    `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">instances</text>`,
    ...hourTicks.map((h) => `<text x="${f(left + (h + 0.5) * barW)}" y="${top + plotH + 16}" text-anchor="middle">${xml(hourLabel(h))}</text>`),
    ...bars,
    `<polyline points="${line}" fill="none" stroke="#c0392b" stroke-width="2"/>`,
    `<text x="${left + plotW + 6}" y="${top + 4}" fill="#c0392b">${xml(usdText(costMost))}/h</text>`,
    `<text x="${left + plotW + 6}" y="${top + plotH}" fill="#c0392b">$0/h</text>`,
    ...(['committed', 'onDemand', 'spot'] as const).map(
      (key, k) => `<rect x="${left + k * 120}" y="${height - 14}" width="10" height="10" fill="${colours[key]}"/><text x="${left + k * 120 + 14}" y="${height - 5}">${key === 'onDemand' ? 'on-demand' : key}</text>`,
    ),
    `<line x1="${left + 360}" y1="${height - 9}" x2="${left + 380}" y2="${height - 9}" stroke="#c0392b" stroke-width="2"/><text x="${left + 384}" y="${height - 5}">cost per hour</text>`,
    '</svg>',
    '',
  ].join('\n');
}
