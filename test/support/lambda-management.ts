/**
 * The management half of the local Lambda test server: CreateFunction, GetFunction,
 * GetFunctionConfiguration, UpdateFunctionCode, UpdateFunctionConfiguration, ListFunctions and
 * DeleteFunction, on function configurations kept in memory. After a create or an update, the
 * function reports `Pending` / `InProgress` for a few polls (as Lambda does while it sets a
 * function up) and rejects another update meanwhile with 409 `ResourceConflictException`.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { sendError, sendJson, type RecordedRequest } from './lambda-http.js';

/** The subset of Lambda's FunctionConfiguration the server keeps. */
export interface FunctionConfig {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Role?: string;
  Handler?: string;
  CodeSize?: number;
  CodeSha256?: string;
  Description?: string;
  MemorySize?: number;
  Timeout?: number;
  EphemeralStorage?: { Size: number };
  Environment?: { Variables?: Record<string, string> };
  Architectures?: string[];
  VpcConfig?: { SubnetIds?: string[]; SecurityGroupIds?: string[]; VpcId?: string };
  State?: string;
  LastUpdateStatus?: string;
  LastModified?: string;
  Version?: string;
  PackageType?: string;
}

export interface FunctionRecord {
  name: string;
  config: FunctionConfig;
  handlerFile?: string;
  /** Polls left before a pending create or update is done. */
  pendingPolls: number;
  /** Where the code came from: bytes uploaded directly, or an S3 object. */
  code?: { zipBytes?: number; s3Bucket?: string; s3Key?: string };
}

export interface ManagementContext {
  functions: Map<string, FunctionRecord>;
  pendingPolls: number;
  resetContainers(name: string): Promise<void>;
}

const CONFIG_FIELDS = [
  'Runtime',
  'Role',
  'Handler',
  'Description',
  'MemorySize',
  'Timeout',
  'EphemeralStorage',
  'Environment',
  'VpcConfig',
] as const;

