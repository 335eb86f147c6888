/**
 * An HTTP proxy on 127.0.0.1 that forwards requests to an S3-protocol server, except that it
 * can answer the next N requests itself with an S3 error (status + XML body), as a throttled,
 * failing or access-denying S3 would. Counts every request it sees.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An S3 error the proxy answers with. */
export interface InjectedFault {
  status: number;
  code: string;
  message?: string;
}

export interface S3FaultProxy {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Requests seen so far (answered or forwarded). */
  readonly requests: number;
  /** `METHOD /path?query` of every request seen, oldest first. */
  readonly log: readonly string[];
  /** Answers the next `count` requests with `fault` (count `Infinity`: until `clear()`). */
  failNext(count: number, fault: InjectedFault): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const targetUrl = new URL(target);
  let requests = 0;
  const log: string[] = [];
  let remaining = 0;
  let fault: InjectedFault | undefined;

  const server = http.createServer((req, res) => {
    requests++;
    log.push(`${req.method} ${req.url}`);
    if (fault !== undefined && remaining > 0) {
      remaining--;
      const body =
        req.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code>` +
            `<Message>${fault.message ?? fault.code}</Message><RequestId>fault-${requests}</RequestId></Error>`;
      req.resume();
      res.writeHead(fault.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    const upstream = http.request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    log,
    failNext(count, next) {
      remaining = count;
      fault = next;
    },
    clear() {
      remaining = 0;
      fault = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
