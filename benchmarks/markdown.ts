/**
 * The report as Markdown (benchmarks/results/latest.md, and what `npm run bench` prints): a header of
 * facts, then per family (softmax, sigmoid, relatives) what runs, a summary with one line per backend and shape,
 * and every row.
 */
import {Family, FAMILIES, familyOf, Kind, LinearMethodId, LinearReport, LinearRow, MethodId, Report, Row} from './row';

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

// ---------------------------------------------------------------------------------------------------
// The linear head's report (--loss linear): benchmarks/results/linear/latest.md
// ---------------------------------------------------------------------------------------------------

type Shape3 = [number, number, number];

const bytesOf = {
  /** hidden, weight, bias and labels */
  inputs: ([N, H, V]: Shape3) => 4 * (N * H + H * V + V + N),
  /** dh, dW and db: what a value-and-grad must hold at its end */
  grads: ([N, H, V]: Shape3) => 4 * (N * H + H * V + V),
  /** one chunk of logits in the op's default plan */
  chunk: (r: LinearRow) => 4 * r.plan.chunkRows * r.shape[2],
};

/** The peak beyond the inputs and the gradients, in chunks of the plan's logits. */
export function chunksBeyond(r: LinearRow, peak: number | undefined = r.peakBytes): number {
  return peak === undefined ? NaN : (peak - bytesOf.grads(r.shape)) / bytesOf.chunk(r);
}

const GPT_NANO: Shape3 = [2048, 48, 50257];
const isNano = (s: Shape3) => s.every((n, i) => n === GPT_NANO[i]);
/** The targets, each with its threshold. */
export const LINEAR_TARGETS = {fusedOverUnfused: 1.15, peakUnfused: 10, peakBuiltin: 50, chunks: 2 * 1.01};

const mibs = (b: number | undefined) => (b === undefined ? '—' : (b / 2 ** 20).toFixed(1));
const oom = (r: LinearRow | undefined) => (r === undefined ? '—' : r.error !== undefined
    ? (r.error.startsWith('out of memory') ? 'OOM' : 'failed') : '');
