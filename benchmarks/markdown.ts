/**
 * The report as Markdown (benchmarks/results/latest.md, and what `npm run bench` prints): a header of
 * facts, then per family (softmax, sigmoid, relatives) what runs, a summary with one line per backend and shape,
 * and every row.
 */
import {Family, FAMILIES, familyOf, Kind, MethodId, Report, Row} from './row';

const ms = (v: number) => (!isFinite(v) ? '—' : v < 0.1 ? v.toPrecision(2) : v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : v.toFixed(0));
// a step at or below the timer's resolution (0.1 ms in a page that is not cross-origin isolated) has no ratio
const times = (v: number) => (!isFinite(v) || v === 0 ? '—' : `${v < 10 ? v.toFixed(1) : v.toFixed(0)}×`);
// two significant digits at least: a GPU step at [64,10] moves a few kB in milliseconds
const gbps = (v: number) => (!isFinite(v) ? '—' : v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2));
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
export const shapeText = (s: [number, number]) => `[${s.join(',')}]`;

/** The rows of one backend, loss and shape, in the order they ran (`by: 'family'`: of one backend, family and shape). */
export function groups(rows: Row[], by: 'loss' | 'family' = 'loss'): Row[][] {
  const byKey = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.backend} ${by === 'loss' ? r.loss : familyOf(r.loss)} ${r.shape}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey.values()];
}

/** The method of `loss` in `group` (a family's group holds sigmoid and focal rows). */
export function find(group: Row[], kind: Kind, method: MethodId, loss = group[0]?.loss): Row | undefined {
  return group.find((r) => r.kind === kind && r.method === method && r.loss === loss);
}

/**
 * Every row; before each backend, loss and shape, the copy that is its bandwidth floor (timed in the
 * same rotation).
 */
