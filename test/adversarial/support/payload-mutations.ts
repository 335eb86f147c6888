/**
 * Seeded mutations of a valid worker payload, as JSON text (so `__proto__` can be an own key):
 * wrong types, huge sizes, hostile paths and URLs, prototype keys, missing and unknown keys.
 * Each mutation is one or a few of these changes; the same seed gives the same payloads.
 */
import { Random } from '../../../src/core/random.js';
import type { HostileWorld } from './hostile-world.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What one mutation did (for the failure message) and the payload text. */
export interface Mutation {
  seed: number;
  changes: string[];
  text: string;
}

const HOSTILE_NUMBERS = [-1, 0, 0.5, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, 1e-300, 65_536];

function hostilePaths(world: HostileWorld): string[] {
  return [
    '/proc/self/environ',
    '/proc/self/cmdline',
    '/proc/self/mem',
    '/dev/zero',
    '/dev/urandom',
    '/etc/shadow',
    world.canaryFile,
    `file://${world.canaryFile}`,
    `file://localhost${world.canaryFile}`,
    `${world.root}/../canary.txt`,
    `${world.root}/leak.txt`,
    `${world.root}/up/canary.txt`,
    `${world.root}/pipe.jpg`,
    `${world.root}/%2e%2e/canary.txt`,
    'relative/path.onnx',
    '',
    ' ',
    '\u0000',
    `${world.root}/\u0000/x`,
    '//etc//passwd',
    'C:\\Windows\\win.ini',
    '~/.aws/credentials',
    `${world.root}/${'a'.repeat(5000)}`,
    'file:///%2e%2e/etc/passwd',
  ];
}

function hostileUrls(world: HostileWorld): string[] {
  return [
    world.attacker.url,
    `${world.attacker.url}/model.onnx`,
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:1/',
    'javascript:alert(1)',
    'ftp://attacker.example/x',
    's3://attacker-bucket/model.onnx',
    's3://jobs/../../x',
    'http://user:pass@attacker.example:9000',
    `http://${'a'.repeat(300)}.example`,
    'not a url',
  ];
}

function hostileHosts(world: HostileWorld): string[] {
  return [
    world.trap.host,
    '0.0.0.0',
    '::',
    '::ffff:127.0.0.2',
    '169.254.169.254',
    '10.0.0.1',
    '[fe80::1]',
    '127.0.0.1.attacker.example',
    'a'.repeat(300),
    'localhost:50051',
    '',
  ];
}

/** Every (path, value) of an object tree, the root excluded. */
function nodes(value: Json, at: (string | number)[] = []): Array<(string | number)[]> {
  const out: Array<(string | number)[]> = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...at, i], ...nodes(v, [...at, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push([...at, k], ...nodes(v, [...at, k]));
  return out;
}

function setAt(root: Json, at: (string | number)[], value: Json | undefined): void {
  let node = root as Record<string | number, Json>;
  for (const step of at.slice(0, -1)) node = node[step] as Record<string | number, Json>;
  const last = at[at.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else if (typeof last === 'string' && PROTOTYPE_KEYS.includes(last)) {
    // An own key, as JSON.parse makes it (an assignment would change the prototype).
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  } else node[last] = value;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random.int(0, items.length - 1)] as T;
}

function deep(depth: number): Json {
  let v: Json = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** A random value of a random kind. */
function anyValue(random: Random, world: HostileWorld): Json {
  switch (random.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return random.next() < 0.5;
    case 2:
      return pick(random, HOSTILE_NUMBERS);
    case 3:
      return pick(random, hostilePaths(world));
    case 4:
      return pick(random, hostileUrls(world));
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return 'x'.repeat(random.int(1, 200_000));
    case 8:
      return Array.from({ length: random.int(1, 2_000) }, (_, i) => `img${i}.jpg`);
    default:
      return deep(random.int(10, 5_000));
  }
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** One change to `payload`, in place; says what it did. */
function mutateOnce(payload: Json, random: Random, world: HostileWorld): string {
  const all = nodes(payload);
  const target = pick(random, all);
  const where = target.join('.');
  switch (random.int(0, 8)) {
    case 0: {
      const value = anyValue(random, world);
      setAt(payload, target, value);
      return `${where} := ${JSON.stringify(value).slice(0, 60)}`;
    }
    case 1: {
      setAt(payload, target, undefined);
      return `delete ${where}`;
    }
    case 2: {
      const p = pick(random, hostilePaths(world));
      const field = pick(random, [
        ['model', 'uri'],
        ['model', 'labelsUri'],
        ['storage', 'root'],
        ['splits', 0, 'keys', 0],
      ] as const);
      setAt(payload, [...field], p);
      return `${field.join('.')} := ${JSON.stringify(p).slice(0, 60)}`;
    }
    case 3: {
      const url = pick(random, hostileUrls(world));
      const field = pick(random, [
        ['model', 'uri'],
        ['model', 'labelsUri'],
        ['storage', 'endpoint'],
      ] as const);
      if (field[0] === 'storage')
        setAt(payload, ['storage'], {
          type: 's3',
          bucket: pick(random, ['jobs', 'attacker-bucket']),
          endpoint: url,
        });
      else setAt(payload, [...field], url);
      return `${field.join('.')} := ${url.slice(0, 60)}`;
    }
    case 4: {
      const host = pick(random, hostileHosts(world));
      const p = payload as Record<string, Json>;
      delete p.splits;
      p.kind = 'dynamic';
      p.dispatcher = {
        host,
        port: pick(random, [world.trap.port, 80, 50051, 0, 70_000]),
        token: 't',
        keepAliveIntervalMs: 1000,
      };
      return `dynamic to ${host.slice(0, 40)}`;
    }
    case 5: {
      const objects = [[] as (string | number)[], ...all].filter((at) => {
        let v: Json = payload;
        for (const step of at) v = (v as Record<string | number, Json>)[step] as Json;
        return v !== null && typeof v === 'object' && !Array.isArray(v);
      });
      const at = pick(random, objects);
      const key = pick(random, PROTOTYPE_KEYS);
      setAt(payload, [...at, key], { polluted: true, toString: 'x' });
      return `${[...at, key].join('.')} := {polluted}`;
    }
    case 6: {
      setAt(payload, [...target.slice(0, -1), pick(random, ['extra', 'faultz', 'Kind', 'model_uri'])], 1);
      return `unknown key beside ${where}`;
    }
    case 7: {
      const kind = pick(random, ['ping', 'dynamic', 'static', 'STATIC', '', 'toString']);
      (payload as Record<string, Json>).kind = kind;
      return `kind := ${kind}`;
    }
    default: {
      const keys = [
        'leak.jpg',
        'pipe.jpg',
        'up/canary.txt',
        '../canary.txt',
        '/etc/passwd',
        'k'.repeat(1025),
        'a//b',
        '.',
        'x\u0007y',
      ];
      setAt(
        payload,
        ['splits', 0, 'keys'],
        Array.from({ length: random.int(1, 6) }, () => pick(random, keys)),
      );
      return 'hostile keys';
    }
  }
}

/** `count` mutations of `base`, from `seed`. */
export function mutations(base: unknown, world: HostileWorld, seed: number, count: number): Mutation[] {
  const random = new Random(seed);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const payload = JSON.parse(JSON.stringify(base)) as Json;
    const changes: string[] = [];
    const times = random.int(1, 3);
    for (let t = 0; t < times; t++) {
      try {
        changes.push(mutateOnce(payload, random, world));
      } catch {
        changes.push('(change skipped: the node went away)');
      }
    }
    const text = JSON.stringify(payload);
    out.push({ seed: i, changes, text });
  }
  return out;
}
