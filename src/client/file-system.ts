// The file system API of strata's own tools: paths in, FileInfo out, errors
// as StrataError. Metadata goes to the master (master-client.ts); file data
// goes straight to the under store the master names for the path (DESIGN.md,
// "Data path"): write the data, then commit size and fingerprint.

import type { Readable } from 'node:stream';
import type { FileInfo, ListStatusPage, MountInfo, SyncProgressResponse, SyncResponse } from '../common/api';
import { ErrorCode, StrataError } from '../common/errors';
import { parseUfsUri, openUnderStore } from '../ufs/registry';
import type { UnderStore } from '../ufs/under-store';
import { MasterClient, MasterClientOptions } from './master-client';

export interface Owner {
  uid: number;
  gid: number;
}

export function currentOwner(): Owner {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/** What a create, mkdir or symlink answers: the new entry, and its parent's id and children_version after it (0: unknown). */
export interface CreateReply {
  info: FileInfo;
  parentId: number;
  parentChildrenVersion: number;
}

export class StrataFileSystem {
  readonly master: MasterClient;
  private mountTable: MountInfo[] | null = null;
  private readonly stores = new Map<string, Promise<UnderStore>>();

  /** Presented to the master for the secrets of mounts whose stores this client reads and writes itself. */
  private readonly clusterToken: string | null;

  /**
   * options.clusterToken: the cluster token, else the environment's
   * STRATA_CLUSTER_TOKEN; without one, a mount's secret options stay with
   * the master and this client uses its own credentials (storeFor).
   */
  constructor(masters: string[], options: MasterClientOptions & { clusterToken?: string } = {}, readonly owner: Owner = currentOwner()) {
    this.master = new MasterClient(masters, options);
    const token = options.clusterToken ?? process.env.STRATA_CLUSTER_TOKEN ?? '';
    this.clusterToken = token === '' ? null : token;
  }

  /** syncIntervalMs overrides the mount's sync interval for this call: -1 no sync, 0 sync now, N ms. */
  async stat(path: string, options: { syncIntervalMs?: number } = {}): Promise<FileInfo> {
    return (await this.master.call<{ info: FileInfo }>('getStatus', { path, syncIntervalMs: options.syncIntervalMs })).info;
  }

  /**
   * stat, registering a callback (master/callbacks.ts): registered says the
   * master will invalidate pathIds (the inodes on the way, the path's last)
   * on this client's stream before any of them changes.
   */
  statRegistering(path: string): Promise<{ info: FileInfo; registered: boolean; pathIds: number[] }> {
    return this.master.call<{ info: FileInfo; registered: boolean; pathIds: number[] }>('getStatus', { path, register: true });
  }

  list(path: string, pageSize?: number, options: { syncIntervalMs?: number } = {}): AsyncGenerator<FileInfo> {
    return this.master.list(path, pageSize, options.syncIntervalMs);
  }

  /**
   * One page of path's listing in compact entries. With known (the directory
   * id and children_version of a listing the caller holds), a path that is
   * still that directory at that version answers unchanged and nothing else.
   */
  listPage(path: string, startAfter: string, limit: number, known?: { id: number; version: number }): Promise<ListStatusPage> {
    return this.master.call<ListStatusPage>('listStatus', {
      path,
      startAfter,
      limit,
      compact: true,
      ifChanged: known !== undefined,
      knownId: known?.id ?? 0,
      knownVersion: known?.version ?? 0,
    });
  }

  async mkdir(path: string, options: { recursive?: boolean; mode?: number } = {}): Promise<FileInfo> {
    return (await this.mkdirReply(path, options)).info;
  }

  /** mkdir, with the parent's children_version after it (CreateDirectoryResponse). */
  mkdirReply(path: string, options: { recursive?: boolean; mode?: number } = {}): Promise<CreateReply> {
    return this.master.call<CreateReply>('createDirectory', {
      path,
      mode: options.mode ?? 0o755,
      recursive: options.recursive ?? false,
      ...this.owner,
    });
  }

  async createFile(path: string, options: { overwrite?: boolean; mode?: number; recursive?: boolean } = {}): Promise<FileInfo> {
    return (await this.createFileReply(path, options)).info;
  }

  /** createFile, with the parent's children_version after it (CreateFileResponse). */
  createFileReply(path: string, options: { overwrite?: boolean; mode?: number; recursive?: boolean } = {}): Promise<CreateReply> {
    return this.master.call<CreateReply>('createFile', {
      path,
      mode: options.mode ?? 0o644,
      overwrite: options.overwrite ?? false,
      recursive: options.recursive ?? false,
      ...this.owner,
    });
  }

  async completeFile(info: FileInfo, size: number, fingerprint: string, mtimeMs: number): Promise<FileInfo> {
    const reply = await this.master.call<{ info: FileInfo }>('completeFile', { path: info.path, id: info.id, size, fingerprint, mtimeMs });
    return reply.info;
  }

  /** Creates (or replaces) a file with the given content: CreateFile, write data, CompleteFile. */
  async writeFile(path: string, data: Buffer | Readable, options: { overwrite?: boolean; mode?: number } = {}): Promise<FileInfo> {
    await this.checkStoreAt(path);
    const info = await this.createFile(path, options);
    const { store, relPath } = await this.storeFor(info);
    const status = await store.writeFile(relPath, data, info.mode, { uid: info.uid, gid: info.gid });
    return this.completeFile(info, status.size, status.fingerprint, status.mtimeMs);
  }

  /** Uploads a local file, as `strata fs put` does. */
  async putFile(localFile: string, path: string, options: { overwrite?: boolean; mode?: number } = {}): Promise<FileInfo> {
    await this.checkStoreAt(path);
    const info = await this.createFile(path, options);
    const { store, relPath } = await this.storeFor(info);
    const status = await store.putFile(relPath, localFile, info.mode, { uid: info.uid, gid: info.gid });
    return this.completeFile(info, status.size, status.fingerprint, status.mtimeMs);
  }

  /** The content of a file as a stream, read from its under store. */
  async openRead(path: string): Promise<Readable> {
    const info = await this.stat(path);
    if (info.type === 'DIRECTORY') throw new StrataError(ErrorCode.IS_DIRECTORY, `${path}: Is a directory`);
    if (info.type !== 'FILE') throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: not a regular file`);
    if (!info.complete) throw new StrataError(ErrorCode.INVALID_ARGUMENT, `${path}: no data yet: the file is still being written`);
    const { store, relPath } = await this.storeFor(info);
    return store.openReadStream(relPath);
  }

  async delete(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    await this.master.call('delete', { path, recursive: options.recursive ?? false });
  }

  async rename(src: string, dst: string): Promise<void> {
    await this.master.call('rename', { src, dst });
  }

  async setAttribute(path: string, attrs: { mode?: number; uid?: number; gid?: number; mtimeMs?: number; atimeMs?: number; size?: number }): Promise<FileInfo> {
    return (await this.master.call<{ info: FileInfo }>('setAttribute', { path, ...attrs })).info;
  }

  async symlink(path: string, target: string): Promise<FileInfo> {
    return (await this.symlinkReply(path, target)).info;
  }

  /** symlink, with the parent's children_version after it (CreateSymlinkResponse). */
  symlinkReply(path: string, target: string): Promise<CreateReply> {
    return this.master.call<CreateReply>('createSymlink', { path, target, ...this.owner });
  }

  /** setxattr(2); flags 1 = XATTR_CREATE, 2 = XATTR_REPLACE. */
  async setXattr(path: string, name: string, value: Buffer, flags = 0): Promise<void> {
    await this.master.call('setXattr', { path, name, value, flags });
  }

  async getXattr(path: string, name: string): Promise<Buffer> {
    return (await this.master.call<{ value: Buffer }>('getXattr', { path, name })).value;
  }

  async listXattr(path: string): Promise<string[]> {
    return (await this.master.call<{ names: string[] }>('listXattr', { path })).names;
  }

  async removeXattr(path: string, name: string): Promise<void> {
    await this.master.call('removeXattr', { path, name });
  }

  async mounts(): Promise<MountInfo[]> {
    return (await this.master.call<{ mounts: MountInfo[] }>('getMountTable', {})).mounts;
  }

  /** Attaches an under store at path (which must not exist yet); returns the entry, secrets redacted. */
  async mount(path: string, ufsUri: string, options: { readOnly?: boolean; options?: Record<string, string> } = {}): Promise<MountInfo> {
    this.mountTable = null;
    const reply = await this.master.call<{ mount: MountInfo }>('mount', {
      path,
      ufsUri,
      readOnly: options.readOnly ?? false,
      options: options.options ?? {},
    });
    this.mountTable = null;
    return reply.mount;
  }

  /** Detaches the mount at path; the under store keeps its data. */
  async unmount(path: string): Promise<void> {
    this.mountTable = null;
    await this.master.call('unmount', { path });
    this.mountTable = null;
  }

  /**
   * Reloads path's metadata from its under store now (with recursive, every
   * loaded directory below). With a progressId (unique, e.g. a random UUID),
   * syncProgress(progressId) tells how far it got while it runs.
   */
  async sync(path: string, options: { recursive?: boolean; progressId?: string } = {}): Promise<SyncResponse> {
    return this.master.call<SyncResponse>('sync', { path, recursive: options.recursive ?? false, progressId: options.progressId ?? '' });
  }

  /** How far the sync started with progressId has got; running is false before it starts and after it ends. */
  async syncProgress(progressId: string): Promise<SyncProgressResponse> {
    return this.master.call<SyncProgressResponse>('syncProgress', { progressId });
  }

  /** Every entry below path (not path itself), depth first. */
  async *walk(path: string, options: { syncIntervalMs?: number } = {}): AsyncGenerator<FileInfo> {
    for await (const entry of this.list(path, undefined, options)) {
      yield entry;
      if (entry.type === 'DIRECTORY') yield* this.walk(entry.path, options);
    }
  }

  /**
   * The under store that holds a file, opened with its mount's options: the
   * mount whose URI is the longest prefix of the file's URI (mounts nest, and
   * no store location is mounted twice, so it is the one). The mount table is
   * cached, and fetched again when it cannot be the current one (a mount made
   * or removed since: no mount holds the URI, or not at a path above the file).
   */
  async storeFor(info: FileInfo): Promise<{ store: UnderStore; relPath: string }> {
    let mount = this.mountTable === null ? null : mountHolding(this.mountTable, info);
    if (mount === null) {
      this.mountTable = await this.mounts();
      mount = mountHolding(this.mountTable, info);
    }
    if (mount === null) throw new StrataError(ErrorCode.INTERNAL, `${info.path}: no mount holds ${info.ufsUri}`);
    const relPath = info.ufsUri.slice(mount.ufsUri.length).replace(/^\/+/, '');
    return { store: await this.openStore(mount), relPath };
  }

  /** The store of a mount, opened once (with the credentials storeOptions finds). */
  private openStore(mount: MountInfo): Promise<UnderStore> {
    const key = `${mount.mountId} ${mount.ufsUri}`;
    let store = this.stores.get(key);
    if (store === undefined) {
      parseUfsUri(mount.ufsUri);
      store = this.storeOptions(mount).then((options) => openUnderStore(mount.ufsUri, { readOnly: mount.readOnly, options }));
      store.catch(() => this.stores.delete(key));
      this.stores.set(key, store);
    }
    return store;
  }

  /**
   * Opens the store of the mount that holds path (the deepest mount point at
   * or above it), so that a client that cannot reach it (a refused cluster
   * token, credentials the store refuses) fails before it creates anything.
   */
  private async checkStoreAt(path: string): Promise<void> {
    const table = this.mountTable ?? (this.mountTable = await this.mounts());
    let best: MountInfo | null = null;
    for (const m of table) {
      const holds = m.path === '/' || path === m.path || path.startsWith(m.path + '/');
      if (holds && (best === null || m.path.length > best.path.length)) best = m;
    }
    if (best !== null) await this.openStore(best);
  }

  /**
   * The options to open a mount's store with. The mount table has secrets
   * redacted; with a cluster token the master hands them over (a refusal is
   * an error, not a silent fallback), without one they stay redacted and the
   * store uses this machine's credentials: the mount's `profile` option (a
   * profile of ~/.aws/credentials here), else the SDK's default chain
   * (AWS_ACCESS_KEY_ID…, AWS_PROFILE, an instance role).
   */
  private async storeOptions(mount: MountInfo): Promise<Record<string, string>> {
    const redacted = Object.values(mount.options).some((v) => /^\*+$/.test(v));
    if (!redacted || this.clusterToken === null) return mount.options;
    try {
      const reply = await this.master.call<{ options: Record<string, string> }>('getMountCredentials', { mountId: mount.mountId, clusterToken: this.clusterToken });
      return reply.options;
    } catch (err) {
      if (err instanceof StrataError && err.code === ErrorCode.PERMISSION_DENIED) {
        throw new StrataError(ErrorCode.PERMISSION_DENIED, `${mount.path}: the masters refused this client the store's credentials: ${err.message}`);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    this.master.close();
    for (const store of this.stores.values()) {
      try {
        await (await store).close();
      } catch {
        // nothing to close
      }
    }
    this.stores.clear();
  }
}

/** The mount of the table that holds the file: the longest URI prefix, at a path above the file. */
function mountHolding(table: readonly MountInfo[], info: FileInfo): MountInfo | null {
  let best: MountInfo | null = null;
  for (const m of table) {
    const base = m.ufsUri.endsWith('/') ? m.ufsUri : m.ufsUri + '/';
    if (!(info.ufsUri === m.ufsUri || info.ufsUri.startsWith(base))) continue;
    if (best === null || m.ufsUri.length > best.ufsUri.length) best = m;
  }
  if (best === null) return null;
  const above = best.path === '/' || info.path === best.path || info.path.startsWith(best.path + '/');
  return above ? best : null;
}
