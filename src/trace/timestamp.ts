/** Timestamps as traces write them (pure). */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The furthest time from the epoch a `Date` holds, either way (about 275,000 years). */
const MAX_DATE_MS = 8.64e15;

const inDateRange = (ms: number): number | null => (Math.abs(ms) <= MAX_DATE_MS ? ms : null);

/**
 * Epoch milliseconds of `text`, or null when it is not a timestamp. Accepted: ISO 8601 dates and
 * date-times with `T` or a space, optional seconds and fraction, optional `Z`/`UTC`/`+hh:mm`
 * (no zone means UTC); or a plain number of Unix seconds. A time no `Date` holds is none.
 */
export function parseTimestamp(text: string): number | null {
  const s = text.trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return inDateRange(Number(s) * 1000);
  const m = DATE_TIME.exec(s);
  if (!m) return null;
  const num = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((k) => num(m[k])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(t).getUTCDate() !== day) return null; // 2024-02-30 and the like
  return inDateRange(t - zoneOffsetMs(m[8]));
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || /^(z|utc)$/i.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
