/**
 * A DER writer for the few ASN.1 types an X.509 certificate needs (pure): each function returns
 * one encoded value (tag, length, contents), and constructed values take encoded children.
 * Lengths use the definite form, short below 128 bytes and long above, as DER requires.
 */

/** The big-endian bytes of a non-negative safe integer, without leading zeros (none for 0). */
function bigEndianBytes(value: number): number[] {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return bytes;
}

/** The tag and length octets of a value of `length` bytes. */
function header(tag: number, length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad DER length ${length}`);
  if (length < 0x80) return Buffer.from([tag, length]);
  const bytes = bigEndianBytes(length);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}

/** A value with tag `tag` and the contents `contents`. */
export function derValue(tag: number, contents: Uint8Array): Buffer {
  return Buffer.concat([header(tag, contents.length), contents]);
}

/** A SEQUENCE of encoded values. */
export function derSequence(...items: readonly Uint8Array[]): Buffer {
  return derValue(0x30, Buffer.concat(items));
}

/** A SET of encoded values (DER sorts them; callers here pass one). */
export function derSet(...items: readonly Uint8Array[]): Buffer {
  const sorted = [...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return derValue(0x31, Buffer.concat(sorted));
}

/**
 * An INTEGER from its unsigned big-endian bytes: leading zero bytes are dropped and one is put
 * back when the top bit is set, so the value stays positive.
 */
export function derUnsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = Buffer.from(bytes.subarray(start));
  const body = trimmed.length === 0 ? Buffer.from([0]) : trimmed;
  return derValue(0x02, (body[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

/** A small non-negative INTEGER. */
export function derSmallInteger(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad DER integer ${value}`);
  return derUnsignedInteger(Uint8Array.from(bigEndianBytes(value)));
}

/** A BOOLEAN. */
export function derBoolean(value: boolean): Buffer {
  return derValue(0x01, Buffer.from([value ? 0xff : 0x00]));
}

/** An OBJECT IDENTIFIER from its dotted form (`1.2.840.10045.2.1`). */
export function derObjectId(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new RangeError(`bad object identifier '${dotted}'`);
    return Number(arc);
  });
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || first > 2 || (first < 2 && second > 39))
    throw new RangeError(`bad object identifier '${dotted}'`);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift(0x80 | (v % 128));
    bytes.push(...base128);
  }
  return derValue(0x06, Uint8Array.from(bytes));
}

/** A UTF8String. */
export function derUtf8String(text: string): Buffer {
  return derValue(0x0c, Buffer.from(text, 'utf8'));
}

/** An OCTET STRING. */
export function derOctetString(bytes: Uint8Array): Buffer {
  return derValue(0x04, bytes);
}

/** A BIT STRING of whole bytes (no unused bits). */
export function derBitString(bytes: Uint8Array): Buffer {
  return derValue(0x03, Buffer.concat([Buffer.from([0]), bytes]));
}

/** A context-specific constructed value `[n]` wrapping encoded values (EXPLICIT tagging). */
export function derExplicit(n: number, ...items: readonly Uint8Array[]): Buffer {
  return derValue(0xa0 | n, Buffer.concat(items));
}

/** A context-specific primitive value `[n]` holding `contents` (IMPLICIT tagging of a primitive). */
export function derImplicit(n: number, contents: Uint8Array): Buffer {
  return derValue(0x80 | n, contents);
}

/**
 * An X.509 Time: UTCTime (`YYMMDDHHMMSSZ`) for the years 1950 to 2049, GeneralizedTime
 * (`YYYYMMDDHHMMSSZ`) outside them (RFC 5280, 4.1.2.5). Milliseconds are dropped.
 */
export function derTime(epochMs: number): Buffer {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(epochMs) || year < 1 || year > 9999)
    throw new RangeError(`bad certificate time ${epochMs}`);
  const two = (n: number): string => String(n).padStart(2, '0');
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return derValue(0x17, Buffer.from(two(year % 100) + rest, 'ascii'));
  return derValue(0x18, Buffer.from(String(year).padStart(4, '0') + rest, 'ascii'));
}