const msCell = (r: LinearRow | undefined) => (r?.medianMs !== undefined ? `${ms(r.medianMs)}${r.alone ? '†' : ''}` : oom(r));
const ratio = (v: number) => (!isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

const runsText = (r: LinearRow) => (r.warmupTimed ? '1, the warm-up' : String(r.runs));

/** The rows of one backend and shape, in the order they ran. */
function linearGroups(rows: LinearRow[]): LinearRow[][] {
  const byKey = new Map<string, LinearRow[]>();
  for (const r of rows) byKey.set(`${r.backend} ${r.shape}`, [...(byKey.get(`${r.backend} ${r.shape}`) ?? []), r]);
  return [...byKey.values()];
}

const pick = (g: LinearRow[], m: LinearMethodId) => g.find((r) => r.method === m);

/** The ratios of one backend and shape (NaN where a method did not run). */
export function linearRatios(g: LinearRow[]) {
  const [lag, tape, unfused, builtin] = (['fused loss-and-grad', 'fused tape', 'unfused ours', 'tf.losses'] as const)
      .map((m) => pick(g, m));
  const t = (r?: LinearRow) => r?.medianMs ?? NaN;
  // a method that failed in a timed run after its warm-up run worked has that run's peak
  const p = (r?: LinearRow) => r?.peakBytes ?? NaN;
  return {
    lagOverUnfused: t(lag) / t(unfused), tapeOverUnfused: t(tape) / t(unfused),
    builtinOverLag: t(builtin) / t(lag), builtinOverTape: t(builtin) / t(tape),
    peakUnfused: p(unfused) / p(lag), peakBuiltin: p(builtin) / p(lag),
    chunksLag: lag ? chunksBeyond(lag) : NaN, chunksTape: tape ? chunksBeyond(tape) : NaN,
    chunksLagBuffers: lag ? chunksBeyond(lag, lag.bufferPeakBytes) : NaN,
    chunksTapeBuffers: tape ? chunksBeyond(tape, tape.bufferPeakBytes) : NaN,
  };
}

/** One line per backend and shape: times, peaks and the ratios the targets are stated in. */
export function formatLinearSummary(report: Pick<LinearReport, 'rows'>): string {
  const lines = [
    '| backend | shape [N, H, V] | plan: chunks × rows | median ms: fused loss-and-grad, fused tape, unfused ours, ' +
        'tf.losses (runs) | time fused / unfused: loss-and-grad, tape | tf.losses / fused: loss-and-grad, tape | ' +
        'peak MiB: loss-and-grad, tape, unfused, tf.losses | peak unfused / fused | peak tf.losses / fused | ' +
        'beyond inputs + grads, chunks: loss-and-grad, tape (buffers) |',
    '|---|---|---|---|---:|---:|---|---:|---:|---:|',
  ];
  for (const g of linearGroups(report.rows)) {
    const {backend, shape, plan} = g[0];
    const ordered = (['fused loss-and-grad', 'fused tape', 'unfused ours', 'tf.losses'] as const).map((m) => pick(g, m));
    const x = linearRatios(g);
    lines.push(`| ${backend} | ${shapeText(shape as unknown as [number, number])} | ${plan.chunks} × ${plan.chunkRows} | ` +
        `${ordered.map((r) => `${msCell(r)}${r?.medianMs !== undefined ? ` (${runsText(r)})` : ''}`).join(', ')} | ` +
        `**${ratio(x.lagOverUnfused)}**, ${ratio(x.tapeOverUnfused)} | **${ratio(x.builtinOverLag)}×**, ` +
        `${ratio(x.builtinOverTape)}× | ${ordered.map((r) => (r?.peakBytes !== undefined
          ? `${mibs(r.peakBytes)}${r.error !== undefined ? ` (then ${oom(r)})` : ''}` : oom(r))).join(', ')} | ` +
        `**${ratio(x.peakUnfused)}×** | **${ratio(x.peakBuiltin)}×** | ${ratio(x.chunksLag)}, ${ratio(x.chunksTape)} ` +
        `(${ratio(x.chunksLagBuffers)}, ${ratio(x.chunksTapeBuffers)}) |`);
  }
  return lines.join('\n');
}

const verdict = (v: number, ok: (v: number) => boolean, text: string) =>
  (!isFinite(v) ? '— (a method did not run)' : `${ok(v) ? 'met' : '**not met**'}: ${text}`);

/** Each target per backend and shape: met or not, with the number. */
export function formatLinearTargets(report: Pick<LinearReport, 'rows'>): string {
  const T = LINEAR_TARGETS;
  const lines = [
    `| backend | shape | fused loss-and-grad / unfused ≤ ${T.fusedOverUnfused} | fused faster than tf.losses | ` +
        `peak unfused / fused ≥ ${T.peakUnfused}× (gpt-nano) | peak tf.losses / fused ≥ ${T.peakBuiltin}× (gpt-nano) | ` +
        'fused beyond inputs + grads ≤ 2 chunks + 1% (tf.profile; buffers) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const g of linearGroups(report.rows)) {
    const {backend, shape} = g[0];
    const x = linearRatios(g);
    const nano = isNano(shape);
    const peakTarget = (v: number, min: number) => (nano ? verdict(v, (y) => y >= min, `${ratio(v)}×`)
        : `${ratio(v)}× (no target at this shape)`);
    lines.push(`| ${backend} | ${shapeText(shape as unknown as [number, number])} | ` +
        `${verdict(x.lagOverUnfused, (v) => v <= T.fusedOverUnfused, ratio(x.lagOverUnfused))} | ` +
        `${verdict(x.builtinOverLag, (v) => v > 1, `${ratio(x.builtinOverLag)}×`)} | ` +
        `${peakTarget(x.peakUnfused, T.peakUnfused)} | ${peakTarget(x.peakBuiltin, T.peakBuiltin)} | ` +
        `${verdict(x.chunksLag, (v) => v <= T.chunks, `${ratio(x.chunksLag)}`)}; ` +
        `${verdict(x.chunksLagBuffers, (v) => v <= T.chunks, `${ratio(x.chunksLagBuffers)}`)} |`);
  }
  return lines.join('\n');
}

/** Every row, with its runs, both peaks, the agreement with the unfused head and any failure. */
export function formatLinearTable(rows: LinearRow[]): string {
  const lines = [
    '| backend | shape | method | median ms | runs | every run, s | warm-up s | peak MiB (tf.profile) | ' +
        'peak MiB (buffers) | beyond inputs + grads, chunks (tf.profile; buffers) | kernels | max rel. diff vs unfused | failure |',
    '|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const failed = r.peakBytes === undefined;
    lines.push(`| ${r.backend} | ${shapeText(r.shape as unknown as [number, number])} | **${r.method}**: ${r.label} | ` +
        `${r.medianMs !== undefined ? ms(r.medianMs) : '—'} | ${runsText(r)} | ` +
        `${r.timesMs.map((t) => (t / 1e3).toFixed(2)).join(', ') || '—'} | ` +
        `${r.firstMs !== undefined ? (r.firstMs / 1e3).toFixed(2) : '—'} | ${failed ? '—' : mibs(r.peakBytes)} | ` +
        `${failed ? '—' : mibs(r.bufferPeakBytes)} | ` +
        `${failed ? '—' : `${ratio(chunksBeyond(r))}; ${ratio(chunksBeyond(r, r.bufferPeakBytes))}`} | ` +
        `${r.kernels ?? '—'} | ${r.maxRelDiff !== undefined ? r.maxRelDiff.toExponential(1) : '—'} | ` +
        `${[r.error && (r.alone ? `run alone in a fresh ${r.backend.startsWith('web') ? 'page' : 'process'}: ${r.error}` : r.error),
          r.alone && `${r.error ? 'before that' : `† run alone in a fresh ${r.backend.startsWith('web') ? 'page' : 'process'}, ` +
            'after it'} failed when run after the others: ${r.alone}`].filter(Boolean).join('; ').replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

/** latest.md of the linear rows. */
export function formatLinearReport(report: LinearReport): string {
  const m = report.machine;
  const T = LINEAR_TARGETS;
  const full = report.fullBatch.map((f) => {
    const total = (b: number) => `${mibs(b)} MiB beyond the inputs (${mibs(b + f.inputBytes)} MiB with them)`;
    const computed = `computed from the plan (${f.plan.chunks} chunks of ${f.plan.chunkRows} rows): dW + dh + db + ` +
        `2 chunks = ${total(f.computedBytes)}`;
    return `- ${f.backend}: ${f.measured
      ? `measured, one run of ${((f.ms ?? NaN) / 1e3).toFixed(1)} s: ${total(f.peakBytes!)} by tf.profile, ` +
        `${mibs(f.bufferPeakBytes)} MiB in the backend's buffers; ${computed}`
      : `${f.error ? `the measured run failed (${f.error}); ` : ''}${computed}`}.`;
  });
  return [
    '# Benchmark: the fused linear + cross-entropy head',
    '',
    `\`npx tsx benchmarks/run.ts ${report.args}\`, ${report.date}: ${(report.totalSeconds / 60).toFixed(1)} min in all. ` +
        `Per backend and shape, every method's first run is its warm-up, under tf.profile and a count of the backend's ` +
        `buffers (the peaks below); a step under 1 s gets a second warm-up run. Then the methods that ran are timed in ` +
        `rotation, side by side in one process or page: ${report.runs} timed runs, ${report.slowRuns} for a step whose ` +
        `first timed run took 1 s or more, ${report.slowerRuns} for one over 20 s; a step whose warm-up run took over ` +
        '100 s (webgpu on SwiftShader, minutes per step) is not run again: that run, under the profiler, is its one ' +
        'timed run ("1, the warm-up"). Each row says how many runs it had. ' +
        `The machine's 1-minute load average was ${report.load[0].toFixed(1)} at the start and ` +
        `${report.load[1].toFixed(1)} at the end, on ${m.cores} cores: other work ran beside the benchmark and slowed ` +
        'every method alike (the rotation spreads it over them).',
    '',
    ...(report.note ? [report.note, ''] : []),
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; tfjs ${m.tfjs}.` +
        (report.userAgent ? ` Chromium (headless): ${report.userAgent}.` : ''),
    '',
    '| backend | runs in | details |',
    '|---|---|---|',
    ...report.backends.map((b) => `| ${b.backend} | ${b.runtime} | ${b.details} |`),
    '',
    '![time and peak memory](speedup.svg)',
    '',
    '## What runs',
    '',
    'Value-and-grad of the LM head: the loss (the mean over the rows) and dHidden, dWeight and dBias, with a bias, ' +
        'on hidden states h [N, H] from N(0, 1), a weight W [H, V] from N(0, 1/H) (logits of about N(0, 1)), a bias from ' +
        'N(0, 0.1²) and uniform class ids, the same tensors for every method:',
    '',
    '- **fused loss-and-grad**: `linearCrossEntropyWithGrad(h, W, y, {bias: b})`;',
    '- **fused tape**: `tf.valueAndGrads((h, W, b) => linearCrossEntropy(h, W, y, {bias: b}))`;',
    '- **unfused ours**: `z = tf.fused.matMul({a: h, b: W, bias: b})` (h·W + b in one kernel, as the op\'s chunks ' +
        'compute it), `{loss, grad} = softmaxCrossEntropyWithGrad(z, y)` (z freed once grad exists), ' +
        '`dh = tf.matMul(grad, W, false, true)`, `dW = tf.matMul(h, grad, true, false)`, `db = tf.sum(grad, 0)`;',
    '- **tf.losses**: `tf.valueAndGrads((h, W, b) => tf.losses.softmaxCrossEntropy(tf.cast(tf.oneHot(y, V), ' +
        '\'float32\'), tf.add(tf.matMul(h, W), b)))`, the one-hot made inside the step.',
    '',
    'Peak: tf.profile\'s peakBytes less tf.memory().numBytes before the step, i.e. the most the step held at once ' +
        'beyond its inputs, its outputs included — the same count in Node and in Chromium (tfjs\'s engine counts every ' +
        'tensor\'s bytes, whatever the backend; on webgl and webgpu that is not the GPU memory the pools hold). ' +
        'tf.profile counts a view again (a reshape, matMul\'s [1, H, V] view of W, a tensor the tape saves), so the ' +
        'backend\'s buffers are counted too ("buffers": every buffer a backend writes, kernels\' temporaries included, ' +
        'until it frees it). "Beyond inputs + grads, chunks": (peak − dW − dh − db) / one chunk of logits of the op\'s ' +
        `default plan on that backend (4·rows·V bytes); the target is at most 2 chunks + 1% (${T.chunks}). A shape with ` +
        'N ≤ H is one chunk of all N rows (a default chunk has at least H rows), so the fused head holds what the ' +
        'unfused one does there. "OOM": the method failed for memory (its error is in the table of every row); a ' +
        'method that left the backend unusable was left out of a fresh attempt at the same shape.',
    '',
    '## Summary',
    '',
    'Time ratios are of medians measured side by side, but for a time marked †: that method failed when run after ' +
        'the others in the same process or page (wasm\'s heap only grows, and fragments), and was run again alone in a ' +
        'fresh one. Bold: the ratios the targets are stated in.',
    '',
    formatLinearSummary(report),
    '',
    '## Targets',
    '',
    formatLinearTargets(report),
    '',
    '## A full GPT-2 batch [2048, 768, 50257] with the fused head',
    '',
    ...full,
    '',
    ...(report.skipped.length > 0 ? ['## Not run', '',
      ...report.skipped.map((s) => `- ${s.backend} ${shapeText(s.shape as unknown as [number, number])}: ${s.reason}.`), ''] : []),
    '## Every row',
    '',
    formatLinearTable(report.rows),
    '',
  ].join('\n');
}
