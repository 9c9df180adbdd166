/**
 * The page of `npm run demo -- --lm` (examples/lm/demo_server.ts serves it, bundled from the sources):
 * fetches the Brown corpus's word ids from the server, then on webgpu or webgl trains the language
 * model with the fused head and with the tf.losses head (train.ts, the loop `npm start -- --lm` runs),
 * showing held-out perplexity per epoch (table and chart.ts's chart), step times and peak memory;
 * then one step of each head at doubling batch sizes, to show where the tf.losses head stops.
 *
 * document.body.dataset.state says what the page is doing, for people and for test/lm_demo.test.ts:
 * loading, ready, running, done, stopped or error; data-tensors is tf.memory().numTensors before and
 * after a run ("before after"); every number shown is also in its cell's data-value.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import {ready} from '../../index';
import '../../backends/webgl/register';
import '../../backends/webgpu/register';
import {perplexityChart} from './chart';
import {HEADS, HeadKind, initialWeights, logUnigram, Weights} from './model';
import {mb} from './peak';
import {Corpus, CorpusHeader, decodeCorpus} from './tokens';
import {DEFAULT_SETTINGS, EpochResult, HeadRun, median, prepare, Prepared, Probe, probeStep, Settings, trainHead} from './train';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const backendSelect = $<HTMLSelectElement>('backend');
const inputs = ['epochs', 'steps', 'batch', 'eval-tokens'].map((id) => $<HTMLInputElement>(id));
const probeSizes = $<HTMLInputElement>('probe-sizes');
const probeFused = $<HTMLInputElement>('probe-fused');
const startButton = $<HTMLButtonElement>('start');
const stopButton = $<HTMLButtonElement>('stop');
const statusLine = $<HTMLParagraphElement>('status');

type State = 'loading' | 'ready' | 'running' | 'done' | 'stopped' | 'error';

let corpus: Corpus | undefined;
let stopRequested = false;

function setState(state: State, text: string): void {
  document.body.dataset.state = state;
  statusLine.textContent = text;
  statusLine.className = state === 'error' ? 'error' : '';
  const running = state === 'running';
  for (const c of [backendSelect, ...inputs, probeSizes, probeFused]) c.disabled = running || state === 'loading';
  startButton.disabled = running || corpus === undefined;
  stopButton.disabled = !running;
}

/** Why webgpu cannot run here, or null if it can (as the MNIST demo page checks). */
async function webgpuUnavailable(): Promise<string | null> {
  const gpu = (navigator as Navigator & {gpu?: GPU}).gpu;
  if (gpu === undefined) return 'webgpu is unavailable: this browser has no WebGPU (navigator.gpu is undefined).';
  try {
    if (await gpu.requestAdapter() === null) return 'webgpu is unavailable: the browser offers no WebGPU adapter.';
  } catch (e) {
    return `webgpu is unavailable: requesting an adapter failed (${(e as Error).message}).`;
  }
  return null;
}

/**
 * tfjs does not throw webgpu's errors (a buffer over maxBufferSize is a validation error the device
 * reports later, and reads give zeros): an error scope around the step turns them into exceptions.
 */
async function webgpuGuard<T>(f: () => Promise<T>): Promise<T> {
  if (tf.getBackend() !== 'webgpu') return f();
  const device = (tf.backend() as unknown as {device: GPUDevice}).device;
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = await f();
  } catch (e) {
    thrown = e;
  }
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  const gpuError = validation ?? memory;
  if (gpuError !== null) throw new Error(`webgpu ${validation !== null ? 'validation' : 'out-of-memory'} error: ${gpuError.message}`);
  if (thrown !== undefined) throw thrown;
  return result as T;
}

function cell(id: string, value: number, text: string): void {
  const e = $(id);
  e.textContent = text;
  e.dataset.value = String(value);
}

