/**
 * An HTTP proxy on 127.0.0.1 that forwards requests to an S3-protocol server, except that it
 * can answer the next N requests itself with an S3 error (status + XML body), as a throttled,
 * failing or access-denying S3 would, or decide request by request with a rule: forward, fail,
 * or hold it unanswered (a service that stops answering mid-upload). Counts every request it sees.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An S3 error the proxy answers with. */
export interface InjectedFault {
  status: number;
  code: string;
  message?: string;
}

/**
 * What the proxy does with one request (`url` is the path and query): forward it (undefined),
 * answer it with a fault, or hold it unanswered until the client goes away or the proxy closes.
 */
export type RequestRule = (request: { method: string; url: string }) => InjectedFault | 'hold' | undefined;

export interface S3FaultProxy {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Requests seen so far (answered or forwarded). */
  readonly requests: number;
  /** `METHOD /path?query` of every request seen, oldest first. */
  readonly log: readonly string[];
  /** Answers the next `count` requests with `fault` (count `Infinity`: until `clear()`). */
  failNext(count: number, fault: InjectedFault): void;
  /** Applies `rule` to every request from now on (after `failNext`'s); undefined: none. */
  intercept(rule: RequestRule | undefined): void;
  /** Forgets `failNext` and the rule. */
  clear(): void;
  close(): Promise<void>;
}

export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const targetUrl = new URL(target);
  let requests = 0;
  const log: string[] = [];
  let remaining = 0;
  let fault: InjectedFault | undefined;
  let rule: RequestRule | undefined;

  const server = http.createServer((req, res) => {
    requests++;
    log.push(`${req.method} ${req.url}`);
    const ruled = rule?.({ method: req.method ?? '', url: req.url ?? '' });
    if (ruled === 'hold') {
      req.resume();
      return;
    }
    const answer = fault !== undefined && remaining > 0 ? fault : ruled;
    if (answer !== undefined) {
      if (answer === fault) remaining--;
      const body =
        req.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${answer.code}</Code>` +
            `<Message>${answer.message ?? answer.code}</Message><RequestId>fault-${requests}</RequestId></Error>`;
      req.resume();
      res.writeHead(answer.status, {
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
    intercept(next) {
      rule = next;
    },
    clear() {
      remaining = 0;
      fault = undefined;
      rule = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
