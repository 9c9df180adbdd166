/**
 * The demo page's live loss chart: one SVG polyline per series over training steps, drawn by hand
 * (axes, grid, tick labels) into an <svg> the page provides. SVG rather than canvas so the browser
 * scales it crisply with the page and a test can read what was drawn (each line's data-steps).
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

export interface Series {
  key: string;
  /** CSS class of the series' line (its colour and dash live in the page's stylesheet) */
  className: string;
}

/** The plot area inside the SVG's viewBox: room on the left and below for tick labels. */
const WIDTH = 720;
const HEIGHT = 300;
const LEFT = 52;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 34;

/** A round tick spacing (1, 2 or 5 × 10^k) that cuts `range` into about `count` parts. */
function tickStep(range: number, count: number): number {
  const raw = range / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>,
    text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export class LossChart {
  private readonly values = new Map<string, number[]>();

  constructor(private readonly svg: SVGSVGElement, private readonly series: Series[]) {
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    this.reset();
  }

  /** Forgets every point and draws the empty axes. */
  reset(): void {
    for (const s of this.series) this.values.set(s.key, []);
    this.draw();
  }

  /** Appends one step's loss to a series (call draw() when a step's points are all in). */
  push(key: string, loss: number): void {
    this.values.get(key)?.push(loss);
  }

  draw(): void {
    const all = [...this.values.values()];
    const steps = Math.max(1, ...all.map((v) => v.length));
    const finite = all.flat().filter(Number.isFinite);
    // y from 0: a loss curve read against zero shows how far training has come
    const top = finite.length > 0 ? Math.max(...finite) : 2.5;
    const yStep = tickStep(top, 5);
    const yMax = Math.ceil(top / yStep) * yStep;
    const xStep = Math.max(1, tickStep(steps, 8));
    const plotW = WIDTH - LEFT - RIGHT;
    const plotH = HEIGHT - TOP - BOTTOM;
    const x = (step: number) => LEFT + (steps <= 1 ? 0 : (step / (steps - 1)) * plotW);
    const y = (loss: number) => TOP + plotH - (loss / yMax) * plotH;

    const parts: SVGElement[] = [];
    for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
      parts.push(el('line', {class: 'grid', x1: LEFT, x2: WIDTH - RIGHT, y1: y(v), y2: y(v)}));
      parts.push(el('text', {class: 'tick', x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end'},
          v.toFixed(yStep < 0.1 ? 2 : 1)));
    }
    for (let s = 0; s < steps; s += xStep) {
      parts.push(el('text', {class: 'tick', x: x(s), y: HEIGHT - BOTTOM + 16, 'text-anchor': 'middle'}, String(s + 1)));
    }
    parts.push(el('text', {class: 'axis-label', x: LEFT + plotW / 2, y: HEIGHT - 4, 'text-anchor': 'middle'},
        'training step'));
    parts.push(el('text', {class: 'axis-label', x: 12, y: TOP + plotH / 2, 'text-anchor': 'middle',
      transform: `rotate(-90 12 ${TOP + plotH / 2})`}, 'loss'));
    parts.push(el('line', {class: 'axis', x1: LEFT, x2: LEFT, y1: TOP, y2: TOP + plotH}));
    parts.push(el('line', {class: 'axis', x1: LEFT, x2: WIDTH - RIGHT, y1: TOP + plotH, y2: TOP + plotH}));

    for (const s of this.series) {
      const v = this.values.get(s.key) ?? [];
      // at most one vertex per two units of width: bucket means, so a long run draws as fast as a short one
      const bucket = Math.max(1, Math.ceil(v.length / (plotW / 2)));
      const points: string[] = [];
      for (let i = 0; i < v.length; i += bucket) {
        const span = Math.min(bucket, v.length - i);
        const chunk = v.slice(i, i + span).filter(Number.isFinite);
        if (chunk.length === 0) continue;
        const mean = chunk.reduce((a, b) => a + b, 0) / chunk.length;
        points.push(`${x(i + (span - 1) / 2).toFixed(1)},${y(mean).toFixed(1)}`);
      }
      parts.push(el('polyline', {class: `series ${s.className}`, points: points.join(' '), 'data-steps': v.length}));
    }
    this.svg.replaceChildren(...parts);
  }
}
