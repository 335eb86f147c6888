/** Lambda's deployment package limits, and the checks that refuse a package before any upload. */
import { UserError } from '../errors.js';

export interface LambdaLimits {
  /** Largest zip sent in the CreateFunction / UpdateFunctionCode request itself (50 MB). */
  directUploadZipBytes: number;
  /** Largest unzipped package, layers included (250 MB). */
  unzippedBytes: number;
}

export const LAMBDA_LIMITS: Readonly<LambdaLimits> = Object.freeze({
  directUploadZipBytes: 50 * 1024 * 1024,
  unzippedBytes: 250 * 1024 * 1024,
});

/** `12.3 MB` (MiB, as Lambda counts). */
export function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Throws `UserError` when a package unpacks to more than Lambda accepts. */
export function checkUnzippedSize(unzippedBytes: number, limits: LambdaLimits): void {
  if (unzippedBytes > limits.unzippedBytes) {
    throw new UserError(
      `the package unpacks to ${formatMb(unzippedBytes)}, over Lambda's ${formatMb(limits.unzippedBytes)} limit for unzipped code: ` +
        'nothing was uploaded; use a container image or trim the dependencies',
    );
  }
}