const fmtMs = (ms: number) => (ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
const COLORS: Record<HeadKind, {color: string, dash?: string}> = {'fused': {color: '#1f5fa8'},
  'tf.losses': {color: '#e07000', dash: '7 5'}};

const HEADS_PROBED: HeadKind[] = ['tf.losses', 'fused'];
const runs: Partial<Record<HeadKind, EpochResult[]>> = {};
let settingsText = '';

function drawChart(): void {
  const series = HEADS.filter((h) => runs[h] !== undefined).map((h) => ({key: h, label: `${h} head`, ...COLORS[h],
    values: (runs[h] as EpochResult[]).map((e) => e.heldOut.perplexity)}));
  $('chart').innerHTML = perplexityChart(series, `Held-out perplexity per epoch on ${tf.getBackend()}`,
      `Brown corpus, V = ${corpus?.vocab.length}; ${settingsText}`);
}

function showEpoch(head: HeadKind, r: EpochResult): void {
  (runs[head] ??= []).push(r);
  let row = document.getElementById(`epoch-${r.epoch}`);
  if (row === null) {
    row = document.createElement('tr');
    row.id = `epoch-${r.epoch}`;
    row.innerHTML = `<td>${r.epoch === 0 ? 'before training' : `after epoch ${r.epoch}`}</td>` +
        HEADS.map((h) => `<td id="ppl-${r.epoch}-${h}">–</td>`).join('');
    $('epoch-rows').append(row);
  }
  cell(`ppl-${r.epoch}-${head}`, r.heldOut.perplexity, r.heldOut.perplexity.toFixed(1));
  drawChart();
}

function showRun(run: HeadRun): void {
  const trained = run.epochs.filter((e) => e.trainMs !== undefined);
  if (trained.length > 0) {
    const epochMs = median(trained.map((e) => e.trainMs as number));
    cell(`epoch-ms-${run.head}`, epochMs, fmtMs(epochMs));
    const stepMs = median(trained.flatMap((e) => e.stepMs as number[]));
    cell(`step-ms-${run.head}`, stepMs, fmtMs(stepMs));
  }
  if (run.peakBytes !== undefined) cell(`peak-${run.head}`, run.peakBytes, mb(run.peakBytes));
  if (run.firstLoss !== undefined) cell(`first-${run.head}`, run.firstLoss, run.firstLoss.toFixed(5));
  if (run.failure !== undefined) {
    const e = $(`epoch-ms-${run.head}`);
    e.className = 'failed';
    e.textContent = `stopped in epoch ${run.failure.epoch}, step ${run.failure.step}: ${run.failure.message}`;
  }
}

function showProbe(p: Probe): void {
  let row = document.getElementById(`probe-${p.tokens}`);
  if (row === null) {
    row = document.createElement('tr');
    row.id = `probe-${p.tokens}`;
    row.innerHTML = `<td>${p.tokens}</td>` + HEADS.map((h) => `<td id="probe-${p.tokens}-${h}">–</td>`).join('');
    $('probe-rows').append(row);
  }
  const e = $(`probe-${p.tokens}-${p.head}`);
  if (p.error !== undefined) {
    e.className = 'failed';
    e.textContent = `failed: ${p.error}`;
    e.dataset.error = p.error;
  } else {
    e.textContent = `${fmtMs(p.ms as number)}, peak ${mb(p.peakBytes as number)}`;
    e.dataset.ms = String(p.ms);
    e.dataset.peak = String(p.peakBytes);
  }
}

function readCount(input: HTMLInputElement, name: string): number {
  const n = Number(input.value);
  if (!Number.isInteger(n) || n < Number(input.min) || n > Number(input.max)) {
    throw new Error(`${name} must be a whole number from ${input.min} to ${input.max}`);
  }
  return n;
}

/** "2048 4096" → [2048, 4096]: the probe's batch sizes (none when empty). */
function readSizes(text: string): number[] {
  const sizes = text.split(/[\s,]+/).filter((t) => t !== '').map(Number);
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 1 || n > 1 << 20) throw new Error(`the probe's sizes must be whole numbers of tokens; got ${text}`);
  }
  return sizes;
}

/**
 * One step of the tf.losses head at each size, then of the fused head (when the box is ticked), until
 * the tf.losses head fails: where it stops, and what the fused head needs there.
 */
async function probe(p: Prepared, init: Weights, s: Settings, sizes: number[], backend: string): Promise<void> {
  $('probe').hidden = false;
  let stoppedAt: number | undefined;
  for (const tokens of sizes) {
    for (const head of HEADS_PROBED) {
      if (head === 'fused' && !probeFused.checked) continue;
      if (stopRequested) return;
      statusLine.textContent = `One step of the ${head} head at ${tokens} tokens on ${backend}…`;
      const r = await probeStep(head, p, init, tokens, s, webgpuGuard);
      showProbe(r);
      if (head === 'tf.losses' && r.error !== undefined) stoppedAt = tokens;
    }
    if (stoppedAt !== undefined) break;
  }
  const summary = $('probe-summary');
  summary.textContent = stoppedAt !== undefined
    ? `On ${backend} the tf.losses head stops at ${stoppedAt} tokens per step (its logits alone would take ` +
      `${mb(4 * stoppedAt * p.config.vocabSize)}).`
    : `The tf.losses head ran at every size tried on ${backend}.`;
  summary.dataset.stoppedAt = String(stoppedAt ?? '');
}

