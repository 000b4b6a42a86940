import { closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../input/issues.js';

/** The file system calls an atomic write makes (injectable, so tests can make one fail). */
export interface WriteFs {
  openSync: (path: string, flags: string, mode?: number) => number;
  writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
  fsyncSync: (fd: number) => void;
  closeSync: (fd: number) => void;
  renameSync: (from: string, to: string) => void;
  unlinkSync: (path: string) => void;
}

const REAL_FS: WriteFs = { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync };

/** What a failed write's error code means, for a message. */
export function writeErrorCause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'over the disk quota';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/**
 * Writes `text` to `path` atomically: into a temporary file in the same folder, flushed to disk,
 * then renamed over the target — so a kill, a full disk or a failed write leaves the old file as
 * it was (the temporary file is removed), never a truncated one. A failure is an InputError with
 * the path as given and the cause (exit 2). A link at `path` is written through. The file keeps
 * the mode of the one it replaces, else gets `options.mode` (default 0644); `options.fs` is for tests.
 */
export function writeFileAtomic(shownPath: string, text: string, cwd: string, options: { mode?: number; fs?: WriteFs } = {}): void {
  const fs = options.fs ?? REAL_FS;
  const fail = (message: string): never => {
    throw new InputError([{ file: shownPath, message: `cannot write: ${message}` }]);
  };
  let target = resolve(cwd, shownPath);
  let mode = options.mode ?? 0o644;
  try {
    const stats = statSync(target);
    if (stats.isDirectory()) fail('is a directory; give a file name');
    if (!stats.isFile()) fail('is not a regular file');
    target = realpathSync(target);
    mode = stats.mode & 0o7777;
  } catch (err) {
    if (err instanceof InputError) throw err;
    // A new file: its folder is checked by the write itself.
  }
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', mode);
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already failing: the write's error is the one to report.
      }
    }
    try {
      fs.unlinkSync(temp);
    } catch {
      // Never created, or already gone.
    }
    fail(writeErrorCause(err));
  }
}
