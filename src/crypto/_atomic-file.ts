import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SecurityModuleError } from './errors.js';

/** Owner-only modes: the store holds sealed keys, yet no one else needs to read even those. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const ioError = (what: string, cause: unknown) =>
  new SecurityModuleError('SM_STORE_IO', `key store ${what}: ${(cause as NodeJS.ErrnoException).code ?? 'I/O error'}`);

/** The file's text; SM_STORE_NOT_FOUND when absent, SM_STORE_IO when unreadable. */
export async function readStoreText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SecurityModuleError('SM_STORE_NOT_FOUND', `no key store at ${path}`);
    throw ioError('cannot be read', e);
  }
}

/**
 * Writes `text` to `path` so that a reader sees the old or the new file, never a part: a temporary file beside
 * it (mode 0600, flushed) takes the name with rename, or with link when `exclusive` (fails if the name is taken).
 */
export async function writeStoreText(path: string, text: string, exclusive: boolean): Promise<void> {
  const dir = dirname(path);
  try {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    throw ioError('directory cannot be created', e);
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', FILE_MODE);
    try {
      await fh.chmod(FILE_MODE); // a umask cannot widen it, but an odd one could have narrowed it oddly
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (exclusive) {
      await link(tmp, path);
      await unlink(tmp);
    } else {
      await rename(tmp, path);
    }
    await syncDirectory(dir);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (e instanceof SecurityModuleError) throw e;
    if (exclusive && (e as NodeJS.ErrnoException).code === 'EEXIST') throw new SecurityModuleError('SM_STORE_EXISTS', `a key store exists at ${path}`);
    throw ioError('cannot be written', e);
  }
}

/** Makes the rename durable; some file systems refuse fsync on a directory, which costs only durability. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}
