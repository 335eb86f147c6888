/**
 * The split dispatcher on loopback refuses what is not a worker's honest call: calls without
 * the token or with a wrong one, malformed and oversized messages (the sender's split runs
 * again elsewhere), and random bytes thrown at its port, while legitimate workers finish.
 */
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { DispatcherClient, DispatcherError } from '../../src/rpc/dispatcher-client.js';
import { dispatcherService } from '../../src/rpc/wire.js';
import {
  closeDispatcherJobs,
  connect,
  drain,
  expectEveryInputOnce,
  startJob,
  type JobAddress,
} from '../support/dispatcher-job.js';

afterEach(closeDispatcherJobs);

describe('dispatcher over loopback: what it refuses', () => {
  it('refuses calls without the token or with a wrong one, while a legitimate worker finishes', async () => {
    const { server, done, address } = await startJob(200, 10);
    const legit = await connect(address, 'legit');
    const running = drain(legit, 'legit', 5);
    const { host, port } = address;
    const wrong = DispatcherClient.connect({ host, port, token: 'not-the-token' }, { workerId: 'intruder' });
    await expect(wrong).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/wrong credential for worker intruder/),
    });
    // A raw call with no metadata at all.
    const Client = grpc.makeGenericClientConstructor(dispatcherService().service, 'Dispatcher');
    const raw = new Client(`${address.host}:${address.port}`, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = (raw as unknown as { Work(): grpc.ClientDuplexStream<object, object> }).Work();
      call.on('status', resolve);
      call.on('error', () => undefined);
      call.write({ pull: { requestId: 1 } });
    });
    raw.close();
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(status.details).not.toContain(server.token);
    await expect(running).resolves.toBe(20);
    await server.whenFinished();
    expectEveryInputOnce(done, 200);
    expect(server.counters.unauthenticated).toBe(2);
  });

  it('refuses malformed and oversized messages and retries the sender’s split elsewhere', async () => {
    const { server, done, lost, address } = await startJob(40, 4, { maxMessageBytes: 16 * 1024 });
    const garbage = await rawStream(address, 'garbage');
    garbage.write(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02])); // not protobuf
    expect((await garbage.status).code).toBe(grpc.status.INVALID_ARGUMENT);
    const empty = await rawStream(address, 'empty');
    empty.write(Buffer.alloc(0)); // decodes, but is neither a pull nor a heartbeat
    expect((await empty.status).details).toMatch(/neither a pull nor a heartbeat/);
    const greedy = await rawStream(address, 'greedy');
    greedy.write(
      dispatcherService().service.Work!.requestSerialize({
        pull: { requestId: 1, finished: [], maxSplits: 100_000 },
      }),
    );
    expect((await greedy.status).details).toMatch(/max_splits 100000 is above 256/);

    const big = await connect(address, 'big');
    const split = await big.pull();
    if (!split) throw new Error('expected a split');
    const huge = split.keys.map((key) => ({ key, top: null, error: 'x'.repeat(10_000) }));
    await expect(big.pull({ splitId: split.splitId, results: huge })).rejects.toBeInstanceOf(DispatcherError);

    const good = await connect(address, 'good');
    await drain(good, 'good');
    await server.whenFinished();
    expectEveryInputOnce(done, 40);
    expect(lost.map((e) => [e.workerId, e.kind, e.requeued])).toEqual([
      ['big', 'disconnected', [split.splitId]],
    ]);
    expect(
      server.state
        .records()
        .find((r) => r.splitId === split.splitId)
        ?.attempts.map((a) => a.outcome),
    ).toEqual(['failed', 'won']);
    expect(server.counters.malformed).toBe(3);
  });

  it('keeps serving while random bytes are thrown at its port', async () => {
    const { server, done, address } = await startJob(300, 3);
    const rng = new Random(42);
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const fuzz = Array.from({ length: 60 }, async (_, i) => {
      const noise = Buffer.from(Array.from({ length: rng.int(1, 4096) }, () => rng.int(0, 255)));
      const payload = i % 2 === 0 ? Buffer.concat([preface, noise]) : noise;
      await new Promise<void>((resolve) => {
        const socket = net.connect(address.port, address.host, () => socket.end(payload));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.on('data', () => undefined);
        socket.setTimeout(2000, () => socket.destroy());
      });
    });
    const workers = await Promise.all([connect(address, 'a'), connect(address, 'b')]);
    await Promise.all([...fuzz, ...workers.map((w) => drain(w, 'x', 1))]);
    await server.whenFinished();
    expectEveryInputOnce(done, 300);
  });
});

/** An authorised stream that sends raw bytes (bypassing our encoder). */
async function rawStream(address: JobAddress, workerId: string) {
  const Raw = grpc.makeGenericClientConstructor(
    {
      Work: {
        path: '/obifaas.dispatcher.v1.Dispatcher/Work',
        requestStream: true,
        responseStream: true,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    'Dispatcher',
  );
  const client = new Raw(`${address.host}:${address.port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${address.credential(workerId)}`);
  metadata.set('x-obifaas-worker-id', workerId);
  const call = (
    client as unknown as { Work(m: grpc.Metadata): grpc.ClientDuplexStream<Buffer, Buffer> }
  ).Work(metadata);
  call.on('error', () => undefined);
  const status = new Promise<grpc.StatusObject>((resolve) =>
    call.on('status', (s) => (client.close(), resolve(s))),
  );
  return { write: (b: Buffer) => call.write(b), status };
}
