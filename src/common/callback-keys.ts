// What a master callback covers, named the same way on both ends
// (master/callbacks.ts, fuse/metadata-cache.ts): `i<id>` is an inode's
// record (its attributes; a directory's also change with its set of names),
// `e<parent>/<name>` one name in a directory (which inode it leads to, or
// none). A cached path holds the names on its way and its own inode, not its
// ancestors' attributes: a create in a directory does not drop what is
// cached below it.

export function inodeKey(id: number): string {
  return `i${id}`;
}

export function edgeKey(parent: number, name: string): string {
  return `e${parent}/${name}`;
}

/** The keys of a resolved path: names[k] looked up in ids[k], then the inode ids[names.length]. */
export function pathKeys(names: readonly string[], ids: readonly number[]): string[] {
  const keys: string[] = [];
  for (let k = 0; k < names.length; k++) keys.push(edgeKey(ids[k], names[k]));
  keys.push(inodeKey(ids[names.length]));
  return keys;
}
