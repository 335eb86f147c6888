/**
 * A function's external-data checks, kept so that a warm function does not read the model's
 * graph again for every payload (3 to 8 ms for a large model). A passed check is reused while
 * the model file and every external data path it names lead to the very files it checked: the
 * same device, inode, size and modification time (`stat`, following links as the runtime does).
 * A file replaced, rewritten or touched, or a path that now leads elsewhere (a link retargeted),
 * and the model is checked again. Only passed checks are kept: a refused model is read again,
 * and refused again, each time.
 *
 * The rules' `refusal` (what the deployment lets the function read) is the owner's: one cache
 * per deployment's access. A check made for a model fetched from a remote store is kept apart
 * from one of the same file read in place.
 */
import { identityAt, sameIdentity, type FileIdentity } from '../util/file-identity.js';
import { RecentlyUsed } from '../util/recently-used.js';
import {
  checkExternalDataFiles,
  type CheckedExternalData,
  type ExternalDataFile,
  type ExternalDataRules,
} from './external-data.js';

/** Models whose passed checks a function keeps (the oldest is dropped first). */
export const CHECKED_MODELS_KEPT = 16;

/** A passed check and the identities it holds for. */
interface Passed {
  model: FileIdentity;
  named: CheckedExternalData['named'];
  files: ExternalDataFile[];
}

/** True when every path leads to the file it led to when checked. */
async function stillLeadTo(named: CheckedExternalData['named']): Promise<boolean> {
  const now = await Promise.all(named.map((n) => identityAt(n.path)));
  return named.every((n, i) => {
    const identity = now[i];
    return identity !== null && identity !== undefined && sameIdentity(identity, n.identity);
  });
}

/** The external-data checks of one deployment, each kept while its files stay the same. */
export class ExternalDataChecks {
  private readonly passed: RecentlyUsed<Passed>;
  /** Checks run (not answered from what was kept), for tests and measurements. */
  checksRun = 0;

  constructor(kept = CHECKED_MODELS_KEPT) {
    this.passed = new RecentlyUsed(kept);
  }

  /** {@link checkExternalDataFiles}'s files for the model `file`, from a passed check when it still holds. */
  async check(file: string, rules: ExternalDataRules): Promise<ExternalDataFile[]> {
    const key = `${rules.fetchedFrom ?? ''}\n${file}`;
    const before = await identityAt(file);
    const kept = this.passed.get(key);
    if (kept && before && sameIdentity(kept.model, before) && (await stillLeadTo(kept.named)))
      return kept.files;
    this.passed.delete(key);
    this.checksRun++;
    const checked = await checkExternalDataFiles(file, rules);
    // Kept only when nothing changed while it ran: the model is the one it read, and each path
    // leads to the file it checked there.
    const after = await identityAt(file);
    if (before && after && sameIdentity(before, after) && (await stillLeadTo(checked.named)))
      this.passed.set(key, { model: after, named: checked.named, files: checked.files });
    return checked.files;
  }
}
