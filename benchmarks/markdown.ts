/**
 * The report as Markdown (benchmarks/results/latest.md, and what `npm run bench` prints): a header of
 * facts, a summary with one line per backend and shape, then every row.
 */
import {Kind, MethodId, Report, Row} from './row';

const ms = (v: number) => (!isFinite(v) ? '—' : v < 0.1 ? v.toPrecision(2) : v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : v.toFixed(0));
// a step at or below the timer's resolution (0.1 ms in a page that is not cross-origin isolated) has no ratio
const times = (v: number) => (!isFinite(v) || v === 0 ? '—' : `${v < 10 ? v.toFixed(1) : v.toFixed(0)}×`);
// two significant digits at least: a GPU step at [64,10] moves a few kB in milliseconds
const gbps = (v: number) => (!isFinite(v) ? '—' : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2));
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
export const shapeText = (s: [number, number]) => `[${s.join(',')}]`;

/** The rows of one backend and shape, in the order they ran. */
export function groups(rows: Row[]): Row[][] {
  const byKey = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.backend} ${r.shape}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey.values()];
}

export function find(group: Row[], kind: Kind, method: MethodId): Row | undefined {
  return group.find((r) => r.kind === kind && r.method === method);
}

/** Every row; before each backend and shape, the copy that is its bandwidth floor. */
export function formatTable(rows: Row[]): string {
  const lines = [
    '| backend | shape | kind | method | median ms | speedup vs tf.losses | GB/s | × copy | peak MiB | ' +
        'peak / (logits + grad) | kernels (+Identity) |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const group of groups(rows)) {
    const {backend, shape, copyMs, copyGbps} = group[0];
    lines.push(`| ${backend} | ${shapeText(shape)} | | copy of the logits (bandwidth floor) | ${ms(copyMs)} | | ` +
        `${gbps(copyGbps)} | 1.0 | | | |`);
    for (const r of group) {
      lines.push(`| ${r.backend} | ${shapeText(r.shape)} | ${r.kind} | ${r.label} | ${ms(r.medianMs)} | ` +
          `${times(r.speedup)} | ${gbps(r.gbps)} | ${times(r.vsCopy).replace('×', '')} | ${mib(r.peakBytes)} | ` +
          `${r.peakRatio.toFixed(2)} | ${r.kernels} (+${r.identities}) |`);
    }
  }
  return lines.join('\n');
}

/**
 * One line per backend and shape: the fused loss against both built-ins, how close loss-and-grad comes
 * to the copy's bandwidth, and the peak memory of value-and-grad.
 */
export function formatSummary(rows: Row[]): string {
  const lines = [
    '| backend | shape | loss only: fused vs tf.losses | vs tfjs-layers | value-and-grad: tape vs tf.losses | ' +
        'loss-and-grad vs tf.losses | vs tfjs-layers | loss-and-grad GB/s (copy GB/s) | ' +
        'peak / (logits + grad): tf.losses, tfjs-layers, loss-and-grad |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const g of groups(rows)) {
    const loss = find(g, 'loss', 'fused');
    const tape = find(g, 'value-and-grad', 'fused tape');
    const lag = find(g, 'value-and-grad', 'fused loss-and-grad');
    const builtin = find(g, 'value-and-grad', 'tf.losses');
    const layersLoss = find(g, 'loss', 'tfjs-layers');
    const layers = find(g, 'value-and-grad', 'tfjs-layers');
    if (!loss || !tape || !lag || !builtin || !layersLoss || !layers) continue;
    lines.push(`| ${g[0].backend} | ${shapeText(g[0].shape)} | ${times(loss.speedup)} | ` +
        `${times(layersLoss.medianMs / loss.medianMs)} | ${times(tape.speedup)} | **${times(lag.speedup)}** | ` +
        `${times(layers.medianMs / lag.medianMs)} | ${gbps(lag.gbps)} (${gbps(lag.copyGbps)}) | ` +
        `${builtin.peakRatio.toFixed(1)}, ${layers.peakRatio.toFixed(1)}, ${lag.peakRatio.toFixed(2)} |`);
  }
  return lines.join('\n');
}

/** latest.md: the facts of the run, the chart, the summary, every row. */
export function formatReport(report: Report): string {
  const m = report.machine;
  const minutes = (report.totalSeconds / 60).toFixed(1);
  return [
    '# Benchmark: fused softmax cross-entropy against tfjs\'s losses',
    '',
    `\`npm run bench${report.args ? ` -- ${report.args}` : ''}\`, ${report.date}: median of ${report.runs} runs ` +
        `after ${report.warmupRounds} warm-up rounds, every method of a backend and shape timed in rotation ` +
        `with a copy of the logits. ${minutes} min in all.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; tfjs ${m.tfjs}.` +
        (report.userAgent ? ` Chromium (headless): ${report.userAgent}.` : ''),
    '',
    '| backend | runs in | details |',
    '|---|---|---|',
    ...report.backends.map((b) => `| ${b.backend} | ${b.runtime} | ${b.details} |`),
    '',
    '![speedup and peak memory](speedup.svg)',
    '',
    '## Summary',
    '',
    'Speedups are medians measured side by side in one run: the fused loss (class ids) against ' +
        '`tf.losses.softmaxCrossEntropy` (one-hot labels) and tfjs-layers\' `sparseCategoricalCrossentropy` ' +
        '(applied to `tf.softmax(logits)`: tfjs-layers offers it publicly only for probabilities). ' +
        'Loss-only against loss-only, value-and-grad against value-and-grad; tape is `tf.valueAndGrad` ' +
        'over the fused op, loss-and-grad is `softmaxCrossEntropyWithGrad`. GB/s: the bytes a perfect kernel ' +
        'moves (read the logits and class ids, write the gradient) over the time; the copy reads and writes ' +
        'the logits once. "—": at or below the timer\'s resolution.',
    '',
    formatSummary(report.rows),
    '',
    '## Every row',
    '',
    'Peak is tf.profile\'s peakBytes beyond the inputs, plus the logits; its ratio is over the logits ' +
        '(loss only) or the logits and the gradient (value-and-grad). tf.profile counts a tensor the tape ' +
        'saves (an Identity kernel sharing the buffer) as new bytes, so the fused tape rows show one ' +
        'logits-sized buffer more than is allocated. On webgl and webgpu a step counts as done when one ' +
        'value of each output has been read back (GPU work runs in order).',
    '',
    formatTable(report.rows),
    '',
  ].join('\n');
}
