/**
 * A reliability diagram as SVG text: per confidence bin, a bar of the bin's accuracy, a tick at its mean
 * confidence, and the diagonal a perfectly calibrated model's bars would reach; a strip below shows how
 * many rows each bin holds. Two panels side by side, before and after temperature scaling. Plain text so
 * that `npm start` writes it to a file and the demo page sets it as markup, with no DOM or canvas.
 */
import type {CalibrationResult} from '../../index';

export interface Panel {
  title: string;
  result: CalibrationResult;
}

const PANEL = 300;  // the plot square of one panel
const LEFT = 46;
const TOP = 44;
const GAP = 56;
const STRIP = 40;  // the counts strip below the plot
const BOTTOM = 44;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (v: number) => Number(v.toFixed(2));

function panel(p: Panel, x0: number): string[] {
  const {bins, ece, mce} = p.result;
  const total = bins.reduce((a, b) => a + b.count, 0);
  const most = Math.max(1, ...bins.map((b) => b.count));
  const X = (v: number) => f(x0 + v * PANEL);
  const Y = (v: number) => f(TOP + (1 - v) * PANEL);
  const out: string[] = [];
  out.push(`<text x="${X(0.5)}" y="${TOP - 24}" text-anchor="middle" class="title">${escape(p.title)}</text>`);
  out.push(`<text x="${X(0.5)}" y="${TOP - 8}" text-anchor="middle" class="note">ECE ${(100 * ece).toFixed(2)}%, ` +
      `MCE ${(100 * mce).toFixed(2)}%, ${total} digits</text>`);
  out.push(`<rect x="${X(0)}" y="${Y(1)}" width="${PANEL}" height="${PANEL}" class="frame"/>`);
  for (let t = 0; t <= 5; t++) {
    const v = t / 5;
    out.push(`<line x1="${X(0)}" y1="${Y(v)}" x2="${X(1)}" y2="${Y(v)}" class="grid"/>`);
    out.push(`<text x="${X(0) - 6}" y="${Y(v) + 4}" text-anchor="end" class="tick">${v.toFixed(1)}</text>`);
    out.push(`<text x="${X(v)}" y="${Y(0) + STRIP + 16}" text-anchor="middle" class="tick">${v.toFixed(1)}</text>`);
  }
  for (const b of bins) {
    const w = X(b.upper) - X(b.lower);
    if (b.count > 0) {
      // the gap between accuracy and confidence, shaded, then the accuracy bar over it
      const top = Math.max(b.accuracy, b.confidence);
      const bottom = Math.min(b.accuracy, b.confidence);
      out.push(`<rect x="${X(b.lower)}" y="${Y(top)}" width="${f(w)}" height="${f(Y(bottom) - Y(top))}" class="gap"/>`);
      out.push(`<rect x="${X(b.lower)}" y="${Y(b.accuracy)}" width="${f(w)}" height="${f(Y(0) - Y(b.accuracy))}" ` +
          `class="bar"><title>(${b.lower.toFixed(3)}, ${b.upper.toFixed(3)}]: ${b.count} digits, accuracy ` +
          `${b.accuracy.toFixed(3)}, confidence ${b.confidence.toFixed(3)}</title></rect>`);
      out.push(`<line x1="${X(b.lower)}" y1="${Y(b.confidence)}" x2="${X(b.upper)}" y2="${Y(b.confidence)}" class="conf"/>`);
    }
    const h = b.count === 0 ? 0 : Math.max(1, (STRIP - 6) * Math.sqrt(b.count / most));
    out.push(`<rect x="${X(b.lower)}" y="${f(Y(0) + STRIP - h)}" width="${f(w)}" height="${f(h)}" class="count"/>`);
  }
  out.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}" class="diagonal"/>`);
  out.push(`<text x="${X(0.5)}" y="${Y(0) + STRIP + 34}" text-anchor="middle" class="axis">confidence (top softmax ` +
      `probability)</text>`);
  out.push(`<text transform="translate(${x0 - 34} ${Y(0.5)}) rotate(-90)" text-anchor="middle" class="axis">` +
      'accuracy</text>');
  return out;
}

/** The SVG document of one or more panels side by side. */
export function reliabilitySvg(panels: Panel[]): string {
  const width = LEFT + panels.length * PANEL + (panels.length - 1) * GAP + 16;
  const height = TOP + PANEL + STRIP + BOTTOM;
  const body = panels.flatMap((p, k) => panel(p, LEFT + k * (PANEL + GAP)));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
        'font-family="sans-serif">',
    '<style>.title{font-size:14px;font-weight:bold}.note,.axis{font-size:12px}.tick{font-size:10px;fill:#555}' +
        '.frame{fill:none;stroke:#999}.grid{stroke:#eee}.bar{fill:#4a78c2}.gap{fill:#e8a0a0}' +
        '.conf{stroke:#c23b3b;stroke-width:2}.count{fill:#999}.diagonal{stroke:#333;stroke-dasharray:4 3}</style>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