function clear(): void {
  for (const h of HEADS) {
    delete runs[h];
    for (const row of ['epoch-ms', 'step-ms', 'peak', 'first']) {
      const e = $(`${row}-${h}`);
      e.textContent = '–';
      e.className = '';
      delete e.dataset.value;
    }
  }
  $('epoch-rows').replaceChildren();
  $('probe-rows').replaceChildren();
  $('probe').hidden = true;
  $('chart').innerHTML = '';
}

async function start(): Promise<void> {
  if (corpus === undefined) return;
  const backend = backendSelect.value;
  stopRequested = false;
  try {
    const [epochs, steps, batch, evalTokens] = ['Epochs', 'Steps per epoch', 'Tokens per step', 'Held-out tokens']
        .map((name, i) => readCount(inputs[i], name));
    const sizes = readSizes(probeSizes.value);
    const s: Settings = {...DEFAULT_SETTINGS, epochs, stepsPerEpoch: steps, batchTokens: batch, evalTokens,
      evalBatch: Math.min(batch, 2048)};
    settingsText = `${steps} steps × ${batch} tokens an epoch, Adam ${s.learningRate}`;
    setState('running', `Starting the ${backend} backend…`);
    if (!await tf.setBackend(backend)) throw new Error(`tfjs could not start its ${backend} backend (see the console)`);
    await ready();
    clear();
    const tensorsBefore = tf.memory().numTensors;
    const p = prepare(corpus, s);
    const init = initialWeights(p.config, s.seed, logUnigram(corpus.train.ids, p.config.vocabSize));
    try {
      for (const head of HEADS) {
        statusLine.textContent = `${head} head on ${backend}: held-out perplexity before training…`;
        const run = await trainHead(head, p, init, s, {
          onStep: (h, st) => {
            statusLine.textContent = `${h} head on ${backend}: epoch ${st.epoch} of ${epochs}, step ${st.step} of ` +
                `${st.steps}, loss ${st.loss.toFixed(3)} (${fmtMs(st.ms)})`;
          },
          onEpoch: showEpoch,
          stopped: () => stopRequested,
        });
        showRun(run);
        if (stopRequested) break;
      }
      if (!stopRequested && sizes.length > 0) await probe(p, init, s, sizes, backend);
    } finally {
      tf.dispose(Object.values(init));
    }
    document.body.dataset.tensors = `${tensorsBefore} ${tf.memory().numTensors}`;
    setState(stopRequested ? 'stopped' : 'done', `${stopRequested ? 'Stopped' : 'Done'} on ${backend}.`);
  } catch (e) {
    console.error(e);
    setState('error', `Error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function init(): Promise<void> {
  setState('loading', 'Loading the corpus…');
  const reason = await webgpuUnavailable();
  if (reason !== null) {
    const option = backendSelect.querySelector('option[value=webgpu]') as HTMLOptionElement;
    option.disabled = true;
    option.textContent = 'webgpu (unavailable)';
    backendSelect.value = 'webgl';
    const note = $('webgpu-note');
    note.textContent = reason;
    note.hidden = false;
  }
  const [header, tokens] = await Promise.all([
    fetch('corpus.json').then((r) => { if (!r.ok) throw new Error(`corpus.json: HTTP ${r.status}`); return r.json(); }),
    fetch('tokens.bin').then((r) => { if (!r.ok) throw new Error(`tokens.bin: HTTP ${r.status}`); return r.arrayBuffer(); }),
  ]) as [CorpusHeader, ArrayBuffer];
  corpus = decodeCorpus(header, tokens);
  $('vocab-size').textContent = String(corpus.vocab.length);
  document.body.dataset.vocab = String(corpus.vocab.length);
  setState('ready', `Ready: ${corpus.train.ids.length} training words in ${corpus.train.names.length} documents, ` +
      `${corpus.heldOut.ids.length} held-out words in ${corpus.heldOut.names.length}; V = ${corpus.vocab.length}. ` +
      'Choose a backend and press Start.');
}

$<HTMLFormElement>('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  void start();
});
stopButton.addEventListener('click', () => {
  stopRequested = true;
  stopButton.disabled = true;
  statusLine.textContent = 'Stopping after this step…';
});
init().catch((e) => setState('error', `Error: ${e instanceof Error ? e.message : String(e)}`));
