/**
 * The preprocessing flags of `model annotate` and `model inspect` (`--preprocess PRESET`,
 * `--preprocess-file F`), read into one declaration, as a job reads the same flags.
 */
import { UserError } from '../../errors.js';
import { isPresetName, PRESET_NAMES } from '../../protocol/preprocess-presets.js';
import type { PreprocessDeclaration } from '../../protocol/preprocess-resolve.js';
import { closestName } from '../../util/suggest.js';

/** The flags as commander parses them. */
export interface PreprocessFlags {
  preprocess?: string;
  preprocessFile?: string;
}

/** The flags' declaration (null without either); a {@link UserError} for an unknown preset or both flags. */
export async function preprocessFlagDeclaration(
  flags: PreprocessFlags,
): Promise<PreprocessDeclaration | null> {
  if (flags.preprocess !== undefined && flags.preprocessFile !== undefined)
    throw new UserError('give --preprocess or --preprocess-file, not both (a file may name a preset)');
  if (flags.preprocess !== undefined) {
    if (!isPresetName(flags.preprocess)) {
      const hint = closestName(flags.preprocess, PRESET_NAMES);
      throw new UserError(
        `--preprocess: unknown preset '${flags.preprocess}'; ${hint ? `did you mean '${hint}'? ` : ''}expected one of: ${PRESET_NAMES.join(', ')}`,
      );
    }
    return { from: `--preprocess ${flags.preprocess}`, spec: { preset: flags.preprocess } };
  }
  if (flags.preprocessFile !== undefined) {
    const { loadPreprocessFile } = await import('../../config/preprocess-declarations.js');
    return {
      from: `--preprocess-file ${flags.preprocessFile}`,
      spec: await loadPreprocessFile(flags.preprocessFile),
    };
  }
  return null;
}

/** One line for a resolved preprocessing: `224x224, shorter-side (crop 0.875), bilinear, ...`. */
export function preprocessLine(p: {
  size: { height: number; width: number };
  resize: { mode: string; cropFraction?: number; resizeTo?: number | null; padValue?: readonly number[] };
  interpolation: string;
  scale: number;
  mean: readonly number[];
  std: readonly number[];
  channels: string;
  layout: string;
  dtype: string;
}): string {
  const r = p.resize;
  const resize =
    r.mode === 'letterbox'
      ? `letterbox (pad ${JSON.stringify(r.padValue)})`
      : r.resizeTo !== undefined && r.resizeTo !== null
        ? `${r.mode} to ${r.resizeTo}`
        : `${r.mode} (crop ${Number(r.cropFraction?.toFixed(4))})`;
  const scale = Math.abs(p.scale - 1 / 255) < 1e-12 ? '1/255' : String(Number(p.scale.toPrecision(6)));
  const list = (xs: readonly number[]): string => `[${xs.map((x) => Number(x.toPrecision(6))).join(', ')}]`;
  return `${p.size.height}x${p.size.width}, ${resize}, ${p.interpolation}, scale ${scale}, mean ${list(p.mean)}, std ${list(p.std)}, ${p.channels}, ${p.layout}, ${p.dtype}`;
}