function parse(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `Code` / the code update fields; an error message when they are unusable. */
function readCode(body: Record<string, unknown>): NonNullable<FunctionRecord['code']> | string {
  const zip = body.ZipFile;
  if (typeof zip === 'string') {
    const bytes = Buffer.from(zip, 'base64');
    if (bytes.length < 22 || bytes.readUInt32LE(0) !== 0x04034b50) return 'Could not unzip uploaded file.';
    return { zipBytes: bytes.length };
  }
  if (typeof body.S3Bucket === 'string' && typeof body.S3Key === 'string') {
    return { s3Bucket: body.S3Bucket, s3Key: body.S3Key };
  }
  return 'Code must hold ZipFile or S3Bucket and S3Key';
}

function codeSha(code: NonNullable<FunctionRecord['code']>, body: Record<string, unknown>): string {
  const source =
    typeof body.ZipFile === 'string' ? Buffer.from(body.ZipFile, 'base64') : `${code.s3Bucket}/${code.s3Key}`;
  return createHash('sha256').update(source).digest('base64');
}

function applyConfig(config: FunctionConfig, body: Record<string, unknown>): void {
  for (const field of CONFIG_FIELDS) {
    if (body[field] !== undefined) (config as unknown as Record<string, unknown>)[field] = body[field];
  }
  if (config.VpcConfig && (config.VpcConfig.SubnetIds?.length ?? 0) > 0) config.VpcConfig.VpcId = 'vpc-0test';
}

/** What GetFunction shows now; counts down a pending create or update. */
function poll(fn: FunctionRecord): FunctionConfig {
  if (fn.pendingPolls > 0) {
    fn.pendingPolls--;
    return { ...fn.config };
  }
  if (fn.config.State === 'Pending') fn.config.State = 'Active';
  if (fn.config.LastUpdateStatus === 'InProgress') fn.config.LastUpdateStatus = 'Successful';
  return { ...fn.config };
}

export async function handleManagement(
  ctx: ManagementContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  raw: Buffer,
  record: RecordedRequest,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const body = parse(raw);
  if (body === undefined)
    return sendError(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
  const parts = /^\/2015-03-31\/functions(?:\/([^/]+))?(?:\/(configuration|code))?$/.exec(path);
  if (!parts)
    return sendError(res, 404, 'UnknownOperationException', `no operation at ${method} ${url.pathname}`);
  const name = parts[1] ? decodeURIComponent(parts[1]) : undefined;
  const sub = parts[2];
  if (name) record.functionName = name;

  if (!name && method === 'POST') {
    record.operation = 'CreateFunction';
    const fname = String(body.FunctionName ?? '');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(fname))
      return sendError(res, 400, 'InvalidParameterValueException', 'FunctionName is invalid');
    if (ctx.functions.has(fname))
      return sendError(res, 409, 'ResourceConflictException', `Function already exist: ${fname}`);
    if (typeof body.Role !== 'string' || !body.Role.startsWith('arn:'))
      return sendError(
        res,
        400,
        'InvalidParameterValueException',
        'Role is required and must be an IAM role ARN',
      );
    const code = readCode((body.Code ?? {}) as Record<string, unknown>);
    if (typeof code === 'string') return sendError(res, 400, 'InvalidParameterValueException', code);
    const config: FunctionConfig = {
      FunctionName: fname,
      FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${fname}`,
      MemorySize: 128,
      Timeout: 3,
      EphemeralStorage: { Size: 512 },
      Architectures: (body.Architectures as string[] | undefined) ?? ['x86_64'],
      CodeSize: code.zipBytes ?? 0,
      CodeSha256: codeSha(code, (body.Code ?? {}) as Record<string, unknown>),
      State: ctx.pendingPolls > 0 ? 'Pending' : 'Active',
      LastUpdateStatus: 'Successful',
      LastModified: new Date().toISOString(),
      Version: '$LATEST',
      PackageType: 'Zip',
    };
    applyConfig(config, body);
    ctx.functions.set(fname, { name: fname, config, code, pendingPolls: ctx.pendingPolls });
    return sendJson(res, 201, config);
  }
  if (!name && method === 'GET') {
    record.operation = 'ListFunctions';
    const all = [...ctx.functions.values()]
      .map((f) => f.config)
      .sort((a, b) => a.FunctionName.localeCompare(b.FunctionName));
    const start = Number(url.searchParams.get('Marker') ?? 0);
    const max = Math.min(Number(url.searchParams.get('MaxItems') ?? 50), 50);
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? String(start + max) : undefined;
    return sendJson(res, 200, { Functions: page, ...(next ? { NextMarker: next } : {}) });
  }
  record.operation =
    method === 'DELETE'
      ? 'DeleteFunction'
      : method === 'GET'
        ? sub === 'configuration'
          ? 'GetFunctionConfiguration'
          : 'GetFunction'
        : sub === 'code'
          ? 'UpdateFunctionCode'
          : 'UpdateFunctionConfiguration';
  const fn = name ? ctx.functions.get(name) : undefined;
  if (!fn || !name)
    return sendError(
      res,
      404,
      'ResourceNotFoundException',
      `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${name ?? ''}`,
    );
  const busy = fn.config.State === 'Pending' || fn.config.LastUpdateStatus === 'InProgress';

  if (method === 'GET' && !sub) {
    record.operation = 'GetFunction';
    return sendJson(res, 200, {
      Configuration: poll(fn),
      Code: { RepositoryType: 'S3', Location: 'https://example.invalid/code.zip' },
    });
  }
  if (method === 'GET' && sub === 'configuration') {
    record.operation = 'GetFunctionConfiguration';
    return sendJson(res, 200, poll(fn));
  }
  if (method === 'DELETE' && !sub) {
    record.operation = 'DeleteFunction';
    ctx.functions.delete(name);
    await ctx.resetContainers(name);
    res.writeHead(204);
    res.end();
    return;
  }
  if (method === 'PUT' && (sub === 'code' || sub === 'configuration')) {
    record.operation = sub === 'code' ? 'UpdateFunctionCode' : 'UpdateFunctionConfiguration';
    if (busy)
      return sendError(
        res,
        409,
        'ResourceConflictException',
        `The operation cannot be performed at this time. An update is in progress for resource: ${fn.config.FunctionArn}`,
      );
    if (sub === 'code') {
      const code = readCode(body);
      if (typeof code === 'string') return sendError(res, 400, 'InvalidParameterValueException', code);
      fn.code = code;
      fn.config.CodeSize = code.zipBytes ?? 0;
      fn.config.CodeSha256 = codeSha(code, body);
      if (Array.isArray(body.Architectures)) fn.config.Architectures = body.Architectures as string[];
    } else {
      applyConfig(fn.config, body);
    }
    fn.config.LastModified = new Date().toISOString();
    fn.pendingPolls = ctx.pendingPolls;
    if (ctx.pendingPolls > 0) fn.config.LastUpdateStatus = 'InProgress';
    await ctx.resetContainers(name);
    return sendJson(res, 200, { ...fn.config });
  }
  return sendError(res, 404, 'UnknownOperationException', `no operation at ${method} ${url.pathname}`);
}
