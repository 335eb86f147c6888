/**
 * The files of a folder that go into the function package: walked in name order, symbolic links
 * followed only where they stay inside the folder and never around a loop, and each file's mode
 * kept as Lambda needs it (executables stay executable, everything readable by all).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** A file found, at its path relative to the folder walked. */
export interface TreeFile {
  /** `/`-separated path below the folder (through links, as they are named). */
  rel: string;
  /** The file to read (a link's target). */
  file: string;
  size: number;
  /** 0o755 for an executable file, 0o644 for the others. */
  mode: number;
}

export interface WalkedTree {
  files: TreeFile[];
  /** Links left out, `rel (why)`: pointing out of the folder, around a loop, or nowhere. */
  leftOut: string[];
}

/** The mode a packaged file gets: executable by all if anyone could run it, readable by all. */
export function packagedMode(mode: number): number {
  return (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

/** True when `inner` is `outer` or lies below it. */
function inside(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Walks `dir`: files `keep` accepts (by relative path), in folders not named in `skipDirs`.
 * Links are followed inside `dir` only; a folder already on the way down (a loop) is not
 * entered again.
 */
export async function walkTree(
  dir: string,
  keep: (rel: string, name: string) => boolean,
  skipDirs: ReadonlySet<string> = new Set(),
): Promise<WalkedTree> {
  const root = await fs.realpath(dir);
  const out: WalkedTree = { files: [], leftOut: [] };
  const visit = async (real: string, rel: string, ancestors: ReadonlySet<string>): Promise<void> => {
    const entries = await fs.readdir(real, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      let target = path.join(real, e.name);
      if (e.isSymbolicLink()) {
        const resolved = await fs.realpath(target).catch(() => null);
        if (resolved === null) {
          out.leftOut.push(`${r} (a link to nothing)`);
          continue;
        }
        if (!inside(root, resolved)) {
          out.leftOut.push(`${r} (a link out of ${dir})`);
          continue;
        }
        target = resolved;
      }
      const info = await fs.stat(target).catch(() => null);
      if (!info) continue;
      if (info.isDirectory()) {
        if (skipDirs.has(e.name)) continue;
        if (ancestors.has(target)) {
          out.leftOut.push(`${r} (a link around a loop)`);
          continue;
        }
        await visit(target, r, new Set([...ancestors, target]));
      } else if (info.isFile() && keep(r, e.name)) {
        out.files.push({ rel: r, file: target, size: info.size, mode: packagedMode(info.mode) });
      }
    }
  };
  await visit(root, '', new Set([root]));
  return out;
}
