/** Reading a request's body within a size limit and a time limit (the function server's). */
import type http from 'node:http';

/** How much of an oversized body is read and dropped (so the client sees the 413) before the socket is cut. */
export const DRAIN_FACTOR = 4;

/**
 * Reads a body up to `limit` bytes within `timeoutMs`: `too-large` when it is larger, `timeout`
 * when it is not all there in time. An oversized body is read to its end and dropped before
 * this resolves (up to a few times the limit, beyond which the socket is cut), so that the 413
 * goes out after the client has finished sending: a client still writing when the connection
 * closes sees a broken pipe instead of the 413.
 */
export function readBody(
  req: http.IncomingMessage,
  limit: number,
  timeoutMs: number,
): Promise<Buffer | 'too-large' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    const done = (value: Buffer | 'too-large'): void => {
      clearTimeout(timer);
      resolve(value);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_FACTOR * limit) {
        req.destroy();
        done('too-large');
      }
    });
    req.on('end', () => done(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', (err) => {
      clearTimeout(timer);
      if (size > limit) resolve('too-large');
      else reject(err);
    });
  });
}
