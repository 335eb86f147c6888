/**
 * A loopback port that refuses connections, for tests of unreachable endpoints. It lies below
 * the system's ephemeral range (Linux: 32768-60999), from which `listen(0)` picks the ports of
 * every server the tests start, so a test file running beside this one cannot take it while it
 * is in use; a port taken with `listen(0)` and closed again could be handed to such a server.
 */
import net from 'node:net';

/** Ports below the ephemeral range that no test listens on. */
const FIRST = 20_000;
const COUNT = 12_000;

/** Whether a connection to `port` on 127.0.0.1 is refused. */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** A loopback port with nothing listening on it (checked), below the ephemeral range. */
export async function closedPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = FIRST + Math.floor(Math.random() * COUNT);
    if (await refuses(port)) return port;
  }
  throw new Error(`no closed loopback port found in ${FIRST}-${FIRST + COUNT - 1}`);
}
