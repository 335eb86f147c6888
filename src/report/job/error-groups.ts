/**
 * Errors grouped by message (pure): how many inputs or invocations each message hit, and the
 * first keys or workers it hit, so that one look tells what went wrong and where to start.
 */
import type { JobRecord } from '../../manager/types.js';
import { invocationEnd } from './job-figures.js';

/** One message and what it hit. */
export interface ErrorGroup {
  message: string;
  count: number;
  /** The first keys (inputs) or workers (invocations) with this message, in the order seen. */
  first: string[];
}

/** Limits that keep a report small whatever the job. */
export const ERROR_GROUP_LIMITS = Object.freeze({ groups: 50, firstPerGroup: 5, messageChars: 500 });

/** Messages put together by text (cut to `messageChars`); the rest past `groups` in one group. */
export class ErrorGrouper {
  private readonly byMessage = new Map<string, ErrorGroup>();
  private other: ErrorGroup | null = null;
  total = 0;

  add(message: string, item: string): void {
    this.total++;
    const text =
      message.length > ERROR_GROUP_LIMITS.messageChars
        ? `${message.slice(0, ERROR_GROUP_LIMITS.messageChars)}...`
        : message;
    let group = this.byMessage.get(text);
    if (!group) {
      if (this.byMessage.size >= ERROR_GROUP_LIMITS.groups) {
        this.other ??= { message: '(other messages)', count: 0, first: [] };
        group = this.other;
      } else {
        group = { message: text, count: 0, first: [] };
        this.byMessage.set(text, group);
      }
    }
    group.count++;
    if (group.first.length < ERROR_GROUP_LIMITS.firstPerGroup) group.first.push(item);
  }

  /** Most frequent first; the overflow group last. */
  groups(): ErrorGroup[] {
    const sorted = [...this.byMessage.values()].sort(
      (a, b) => b.count - a.count || a.message.localeCompare(b.message),
    );
    return this.other ? [...sorted, this.other] : sorted;
  }
}

/**
 * Failed invocations grouped by error, with their workers: not those the job manager stopped nor
 * those that ran when it was killed ({@link invocationEnd}).
 */
export function invocationErrorGroups(record: JobRecord): ErrorGroup[] {
  const grouper = new ErrorGrouper();
  for (const inv of record.invocations) {
    const end = invocationEnd(inv);
    if (end === 'failed' || end === 'timeout') grouper.add(inv.error ?? 'unknown error', inv.workerId);
  }
  return grouper.groups();
}
