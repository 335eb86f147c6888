/**
 * The README, `docs/*.md` and the examples in `--help` name only what exists: every `obifaas
 * <command> … --flag` in their code is a command of the real program with that option, every
 * relative link reaches a file (and a heading, for `#anchor`), every `npm run X` is a script.
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
const FENCED = /^[ \t]*```[^\n]*\n([\s\S]*?)^[ \t]*```/gm;
const MENTION = /\bobifaas\s+[a-z]/;

const docs: Doc[] = ['README.md', ...readdirSync(path.join(repoRoot, 'docs')).map((name) => `docs/${name}`)]
  .filter((file) => file.endsWith('.md'))
  .map((file) => ({ file, text: readFileSync(path.join(repoRoot, file), 'utf8') }));

/**
 * The `obifaas …` mentions in a document's code: an inline span, or in a fenced block a line
 * with `obifaas ` and its indented continuation lines, cut at a shell operator (`&&`, `;`, a
 * pipe into another program).
 */
function commandMentions(markdown: string): string[] {
  const mentions: string[] = [];
  for (const [, block = ''] of markdown.matchAll(FENCED)) {
    const lines = block.split('\n');
    lines.forEach((line, i) => {
      if (!MENTION.test(line)) return;
      let mention = line.slice(line.search(MENTION));
      for (let next = i + 1; /^\s+\S/.test(lines[next] ?? '') && !MENTION.test(lines[next] ?? ''); next++)
        mention += ` ${lines[next]}`;
      mentions.push(mention);
    });
  }
  for (const [, span = ''] of markdown.replace(FENCED, '').matchAll(/`([^`]+)`/g))
    if (MENTION.test(span)) mentions.push(span.slice(span.search(MENTION)));
  return mentions.map(
    (mention) => mention.replace(/\s+/g, ' ').split(/\s(?:&&|;|\|(?=\s*[a-z]))\s/)[0] ?? '',
  );
}

/** What is wrong with one mention against the program: an unknown command or flag, or nothing. */
function mentionProblems(program: Command, mention: string): string[] {
  const [first = '', second = ''] = mention
    .split(' ')
    .slice(1)
    .map((word) => word.replace(/[^a-z-]/g, ''));
  const command = program.commands.find((c) => c.name() === first);
  if (!command) return [`unknown command 'obifaas ${first}'`];
  const target = command.commands.length > 0 ? command.commands.find((c) => c.name() === second) : command;
  const name = target === command ? first : `${first} ${second}`;
  if (!target) return [`unknown command 'obifaas ${name}'`];
  const known = new Set(target.options.map((option) => option.long));
  return [...mention.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)]
    .map(([flag]) => flag)
    .filter((flag) => !known.has(flag) && !BUILTIN_FLAGS.has(flag))
    .map((flag) => `'obifaas ${name}' has no ${flag}`);
}

/** A command's whole `--help`, with the text its command module adds after the options. */
function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (chunk) => (text += chunk) });
  command.outputHelp();
  return text;
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
  const headings = markdown.replace(FENCED, '').matchAll(/^#{1,6}\s+(.+)$/gm);
  return new Set([...headings].map(([, heading = '']) => anchorOf(heading)));
}

/** Every relative link (`[text](target)`, `![alt](target)`) of a document that leads nowhere. */
function brokenLinks(doc: Doc): string[] {
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

  it("every example in a command's --help (an indented `obifaas …` line) names its command's flags", () => {
    const helps = program.commands.flatMap((command) => [command, ...command.commands]).map(helpOf);
    const examples = helps.flatMap((help) =>
      help.split('\n').filter((line) => /^\s+obifaas\s+[a-z]/.test(line)),
    );
    const mentions = commandMentions(`\`\`\`\n${examples.map((line) => line.trim()).join('\n')}\n\`\`\`\n`);
    expect(mentions.length).toBeGreaterThan(25);
    expect(mentions.flatMap((mention) => mentionProblems(program, mention))).toEqual([]);
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
