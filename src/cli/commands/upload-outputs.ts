/** What the CLI shows of a job's upload to its `s3://` output. */
import type { UploadProgress, UploadReport } from '../../manager/job-upload.js';
import { resumeCommand } from '../../manager/resume-command.js';
import type { StagedJobOptions } from '../../manager/staged-job.js';
import type { ResolvedJobSpec } from '../../spec/types.js';
import { stagingRoot } from '../../util/paths.js';
import type { StatusLine } from '../status-line.js';

/** How the CLI uploads: the file being sent on the status line; default staging folders are removed. */
export function uploadOptions(spec: ResolvedJobSpec, status: StatusLine): StagedJobOptions {
  if (!spec.uploadTo) return {};
  return { stagingRoot: stagingRoot(), onUploadFile: uploadProgress(spec.uploadTo.uri, status) };
}

/** Shows the file being uploaded to `to` on the status line. */
export function uploadProgress(to: string, status: StatusLine): UploadProgress {
  let shown = '';
  return (file, index, count) => {
    if (shown === '') status.show(() => `uploading to ${to}${shown}`);
    shown = `: ${file} (${index + 1}/${count})`;
  };
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
    `Finish the upload with \`${resumeCommand(upload.to)}\` (the job does not run again)`
  );
}
