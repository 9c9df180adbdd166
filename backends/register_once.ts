/**
 * Registers kernel or gradient configs unless already registered. tfjs warns on a second registration,
 * and a bundle can hold two copies of this package (CommonJS and ESM), each importing its register
 * files.
 */
import {getGradient, getKernel, GradConfig, KernelConfig} from '@tensorflow/tfjs-core';

export function registerOnce(configs: KernelConfig[], register: (c: KernelConfig) => void): void {
  for (const c of configs) {
    if (getKernel(c.kernelName, c.backendName) == null) register(c);
  }
}

export function registerGradientOnce(config: GradConfig, register: (c: GradConfig) => void): void {
  if (getGradient(config.kernelName) == null) register(config);
}
