// The ceiling of `strata bench fuse`: an in-memory file system on the same
// fuse-native binding, as small as it can be and still run the workload.
// Whatever strata does on top of the binding costs time this does not spend.
// Run as a process: argv MOUNTPOINT [OPTIONS] (a -o list, e.g. the kernel
// cache timeouts, the same as the strata mount it is compared with); mounted
// with default_permissions and big_writes as strata is; says {ready} over
// IPC; SIGTERM unmounts.

import Fuse from 'fuse-native';
import { constants } from 'node:os';

interface Node {
  dir: boolean;
  mode: number;
  data: Buffer;
  size: number;
  mtime: number;
}

const E = constants.errno;

export function memfsOperations(): Fuse.Operations {
  const nodes = new Map<string, Node>([['/', { dir: true, mode: 0o755, data: Buffer.alloc(0), size: 0, mtime: Date.now() }]]);
  const stat = (n: Node): Fuse.Stat => ({ mode: (n.dir ? 0o040000 : 0o100000) | n.mode, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, size: n.size, nlink: 1, mtime: n.mtime, atime: n.mtime, ctime: n.mtime, blksize: 131072, blocks: Math.ceil(n.size / 512) });
  const file = (n: Node, size: number) => {
    if (size > n.data.length) {
      const grown = Buffer.alloc(Math.max(size, n.data.length * 2));
      n.data.copy(grown, 0, 0, n.size);
      n.data = grown;
    } else if (size < n.size) n.data.fill(0, size, n.size);
    n.size = size;
  };
  const add = (p: string, dir: boolean, mode: number) => nodes.set(p, { dir, mode: mode & 0o7777, data: Buffer.alloc(0), size: 0, mtime: Date.now() });
  return {
    getattr: (p, cb) => { const n = nodes.get(p); return n ? cb(0, stat(n)) : cb(-E.ENOENT); },
    readdir: (p, cb) => {
      const prefix = p === '/' ? '/' : p + '/';
      const names: string[] = [];
      for (const k of nodes.keys()) if (k !== p && k.startsWith(prefix) && !k.slice(prefix.length).includes('/')) names.push(k.slice(prefix.length));
      cb(0, names);
    },
    create: (p, mode, cb) => { add(p, false, mode); cb(0, 1); },
    open: (p, _flags, cb) => (nodes.has(p) ? cb(0, 1) : cb(-E.ENOENT)),
    release: (_p, _fd, cb) => cb(0),
    flush: (_p, _fd, cb) => cb(0),
    fsync: (_p, _d, _fd, cb) => cb(0),
    read: (p, _fd, buf, len, pos, cb) => { const n = nodes.get(p); if (!n) return cb(-E.ENOENT); const end = Math.min(n.size, pos + len); if (end <= pos) return cb(0); n.data.copy(buf, 0, pos, end); cb(end - pos); },
    write: (p, _fd, buf, len, pos, cb) => { const n = nodes.get(p); if (!n) return cb(-E.ENOENT); if (pos + len > n.size) file(n, pos + len); buf.copy(n.data, pos, 0, len); cb(len); },
    truncate: (p, size, cb) => { const n = nodes.get(p); if (!n) return cb(-E.ENOENT); file(n, size); cb(0); },
    ftruncate: (p, _fd, size, cb) => { const n = nodes.get(p); if (!n) return cb(-E.ENOENT); file(n, size); cb(0); },
    unlink: (p, cb) => cb(nodes.delete(p) ? 0 : -E.ENOENT),
    mkdir: (p, mode, cb) => { add(p, true, mode); cb(0); },
    rmdir: (p, cb) => cb(nodes.delete(p) ? 0 : -E.ENOENT),
    utimens: (_p, _a, _m, cb) => cb(0),
    chmod: (_p, _m, cb) => cb(0),
  };
}

if (require.main === module) {
  const mountpoint = process.argv[2];
  const extra = (process.argv[3] ?? '').split(',').filter((o) => o !== '');
  // Options ride along in fsname's value, as in the strata mount (src/fuse/mount.ts).
  const fuse = new Fuse(mountpoint, memfsOperations(), { force: true, defaultPermissions: true, fsname: ['memfs', 'big_writes', ...extra].join(',') });
  fuse.mount((err) => {
    if (err) {
      process.stderr.write(`memfs: ${err.message}\n`);
      process.exit(1);
    }
    process.send?.({ ready: true });
  });
  process.once('SIGTERM', () => fuse.unmount(() => process.exit(0)));
}
