/**
 * What a work payload may use, decided by the function's deployment before any work starts:
 * the store it reads inputs from, the model and labels files (an `s3://` one fetched into the
 * function's model cache with the deployment's S3 connection), and the dispatcher address a
 * dynamic worker dials and the certificate it pins. Anything the deployment does not allow is an
 * `AccessError` naming the payload field.
 */
import { AccessError, ModelError, StorageError } from '../../errors.js';
import type { StorageRef } from '../../core/storage-ref.js';
import type { ModelRef } from '../../protocol/invocation.js';
import { accessFromEnv, type FunctionAccess } from '../../protocol/function-access.js';
import { fetchToLocalFile } from '../../storage/fetch.js';
import { isS3Location, parseLocation } from '../../storage/uri.js';
import type { WorkPayload } from '../validate-payload.js';
import { modelCacheDir } from './model-cache-dir.js';
import { dispatcherAddress, DispatcherNetworks } from './dispatcher-address.js';
import { checkDispatcherPin } from './dispatcher-pin.js';
import { ReadGuard } from './read-guard.js';
import { ExternalDataChecks } from '../external-data-cache.js';
import { ModelDigests, type ModelDigestCheck } from '../model-digest-cache.js';
import type { LabelsReadCheck } from '../model-source.js';

/** A function's deployment: its access, and where it caches remote models. */
export interface FunctionDeployment {
  access: FunctionAccess;
  /** Folder of the remote-model cache (default: `modelCacheDir()`). */
  modelCacheDir?: string;
}

/** What a payload was granted: local model and labels files, the checked store, the address to dial. */
export interface GrantedWork {
  model: ModelRef;
  storage: StorageRef;
  /** Dynamic payloads: the dispatcher's resolved address. */
  dispatcherHost?: string;
  /**
   * Dynamic payloads over TLS: the certificate to pin, as checked (the payload's one certificate
   * re-encoded, never its raw text); absent for a dispatcher in clear text.
   */
  dispatcherTls?: { cert: string };
  /** How the model was checked against the payload's `model.sha256` (absent: none was sent). */
  modelDigest?: ModelDigestCheck;
  /**
   * The check of the labels file's bytes as they are read against the payload's
   * `model.labelsSha256` (absent: none was sent).
   */
  checkLabels?: LabelsReadCheck;
}

interface Checks {
  guard: ReadGuard;
  networks: DispatcherNetworks;
  /** The models' external data checked under this access, kept while their files stay the same. */
  externalData: ExternalDataChecks;
  /** The digests of the model and labels files hashed under this access, kept while their files stay the same. */
  modelDigests: ModelDigests;
}

const checksOf = new WeakMap<FunctionAccess, Checks>();

function checks(access: FunctionAccess): Checks {
  let found = checksOf.get(access);
  if (!found) {
    found = {
      guard: new ReadGuard(access),
      networks: new DispatcherNetworks(access.dispatchers),
      externalData: new ExternalDataChecks(),
      modelDigests: new ModelDigests(),
    };
    checksOf.set(access, found);
  }
  return found;
}

let fromEnvironment: FunctionDeployment | undefined;

/** The deployment this process's environment describes (read once). */
export function deploymentFromEnv(): FunctionDeployment {
  fromEnvironment ??= { access: accessFromEnv(process.env) };
  return fromEnvironment;
}

