import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Where Obi-FaaS keeps built models and demo data: `$OBIFAAS_HOME` or `~/.cache/obifaas`. */
export function obifaasHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OBIFAAS_HOME;
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.join(os.homedir(), '.cache', 'obifaas');
}

/** Where the staging folders of jobs with `s3://` outputs live: `<obifaasHome>/staging`. */
export function stagingRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(obifaasHome(env), 'staging');
}

/** Whether the path `candidate` is `folder` or lies under it (both absolute, compared as written). */
export function isInsideFolder(candidate: string, folder: string): boolean {
  return candidate === folder || candidate.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
}

/** Whether something (a file, a folder) is at `file`. */
export async function pathExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
