import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * How to start a Node process on one of our own modules. Compiled code (`.js`) runs as is;
 * source (`.ts`, under tests and `tsx`) runs through the tsx loader, named by absolute URL so
 * that the child finds it whatever its working directory.
 *
 * @param fromUrl `import.meta.url` of the caller
 * @param relative path of the target module, relative to the caller, without extension
 */
export function moduleEntry(fromUrl: string, relative: string): { file: string; execArgv: string[] } {
  const isSource = fromUrl.endsWith('.ts');
  const file = fileURLToPath(new URL(`${relative}${isSource ? '.ts' : '.js'}`, fromUrl));
  return { file, execArgv: isSource ? ['--import', tsxLoader(fromUrl)] : [] };
}

function tsxLoader(fromUrl: string): string {
  try {
    return pathToFileURL(createRequire(fromUrl).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}
