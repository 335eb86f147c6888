/**
 * The README and `docs/*.md` name only what exists: every `obifaas <command> … --flag` in their
 * code is a command of the real program with that option, every relative link reaches a file
 * (and a heading, for `#anchor`), and every `npm run X` is a script of package.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/support/repo-root.js';
import { buildProgram } from './main.js';

interface Doc {
  file: string;
  text: string;
}

/** Flags every command answers without declaring them. */
const BUILTIN_FLAGS = new Set(['--help', '--version']);

const docs: Doc[] = ['README.md', ...readdirSync(path.join(repoRoot, 'docs')).map((name) => `docs/${name}`)]
  .filter((file) => file.endsWith('.md'))
  .map((file) => ({ file, text: readFileSync(path.join(repoRoot, file), 'utf8') }));

/**
 * The `obifaas …` mentions in a document's code: an inline span, or in a fenced block a line
 * with `obifaas ` and its indented continuation lines, cut at a shell operator (`&&`, `;`, a
 * pipe into another program).
 */
export function commandMentions(markdown: string): string[] {
  const mentions: string[] = [];
  const fenced = /^[ \t]*```[^\n]*\n([\s\S]*?)^[ \t]*```/gm;
  for (const [, block = ''] of markdown.matchAll(fenced)) {
    const lines = block.split('\n');
    lines.forEach((line, i) => {
      const at = line.search(/\bobifaas\s+[a-z]/);
      if (at < 0) return;
      let mention = line.slice(at);
      for (let next = i + 1; next < lines.length && /^\s+\S/.test(lines[next] ?? ''); next++) {
        if (/\bobifaas\s+[a-z]/.test(lines[next] ?? '')) break;
        mention += ` ${lines[next]}`;
      }
      mentions.push(mention);
    });
  }
  const prose = markdown.replace(fenced, '');
  for (const [, span = ''] of prose.matchAll(/`([^`]+)`/g)) {
    const at = span.search(/\bobifaas\s+[a-z]/);
    if (at >= 0) mentions.push(span.slice(at));
  }
  return mentions.map(
    (mention) => mention.replace(/\s+/g, ' ').split(/\s(?:&&|;|\|(?=\s*[a-z]))\s/)[0] ?? '',
  );
}

/** What is wrong with one mention against the program: an unknown command or flag, or nothing. */
export function mentionProblems(program: Command, mention: string): string[] {
  const words = mention
    .split(' ')
    .slice(1)
    .map((word) => word.replace(/[^a-z-]/g, ''));
  const command = program.commands.find((c) => c.name() === words[0]);
  if (!command) return [`unknown command 'obifaas ${words[0]}'`];
  let target = command;
  if (command.commands.length > 0) {
    const sub = command.commands.find((c) => c.name() === words[1]);
    if (!sub) return [`unknown command 'obifaas ${words[0]} ${words[1]}'`];
    target = sub;
  }
  const known = new Set(target.options.map((option) => option.long));
  const flags = [...mention.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map(([flag]) => flag);
  return flags
    .filter((flag) => !known.has(flag) && !BUILTIN_FLAGS.has(flag))
    .map(
      (flag) => `'obifaas ${target === command ? '' : `${command.name()} `}${target.name()}' has no ${flag}`,
    );
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsIn(markdown: string): Set<string> {
  const prose = markdown.replace(/^[ \t]*```[^\n]*\n[\s\S]*?^[ \t]*```/gm, '');
  return new Set([...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading = '']) => anchorOf(heading)));
}

/** Every relative link (`[text](target)`, `![alt](target)`) of a document that leads nowhere. */
export function brokenLinks(doc: Doc): string[] {
  const broken: string[] = [];
  for (const [, target = ''] of doc.text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    const [file = '', anchor] = target.split('#');
    const resolved =
      file === '' ? path.join(repoRoot, doc.file) : path.join(repoRoot, path.dirname(doc.file), file);
    if (!existsSync(resolved)) broken.push(`${doc.file}: ${target} (no such file)`);
    else if (anchor && resolved.endsWith('.md') && !anchorsIn(readFileSync(resolved, 'utf8')).has(anchor))
      broken.push(`${doc.file}: ${target} (no such heading)`);
  }
  return broken;
}

describe('the docs name what exists', () => {
  const program = buildProgram();

  it('every `obifaas <command> --flag` is a command and an option of the program', () => {
    const mentions = docs.flatMap((doc) => commandMentions(doc.text).map((mention) => ({ doc, mention })));
    expect(mentions.length).toBeGreaterThan(80);
    const problems = mentions.flatMap(({ doc, mention }) =>
      mentionProblems(program, mention).map((problem) => `${doc.file}: ${problem} (in "${mention}")`),
    );
    expect(problems).toEqual([]);
  });

  it('finds a misspelt flag, an unknown command and a flag of another command', () => {
    const mentions = commandMentions(
      'Run `obifaas run --wrokers 3`.\n\n```sh\nobifaas rnu\nobifaas model\n  inspect --json\nobifaas plan --images 1 --top-k 5 | jq .\n```\n',
    );
    expect(mentions.map((mention) => mentionProblems(program, mention))).toEqual([
      [`unknown command 'obifaas rnu'`],
      [],
      [`'obifaas plan' has no --top-k`],
      [`'obifaas run' has no --wrokers`],
    ]);
  });

  it('every relative link points to a file (and heading) that exists', () => {
    expect(docs.flatMap(brokenLinks)).toEqual([]);
    expect(
      brokenLinks({ file: 'docs/x.md', text: '[a](api.md) [b](nope.md) [c](../README.md#no-such)' }),
    ).toEqual(['docs/x.md: nope.md (no such file)', 'docs/x.md: ../README.md#no-such (no such heading)']);
  });

  it('every `npm run X` is a script of package.json', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const named = docs.flatMap((doc) =>
      [...doc.text.matchAll(/npm\s+run\s+([\w:-]+)/g)].map(([, script = '']) => ({ file: doc.file, script })),
    );
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter(({ script }) => !(script in scripts))).toEqual([]);
  });
});
