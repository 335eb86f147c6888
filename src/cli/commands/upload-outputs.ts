/** Uploading a job's folder to its `s3://` output when it ends, and what the CLI says about it. */
import { uploadJobOutputs, type UploadReport } from '../../manager/job-upload.js';
import type { JobStatus } from '../../manager/types.js';
import { stagingFolderFor } from '../../spec/compile-out.js';
import type { ResolvedJobSpec, UploadTarget } from '../../spec/types.js';
import { stagingRoot } from '../../util/paths.js';
import type { StatusLine } from '../status-line.js';

/**
 * Uploads the job's folder, showing the file being sent. A completed job's default staging
 * folder is removed once everything is uploaded; a folder named by `--staging`, or a job that
 * `--resume` can still finish, keeps its staging folder.
 */
export async function uploadOutputs(
  spec: ResolvedJobSpec,
  target: UploadTarget,
  jobStatus: JobStatus,
  status: StatusLine,
): Promise<UploadReport> {
  const removeStaging = jobStatus === 'completed' && spec.outDir === stagingFolderFor(target, stagingRoot());
  let shown = '';
  status.show(() => `uploading to ${target.uri}${shown}`);
  return uploadJobOutputs(target, spec.outDir, {
    removeStaging,
    onFile: (file, index, count) => {
      shown = `: ${file} (${index + 1}/${count})`;
    },
  });
}

/** One line for the summary: where the outputs went, or that they did not. */
export function formatUpload(upload: UploadReport): string {
  if (upload.status === 'failed')
    return `Upload:  FAILED (${upload.sent} of ${upload.files} files sent) to ${upload.to}`;
  const kept = upload.staging ? `; staging folder ${upload.staging}` : '';
  return `Upload:  ${upload.files} files in ${upload.to} (${upload.sent} sent now${kept})`;
}

/** What to do about an upload that failed. */
export function uploadFailedNote(upload: Extract<UploadReport, { status: 'failed' }>): string {
  return (
    `outputs not uploaded to ${upload.to}: ${upload.error}; they are in ${upload.staging}. ` +
    `Finish the upload with 'obifaas run --resume ${upload.to}' (the job does not run again)`
  );
}
