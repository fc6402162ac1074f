/**
 * File-system errors that name the path (SPEC §11). Node names the path for open/rename but not
 * for a write on a descriptor (a full disk) and names temporary files rather than the target;
 * these wrappers name the file or directory the user asked for.
 */
export const ENOSPC_CODE = 'ENOSPC';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'no such file or directory',
};

export class FsPathError extends Error {
  override name = 'FsPathError';
  constructor(readonly path: string, readonly code: string, message: string) {
    super(message);
  }
}

/** `e` (a Node system error) as an FsPathError naming `path`; other errors unchanged. */
export function namedFsError(e: unknown, path: string, action: 'write' | 'read' | 'create' | 'replace'): Error {
  if (e instanceof FsPathError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !(code in REASONS)) return e instanceof Error ? e : new Error(String(e));
  return new FsPathError(path, code, `cannot ${action} ${path}: ${REASONS[code]} (${code})`);
}