export function formatTable(rows: Row[]): string {
  const baseline = rows.every((r) => familyOf(r.loss) === 'relatives') ? 'tfjs ops'
      : rows.some((r) => r.loss === 'focal') ? 'tf.losses (focal: vs tfjs ops)' : 'tf.losses';
  const lines = [
    `| backend | shape | kind | method | median ms | runs | speedup vs ${baseline} | GB/s | × copy | peak MiB | ` +
        'peak / (logits + grad) | kernels (+Identity) |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const group of groups(rows)) {
    const {backend, shape, copyMs, copyGbps} = group[0];
    lines.push(`| ${backend} | ${shapeText(shape)} | | copy of the logits (bandwidth floor) | ${ms(copyMs)} | | | ` +
        `${gbps(copyGbps)} | 1.0 | | | |`);
    for (const r of group) {
      lines.push(`| ${r.backend} | ${shapeText(r.shape)} | ${r.kind} | ${r.label} | ${ms(r.medianMs)} | ${r.runs} | ` +
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
  for (const g of groups(rows.filter((r) => r.loss === 'softmax'))) {
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

/**
 * The sigmoid rows, one line per backend and shape: value-and-grad of the fused loss against tf.losses
 * and tfjs-layers, of the fused focal loss against its tfjs-ops formula, loss-and-grad against one copy
 * of the logits, kernels per step and peak memory (what issue 13's targets are stated in).
 */
export function formatSigmoidSummary(rows: Row[]): string {
  const lines = [
    '| backend | shape | tape vs tf.losses | loss-and-grad vs tf.losses | vs tfjs-layers | focal: tape vs tfjs ops | ' +
        'focal loss-and-grad vs tfjs ops | loss-and-grad × copy (focal) | kernels: tf.losses, tape, loss-and-grad | ' +
        'peak / (logits + grad): tf.losses, tfjs-layers, loss-and-grad (focal) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const g of groups(rows.filter((r) => familyOf(r.loss) === 'sigmoid'), 'family')) {
    const vg = (method: MethodId, loss: 'sigmoid' | 'focal') => find(g, 'value-and-grad', method, loss);
    const [builtin, layers, tape, lag] = (['tf.losses', 'tfjs-layers', 'fused tape', 'fused loss-and-grad'] as const)
        .map((m) => vg(m, 'sigmoid'));
    const [focalOps, focalTape, focalLag] = (['tfjs ops', 'fused tape', 'fused loss-and-grad'] as const).map((m) => vg(m, 'focal'));
    if (!builtin || !layers || !tape || !lag || !focalOps || !focalTape || !focalLag) continue;
    lines.push(`| ${g[0].backend} | ${shapeText(g[0].shape)} | ${times(tape.speedup)} | **${times(lag.speedup)}** | ` +
        `${times(layers.medianMs / lag.medianMs)} | ${times(focalTape.speedup)} | **${times(focalLag.speedup)}** | ` +
        `${times(lag.vsCopy)} (${times(focalLag.vsCopy)}) | ${builtin.kernels}, ${tape.kernels}, ${lag.kernels} | ` +
        `${builtin.peakRatio.toFixed(1)}, ${layers.peakRatio.toFixed(1)}, ${lag.peakRatio.toFixed(2)} ` +
        `(${focalLag.peakRatio.toFixed(2)}) |`);
  }
  return lines.join('\n');
}

const RELATIVES = [['softmax-focal', 'focal'], ['kl', 'KL'], ['distillation', 'distillation'], ['entropy', 'entropy']] as const;

/**
 * The relatives' rows, one line per backend and shape: value-and-grad of each fused loss (tape and
 * loss-and-grad) against its tfjs-ops formula, distillation's loss-and-grad over plain softmax
 * cross-entropy's, and the loss-and-grad peak memory.
 */
export function formatRelativesSummary(rows: Row[]): string {
  const lines = [
    `| backend | shape | ${RELATIVES.map(([, n]) => `${n}: tape, loss-and-grad vs tfjs ops`).join(' | ')} | ` +
        'distillation loss-and-grad / softmax loss-and-grad | loss-and-grad × copy (focal, KL, distillation, entropy) | ' +
        'peak / (logits + grad), loss-and-grad |',
    `|---|---|${RELATIVES.map(() => '---:|').join('')}---:|---:|---:|`,
  ];
  for (const g of groups(rows.filter((r) => familyOf(r.loss) === 'relatives'), 'family')) {
    const vg = (method: MethodId, loss: string) => find(g, 'value-and-grad', method, loss as Row['loss']);
    const cells: string[] = [];
    const lags: Row[] = [];
    for (const [loss] of RELATIVES) {
      const tape = vg('fused tape', loss);
      const lag = vg('fused loss-and-grad', loss);
      if (!tape || !lag) break;
      cells.push(`${times(tape.speedup)}, **${times(lag.speedup)}**`);
      lags.push(lag);
    }
    const softmax = vg('softmax loss-and-grad', 'distillation');
    if (lags.length !== RELATIVES.length || !softmax) continue;
    const {backend, shape} = g[0];
    lines.push(`| ${backend} | ${shapeText(shape)} | ${cells.join(' | ')} | ${(lags[2].medianMs / softmax.medianMs).toFixed(2)} | ` +
        `${lags.map((r) => times(r.vsCopy)).join(', ')} | ${lags.map((r) => r.peakRatio.toFixed(2)).join(', ')} |`);
  }
  return lines.join('\n');
}

const SUMMARY: Record<Family, (rows: Row[]) => string> =
    {softmax: formatSummary, sigmoid: formatSigmoidSummary, relatives: formatRelativesSummary};

/** The families that have rows, in FAMILIES' order. */
const present = (rows: Row[]) => FAMILIES.filter((f) => rows.some((r) => familyOf(r.loss) === f));

/** What `npm run bench` prints: per family, its summary and every row. */
export function formatSummaries(rows: Row[]): string {
  return present(rows).map((f) => {
    const own = rows.filter((r) => familyOf(r.loss) === f);
    return `${SUMMARY[f](own)}\n\n${formatTable(own)}`;
  }).join('\n\n');
}

const PEAK_NOTE = 'Peak is tf.profile\'s peakBytes beyond the inputs, plus the logits; its ratio is over the logits ' +
    '(loss only) or the logits and the gradient (value-and-grad). tf.profile counts a tensor the tape ' +
    'saves (an Identity kernel sharing the buffer) as new bytes, so the fused tape rows show one ' +
    'logits-sized buffer more than is allocated. On webgl and webgpu a step counts as done when one ' +
    'value of each output has been read back (GPU work runs in order).';

function softmaxSection(rows: Row[]): string[] {
  return [
    '## Softmax cross-entropy',
    '',
    '### Summary',
    '',
    'Speedups are medians measured side by side in one run: the fused loss (class ids) against ' +
        '`tf.losses.softmaxCrossEntropy` (one-hot labels) and tfjs-layers\' `sparseCategoricalCrossentropy` ' +
        '(applied to `tf.softmax(logits)`: tfjs-layers offers it publicly only for probabilities). ' +
        'Loss-only against loss-only, value-and-grad against value-and-grad; tape is `tf.valueAndGrad` ' +
        'over the fused op, loss-and-grad is `softmaxCrossEntropyWithGrad`. GB/s: the bytes a perfect kernel ' +
        'moves (read the logits and class ids, write the gradient) over the time; the copy reads and writes ' +
        'the logits once. "—": at or below the timer\'s resolution.',
    '',
    formatSummary(rows),
    '',
    '### Every row',
    '',
    PEAK_NOTE,
    '',
    formatTable(rows),
    '',
  ];
}

function sigmoidSection(rows: Row[], slowRuns: number): string[] {
  return [
    '## Sigmoid cross-entropy and focal loss',
    '',
    '### Summary',
    '',
    'Value-and-grad only, on logits drawn from N(0, 3²) and labels 0 or 1 with probability ½ each ' +
        '(float32, multi-label targets), the same values for every method. Sigmoid cross-entropy: ' +
        '`tf.valueAndGrad` over `tf.losses.sigmoidCrossEntropy(labels, logits)` (its default reduction, ' +
        'the sum over the number of entries: the mean) and over tfjs-layers\' `binaryCrossentropy` as a ' +
        'model with a sigmoid output computes it, `tf.mean(tf.metrics.binaryCrossentropy(labels, ' +
        'tf.sigmoid(logits)))` (the function `model.compile({loss: \'binaryCrossentropy\'})` trains with: ' +
        'it clips p to [1e-7, 1 − 1e-7], takes log(p / (1 − p)) back to logits, their cross-entropy, the ' +
        'mean over the last axis; then the batch mean), against the fused `sigmoidCrossEntropy` under ' +
        '`tf.valueAndGrad` (tape) and `sigmoidCrossEntropyWithGrad` (loss-and-grad), reduction \'mean\'. ' +
        'Focal loss (γ = 2, α = 0.25): torchvision\'s `sigmoid_focal_loss` written in tfjs ops under ' +
        '`tf.valueAndGrad` — p = `tf.sigmoid(x)`; ce = `tf.losses.sigmoidCrossEntropy(y, x)` without ' +
        'reduction; p_t = p·y + (1 − p)(1 − y); loss = ce·(1 − p_t)^γ (`tf.pow`); α_t = α·y + (1 − α)(1 − y); ' +
        '`tf.mean(α_t·loss)` — against the fused ops with `{focalGamma: 2, focalAlpha: 0.25}`. Speedups are ' +
        'over tf.losses, the focal ones over the tfjs-ops formula. × copy: the time over one copy of the ' +
        'logits (8 bytes per entry; a perfect kernel reads logits and labels and writes the gradient, 12 ' +
        `bytes, so 1.5 at the copy's bandwidth). A step whose first timed run took a second or more ` +
        `is timed ${slowRuns} times in all (the runs column).`,
    '',
    formatSigmoidSummary(rows),
    '',
    '### Every row',
    '',
    PEAK_NOTE,
    '',
    formatTable(rows),
    '',
  ];
}

function relativesSection(rows: Row[], slowRuns: number): string[] {
  return [
    '## Cross-entropy\'s relatives: focal loss, KL divergence, distillation, entropy',
    '',
    '### Summary',
    '',
    'Value-and-grad only, on student and teacher logits drawn from N(0, 3²), P = softmax(teacher) as the ' +
        'probability targets, and one-hot rows of random class ids, the same values for every method. Each fused ' +
        'loss, under `tf.valueAndGrad` (tape) and as its *WithGrad op (loss-and-grad), against the formula a ' +
        'user writes today in tfjs ops under `tf.valueAndGrad`: focal (γ = 2, α = 0.25), Keras\' ' +
        '`CategoricalFocalCrossentropy` from logits (`tf.softmax`, clipped to [1e-7, 1 − 1e-7], ' +
        '`Σ α·(1 − p)^γ·(−y·log p)`, batch mean) against `softmaxCrossEntropy` with `focalGamma: 2` and every ' +
        'class weight 0.25; KL, `tf.sum(P·(log P − tf.logSoftmax(z))) / N` against `klDivergence`; distillation ' +
        '(T = 2), `T²·tf.losses.softmaxCrossEntropy(tf.softmax(t / T), s / T)` against `distillationLoss`; ' +
        'entropy, `−Σ tf.softmax(z)·tf.logSoftmax(z) / N` against `entropy`. Distillation\'s loss-and-grad is ' +
        'also timed against `softmaxCrossEntropyWithGrad` (class ids) on the same logits: it reads two [N, K] ' +
        'rows where cross-entropy reads one. × copy: the time over one copy of the logits. A step whose first ' +
        `timed run took a second or more is timed ${slowRuns} times in all (the runs column).`,
    '',
    formatRelativesSummary(rows),
    '',
    '### Every row',
    '',
    PEAK_NOTE,
    '',
    formatTable(rows),
    '',
  ];
}

const SECTIONS: Record<Family, (rows: Row[], slowRuns: number) => string[]> =
    {softmax: softmaxSection, sigmoid: sigmoidSection, relatives: relativesSection};

/** latest.md: the facts of the run, the chart, then each family's summary and every row. */
export function formatReport(report: Report): string {
  const m = report.machine;
  const minutes = (report.totalSeconds / 60).toFixed(1);
  const of = (f: Family) => report.rows.filter((r) => familyOf(r.loss) === f);
  return [
    '# Benchmark: fused cross-entropy against tfjs\'s losses',
    '',
    `\`npm run bench${report.args ? ` -- ${report.args}` : ''}\`, ${report.date}: median of ${report.runs} runs ` +
        `after ${report.warmupRounds} warm-up rounds, every method of a backend, loss and shape timed in rotation ` +
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
    ...present(report.rows).flatMap((f) => SECTIONS[f](of(f), report.slowRuns)),
  ].join('\n');
}
