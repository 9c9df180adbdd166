/**
 * The perplexity chart: held-out perplexity per epoch, one line per head, as a standalone SVG string
 * (no DOM): start.ts writes it to a file (docs/lm_perplexity.svg), the demo page sets it as markup.
 * Perplexity on a log axis (equal ratios look equal: it falls by factors); epoch 0 is the untrained
 * model. The solid line is drawn wide and a dashed one over it, so two heads that agree both show. Every line carries its numbers in data-values, for tests and for people.
 */

export interface ChartSeries {
  key: string;
  label: string;
  /** perplexity after epoch e at index e (0: before training); missing where the run stopped */
  values: Array<number | undefined>;
  color: string;
  /** stroke-dasharray, so two lines that coincide both stay visible */
  dash?: string;
}

const WIDTH = 720;
const HEIGHT = 340;
const LEFT = 64;
const RIGHT = 16;
const TOP = 40;
const BOTTOM = 76;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round step (1, 2 or 5 × 10^k) cutting `range` into about `count` parts. */
function niceStep(range: number, count: number): number {
  const raw = range / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/**
 * Ticks within [lo, hi]: 1, 2, 5 × 10^k over more than a decade; round linear steps within one
 * (a log axis from 450 to 650 would otherwise show a single tick).
 */
function ticksFor(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  if (hi / lo < 10) {
    const step = niceStep(hi - lo, 5);
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(Number(v.toPrecision(12)));
    return ticks;
  }
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** p;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

export function perplexityChart(series: ChartSeries[], title: string, subtitle = ''): string {
  const finite = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const epochs = Math.max(1, ...series.map((s) => s.values.length - 1));
  const lo0 = finite.length > 0 ? Math.min(...finite) : 100;
  const hi0 = finite.length > 0 ? Math.max(...finite) : 1000;
  // a little room above and below, and at least a factor of 2 in view
  let [lo, hi] = [lo0 / 1.08, hi0 * 1.08];
  if (hi / lo < 2) { const mid = Math.sqrt(lo * hi); [lo, hi] = [mid / Math.SQRT2, mid * Math.SQRT2]; }
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (e: number) => LEFT + (e / epochs) * plotW;
  const y = (v: number) => TOP + plotH - ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" ` +
      `font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="${esc(title)}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text class="title" x="${LEFT}" y="18" font-size="15" font-weight="600" fill="#222">${esc(title)}</text>`,
  ];
  if (subtitle !== '') out.push(`<text class="subtitle" x="${LEFT}" y="33" fill="#555">${esc(subtitle)}</text>`);
  for (const t of ticksFor(lo, hi)) {
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${LEFT - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${t}</text>`);
  }
  for (let e = 0; e <= epochs; e++) {
    out.push(`<text x="${x(e).toFixed(1)}" y="${TOP + plotH + 16}" text-anchor="middle" fill="#555">${e}</text>`);
  }
  out.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotH}" stroke="#888"/>`);
  out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + plotH}" y2="${TOP + plotH}" stroke="#888"/>`);
  out.push(`<text x="${LEFT + plotW / 2}" y="${TOP + plotH + 34}" text-anchor="middle" fill="#555">epoch (0: before training)</text>`);
  out.push(`<text x="14" y="${TOP + plotH / 2}" text-anchor="middle" fill="#555" ` +
    `transform="rotate(-90 14 ${TOP + plotH / 2})">held-out perplexity (log scale)</text>`);
  series.forEach((s, i) => {
    const pts = s.values.map((v, e) => (v !== undefined && Number.isFinite(v) ? `${x(e).toFixed(1)},${y(v).toFixed(1)}` : ''))
        .filter((p) => p !== '');
    const values = s.values.map((v) => (v === undefined ? '' : v.toFixed(2))).join(' ');
    out.push(`<polyline class="series ${esc(s.key)}" data-values="${values}" points="${pts.join(' ')}" fill="none" ` +
      `stroke="${s.color}" stroke-width="${s.dash ? 2 : 3.5}" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${s.color}"/>`);
    }
    // legend below the axis label
    const lx = LEFT + i * (plotW / Math.max(1, series.length));
    const ly = HEIGHT - 14;
    out.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.2"` +
      `${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<text class="legend" x="${lx + 34}" y="${ly}" fill="#222">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