/** Checks a work payload against `deployment`; throws `AccessError` naming the field it refuses. */
export async function grantWork(work: WorkPayload, deployment: FunctionDeployment): Promise<GrantedWork> {
  const checked = checks(deployment.access);
  const { guard, networks } = checked;
  // Before anything is read or dialled: the dispatcher's certificate, or clear text if allowed.
  const pin =
    work.kind === 'dynamic'
      ? checkDispatcherPin(work.dispatcher.tls, deployment.access.dispatcherTls, Date.now())
      : undefined;
  const cacheDir = deployment.modelCacheDir ?? modelCacheDir();
  const [storage, uri, labelsUri, dispatcherHost] = await Promise.all([
    guard.storage(work.storage),
    localFile(work.model.uri, 'model.uri', guard, cacheDir, work.storage).then((file) =>
      checkedExternalData(file, work.model.uri, checked),
    ),
    work.model.labelsUri === undefined
      ? undefined
      : localFile(work.model.labelsUri, 'model.labelsUri', guard, cacheDir, work.storage),
    work.kind === 'dynamic' ? dispatcherAddress(work.dispatcher.host, networks) : undefined,
  ]);
  // Before any input runs: the model must be the one the job started with, when the job says which.
  const expected = work.model.sha256;
  const modelDigest =
    expected === undefined ? undefined : await checked.modelDigests.check(uri, work.model.uri, expected);
  return {
    storage,
    // The model as granted: local files in place of the payload's references, the rest as sent.
    model: { ...work.model, uri, ...(labelsUri === undefined ? {} : { labelsUri }) },
    ...(dispatcherHost !== undefined ? { dispatcherHost } : {}),
    ...(pin !== undefined ? { dispatcherTls: { cert: pin.pem } } : {}),
    ...(modelDigest !== undefined ? { modelDigest } : {}),
    ...labelsCheckOf(work.model, checked.modelDigests),
  };
}

/**
 * The check of the labels a payload names, when it carries their digest: the bytes read must be
 * those the job started with (a digest kept for the same unchanged file, or their own).
 */
function labelsCheckOf(model: ModelRef, digests: ModelDigests): { checkLabels?: LabelsReadCheck } {
  const { labelsUri, labelsSha256 } = model;
  if (labelsUri === undefined || labelsSha256 === undefined) return {};
  return {
    checkLabels: (file, read) => digests.checkRead(file, read, labelsUri, labelsSha256, 'labels'),
  };
}

/**
 * The model file `file` (granted for the payload's `uri`), once its external data files are
 * checked: each must be one the deployment lets the function read, and a model fetched from S3
 * may have none (`../external-data.ts`). A check passed for the same files is not run again
 * (`../external-data-cache.ts`).
 */
async function checkedExternalData(
  file: string,
  uri: string,
  { guard, externalData }: Checks,
): Promise<string> {
  const refusal = async (external: string): Promise<string | null> => {
    try {
      await guard.readablePath(external, 'model.uri');
      return null;
    } catch (err) {
      if (err instanceof AccessError) return "is outside the paths this function's deployment lets it read";
      throw err;
    }
  };
  await externalData.check(file, isS3Location(uri) ? { fetchedFrom: uri.trim() } : { refusal });
  return file;
}

/**
 * The local file a model or labels reference names: a path under the readable roots, or an
 * `s3://` object of an allowed bucket fetched into the cache (with the deployment's S3
 * connection, and the payload's region when its storage is S3).
 */
async function localFile(
  uri: string,
  field: string,
  guard: ReadGuard,
  cacheDir: string,
  storage: StorageRef,
): Promise<string> {
  if (!isS3Location(uri)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !/^file:/i.test(uri))
      throw new ModelError(`${field}: '${uri}' is not a path, file:// or s3:// location`);
    return guard.readablePath(uri, field);
  }
  let bucket: string;
  try {
    bucket = (parseLocation(uri).ref as { bucket: string }).bucket;
  } catch (err) {
    throw new ModelError(`${field}: ${(err as Error).message}`, { cause: err });
  }
  guard.checkBucket(bucket, field);
  const s3 = guard.s3Connection(storage.type === 's3' ? { region: storage.region } : {}, 'storage');
  try {
    return await fetchToLocalFile(uri, cacheDir, { s3 });
  } catch (err) {
    if (err instanceof StorageError && err.code !== 'Unreachable' && err.code !== 'Other')
      throw new ModelError(`${field}: ${uri}: ${err.message}`, { cause: err });
    throw err;
  }
}
