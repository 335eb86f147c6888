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
