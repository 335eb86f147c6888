/** Synthetic datasets from code, with the image encoder loaded only when one is made. */
import type { GenerateDatasetOptions, GeneratedDataset } from '../dataset/generate.js';

/**
 * Writes a synthetic dataset of JPEG images (varied sizes and orientations, the same for the
 * same seed) and its `manifest.txt` into `options.outDir`, for trying a job out without data of
 * one's own (what `obifaas dataset make` writes).
 */
export async function generateDataset(options: GenerateDatasetOptions): Promise<GeneratedDataset> {
  const { generateDataset: generate } = await import('../dataset/generate.js');
  return generate(options);
}
