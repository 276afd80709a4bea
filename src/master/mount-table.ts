// The mount table: which under store backs which part of the namespace. It is
// replicated state (changed only through journal entries, putMount and
// deleteMount) and small, so it is held whole in memory and persisted under
// the T key prefix. The root is always mounted (mount id 1).

import { ErrorCode, StrataError } from '../common/errors';
import { isPrefix, parsePath } from '../common/paths';

export const ROOT_MOUNT_ID = 1;

export interface MountEntry {
  id: number;
  /** The strata path of the mount point. */
  path: string;
  ufsUri: string;
  readOnly: boolean;
  options: Record<string, string>;
}

export interface MountResolution {
  mount: MountEntry;
  /** The path relative to the mount's root ('' for the mount point itself). */
  relPath: string;
}

/** Option names whose values are secrets: never printed back. */
const SECRET_OPTIONS = /secret|password|token|credential|access_key/i;

export class MountTable {
  private readonly byId = new Map<number, MountEntry>();
  private sorted: Array<{ names: string[]; mount: MountEntry }> = [];

  put(mount: MountEntry): void {
    this.byId.set(mount.id, mount);
    this.reindex();
  }

  delete(id: number): void {
    this.byId.delete(id);
    this.reindex();
  }

  /** Forgets every mount (before reloading them from RocksDB). */
  clear(): void {
    this.byId.clear();
    this.reindex();
  }

  get(id: number): MountEntry | undefined {
    return this.byId.get(id);
  }

  list(): MountEntry[] {
    return [...this.byId.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The innermost mount containing the path. */
  resolve(names: readonly string[]): MountResolution {
    for (const { names: mountNames, mount } of this.sorted) {
      if (isPrefix(mountNames, names)) {
        return { mount, relPath: names.slice(mountNames.length).join('/') };
      }
    }
    throw new StrataError(ErrorCode.INTERNAL, 'no mount covers the path: the root mount is missing');
  }

  nextId(): number {
    let max = ROOT_MOUNT_ID;
    for (const id of this.byId.keys()) max = Math.max(max, id);
    return max + 1;
  }

  private reindex(): void {
    // Deepest first, so resolve() finds the innermost mount.
    this.sorted = [...this.byId.values()]
      .map((mount) => ({ names: parsePath(mount.path), mount }))
      .sort((a, b) => b.names.length - a.names.length);
  }
}

export function redactOptions(options: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) out[key] = SECRET_OPTIONS.test(key) ? '******' : value;
  return out;
}
