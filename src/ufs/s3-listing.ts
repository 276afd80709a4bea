// Turns an S3 listing (ListObjectsV2 with Delimiter '/', pages in key order)
// into directory entries in name order, the order every UnderStore lists in.
//
// The two orders differ: a directory 'a' is the common prefix 'a/', and '/'
// (0x2f) sorts after ' ', '-', '.' and the other bytes below it, so S3 lists
// the objects 'a b', 'a-1', 'a.txt' before the prefix 'a/' while the name 'a'
// sorts before all of them. NameOrder holds back an entry whose name could
// still be preceded by such a directory (one whose name is a prefix of it
// followed by a byte below '/') until the listing has passed where that
// directory's prefix would be. Memory: what lies between 'a' and 'a/' in key
// order, held at once (normally a handful; a directory with a hundred thousand
// names 'a-…' and a subdirectory 'a' holds those names until 'a/').
//
// Neither the split of entries into pages nor how a server counts common
// prefixes against MaxKeys matters here: entries are taken one by one, and a
// name seen again (a prefix repeated on the next page) or an object and a
// prefix of the same name (a file 'a' and objects 'a/…') yield one entry,
// the file (as stat does).

import { compareUtf8 } from './local';

export interface Keyed<T> {
  /** The key relative to the listed prefix: a name, or a name + '/' for a directory. */
  key: string;
  name: string;
  isDir: boolean;
  value: T;
}

/** The key of the shortest directory that would sort before name but after it in key order. */
function blockingKey(name: string): string | null {
  for (let i = 1; i < name.length; i++) {
    // Chars below '/' are ASCII: one UTF-16 unit, never half a surrogate pair.
    if (name.charCodeAt(i) < 0x2f) return name.slice(0, i) + '/';
  }
  return null;
}

export class NameOrder<T> {
  /** Entries not yet safe to emit, sorted by name. */
  private readonly held: Array<Keyed<T> & { until: string | null }> = [];
  private lastEmitted: string | null = null;
  private position = '';

  /** Takes the next entry in key order; returns the entries now safe to emit, in name order. */
  push(entry: Keyed<T>): T[] {
    if (compareUtf8(entry.key, this.position) > 0) this.position = entry.key;
    this.insert(entry);
    return this.flush(false);
  }

  /** The listing is complete: everything held, in name order. */
  end(): T[] {
    return this.flush(true);
  }

  private insert(entry: Keyed<T>): void {
    if (this.lastEmitted !== null && compareUtf8(entry.name, this.lastEmitted) <= 0) return; // seen already
    let lo = 0;
    let hi = this.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareUtf8(this.held[mid].name, entry.name) < 0) lo = mid + 1;
      else hi = mid;
    }
    const same = this.held[lo];
    if (same !== undefined && same.name === entry.name) {
      if (same.isDir && !entry.isDir) this.held[lo] = { ...entry, until: same.until }; // the file wins
      return;
    }
    this.held.splice(lo, 0, { ...entry, until: blockingKey(entry.name) });
  }

  private flush(all: boolean): T[] {
    let n = 0;
    while (n < this.held.length) {
      const until = this.held[n].until;
      if (!all && until !== null && compareUtf8(until, this.position) > 0) break;
      n++;
    }
    if (n === 0) return [];
    const out = this.held.splice(0, n);
    this.lastEmitted = out[out.length - 1].name;
    return out.map((e) => e.value);
  }
}
