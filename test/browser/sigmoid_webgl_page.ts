/**
 * The page of browser.test.ts's 'sigmoid webgl' block, bundled apart from page.ts: tfjs with its webgl
 * backend, our kernels, and the checks of sigmoid_webgl_checks.ts as fusedCE.sigmoidWebglChecks. With
 * ?f16, tfjs stores tensors in float16 textures (set before the backend exists: tfjs reads the flag
 * once), as on a device without float32 render targets.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '../../backends/webgl/register';
import {SigmoidWebGLChecks, sigmoidWebglChecks} from './sigmoid_webgl_checks';

if (new URL(location.href).searchParams.has('f16')) tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);

/** What Node calls through page.evaluate. */
export interface SigmoidWebGLPage {
  sigmoidWebglChecks(): Promise<SigmoidWebGLChecks>;
}

(window as unknown as {fusedCE: SigmoidWebGLPage}).fusedCE = {sigmoidWebglChecks};
