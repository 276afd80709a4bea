// A sequential model of the master's namespace for the linearizability
// checker: mkdir, create, delete, rename, stat and list on a small set of
// paths, answering what FileSystemMaster answers (src/master/file-system-
// master.ts), error codes included. The checker memoizes on key(), so tests
// keep the path universe small and states stay a handful of entries.
//
// What the master answers, and so the model:
//   any op     a path parsePath refuses                 -> its code (INVALID_ARGUMENT, NAME_TOO_LONG)
//   resolving  a missing component                      -> NOT_FOUND
//              a component below a file                 -> NOT_DIRECTORY
//   mkdir      the root, or the name exists (any kind)  -> EXISTS
//   create     the root, or the name exists (any kind)  -> EXISTS   (createFile, overwrite false)
//   delete     the root                                 -> NOT_PERMITTED
//              a directory with entries                 -> NOT_EMPTY (non-recursive)
//   rename     src or dst is the root                   -> NOT_PERMITTED
//              dst inside src                           -> INVALID_ARGUMENT (before anything is looked up)
//              src missing; then dst's parent missing    -> NOT_FOUND (or NOT_DIRECTORY, as resolving)
//              src === dst (and src exists)             -> ok, nothing changes
//              dir over a file                          -> NOT_DIRECTORY
//              dir over a directory with entries        -> NOT_EMPTY
//              file over a directory                    -> IS_DIRECTORY
//              file over file, dir over empty dir       -> ok, dst replaced
//   stat       -> kind
//   list       a directory -> its entries' names; a file -> [its own name] (listStatus answers the file itself)
//
// Codes are those of src/common/errors.ts.

import { ErrorCode, StrataError } from '../../src/common/errors';
import { isPrefix, joinPath, parsePath } from '../../src/common/paths';
import type { Model } from './linearizability';

export type EntryKind = 'file' | 'dir';

export type NamespaceInput =
  | { op: 'mkdir'; path: string }
  | { op: 'create'; path: string }
  | { op: 'delete'; path: string }
  | { op: 'rename'; src: string; dst: string }
  | { op: 'stat'; path: string }
  | { op: 'list'; path: string };

/**
 * What a client saw. Fields of an ok output that are present are checked
 * (kind; names in any order), absent ones are not.
 */
export type NamespaceOutput = { ok: true; kind?: EntryKind; names?: string[] } | { ok: false; code: string };

type Entries = ReadonlyMap<string, EntryKind>;

/**
 * A namespace: canonical path ("/a/b") -> kind of every entry but the root,
 * which always exists. Immutable. The states grown from one initial state
 * share a table, so equal namespaces are one object and each transition is
 * computed once: the checker asks the same few questions of the same few
 * states many times over.
 */
export class NamespaceState {
  /** The canonical form: "d/a f/a/x", sorted by path. */
  readonly key: string;
  private readonly transitions = new Map<string, Outcome>();

  private constructor(
    readonly entries: Entries,
    private readonly table: Map<string, NamespaceState>,
  ) {
    this.key = [...entries]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([path, kind]) => (kind === 'dir' ? 'd' : 'f') + path)
      .join(' ');
  }

  /** A namespace with these entries (their parents must be among them, as directories). */
  static of(entries: Iterable<[string, EntryKind]> = []): NamespaceState {
    const map = new Map<string, EntryKind>();
    for (const [path, kind] of entries) {
      const names = parsePath(path);
      if (names.length === 0 || joinPath(names) !== path) throw new Error(`namespace model: ${path} is not a canonical path below the root`);
      map.set(path, kind);
    }
    for (const path of map.keys()) {
      const parent = path.slice(0, path.lastIndexOf('/'));
      if (parent !== '' && map.get(parent) !== 'dir') throw new Error(`namespace model: the parent of ${path} is not a directory`);
    }
    const table = new Map<string, NamespaceState>();
    const state = new NamespaceState(map, table);
    table.set(state.key, state);
    return state;
  }

  /** The state after input and what the master answers. */
  apply(input: NamespaceInput): Outcome {
    const signature = input.op === 'rename' ? `rename\u0000${input.src}\u0000${input.dst}` : `${input.op}\u0000${input.path}`;
    let outcome = this.transitions.get(signature);
    if (outcome === undefined) {
      outcome = this.compute(input);
      this.transitions.set(signature, outcome);
    }
    return outcome;
  }

  private compute(input: NamespaceInput): Outcome {
    try {
      const { entries, output } = applyOrThrow(this.entries, input);
      return { state: entries === this.entries ? this : this.intern(entries), output };
    } catch (err) {
      if (err instanceof Refused) return { state: this, output: { ok: false, code: err.code } };
      throw err;
    }
  }

  private intern(entries: Entries): NamespaceState {
    const next = new NamespaceState(entries, this.table);
    const known = this.table.get(next.key);
    if (known !== undefined) return known;
    this.table.set(next.key, next);
    return next;
  }
}

class Refused {
  constructor(readonly code: ErrorCode) {}
}

function parse(path: string): string[] {
  try {
    return parsePath(path);
  } catch (err) {
    if (err instanceof StrataError) throw new Refused(err.code);
    throw err;
  }
}

/**
 * How far names resolve, as the master's lockPath does: the number of
 * components found and the kind of the deepest one found (the root is a dir).
 */
function resolve(state: Entries, names: string[]): { found: number; deepest: EntryKind } {
  let deepest: EntryKind = 'dir';
  let found = 0;
  while (found < names.length && deepest === 'dir') {
    const kind = state.get(joinPath(names.slice(0, found + 1)));
    if (kind === undefined) break;
    deepest = kind;
    found++;
  }
  return { found, deepest };
}

/** The kind of an existing path, else the error FileSystemMaster.existing throws. */
function existing(state: Entries, names: string[]): EntryKind {
  const { found, deepest } = resolve(state, names);
  if (found === names.length) return deepest;
  throw new Refused(deepest === 'file' ? ErrorCode.NOT_DIRECTORY : ErrorCode.NOT_FOUND);
}

/** Refuses as FileSystemMaster.parentDir does when the parent of names is not an existing directory. */
function checkParentDir(state: Entries, names: string[]): void {
  const { found, deepest } = resolve(state, names);
  if (found >= names.length - 1 && !(found === names.length - 1 && deepest === 'file')) return;
  throw new Refused(deepest === 'file' ? ErrorCode.NOT_DIRECTORY : ErrorCode.NOT_FOUND);
}

function childNames(state: Entries, dir: string): string[] {
  const prefix = dir === '/' ? '/' : dir + '/';
  const names: string[] = [];
  for (const path of state.keys()) {
    if (path.startsWith(prefix) && !path.includes('/', prefix.length)) names.push(path.slice(prefix.length));
  }
  return names.sort();
}

function hasChildren(state: Entries, dir: string): boolean {
  for (const path of state.keys()) if (path.startsWith(dir + '/')) return true;
  return false;
}

export interface Outcome {
  state: NamespaceState;
  output: NamespaceOutput;
}

/** Runs input on state; a refusal is thrown as Refused. */
function applyOrThrow(state: Entries, input: NamespaceInput): { entries: Entries; output: NamespaceOutput } {
  const ok = (next: Entries, extra: { kind?: EntryKind; names?: string[] } = {}) => ({
    entries: next,
    output: { ok: true, ...extra } as const,
  });
  switch (input.op) {
    case 'stat': {
      const names = parse(input.path);
      return ok(state, { kind: existing(state, names) });
    }
    case 'list': {
      const names = parse(input.path);
      const kind = existing(state, names);
      return ok(state, { kind, names: kind === 'dir' ? childNames(state, joinPath(names)) : [names[names.length - 1]] });
    }
    case 'mkdir':
    case 'create': {
      const names = parse(input.path);
      if (names.length === 0) throw new Refused(ErrorCode.EXISTS);
      checkParentDir(state, names);
      const path = joinPath(names);
      if (state.has(path)) throw new Refused(ErrorCode.EXISTS);
      const kind: EntryKind = input.op === 'mkdir' ? 'dir' : 'file';
      return ok(new Map(state).set(path, kind), { kind });
    }
    case 'delete': {
      const names = parse(input.path);
      if (names.length === 0) throw new Refused(ErrorCode.NOT_PERMITTED);
      const kind = existing(state, names);
      const path = joinPath(names);
      if (kind === 'dir' && hasChildren(state, path)) throw new Refused(ErrorCode.NOT_EMPTY);
      const next = new Map(state);
      next.delete(path);
      return ok(next);
    }
    case 'rename': {
      const src = parse(input.src);
      const dst = parse(input.dst);
      if (src.length === 0 || dst.length === 0) throw new Refused(ErrorCode.NOT_PERMITTED);
      if (src.length < dst.length && isPrefix(src, dst)) throw new Refused(ErrorCode.INVALID_ARGUMENT);
      const moving = existing(state, src);
      checkParentDir(state, dst);
      const srcPath = joinPath(src);
      const dstPath = joinPath(dst);
      if (srcPath === dstPath) return ok(state);
      const replaced = state.get(dstPath);
      if (replaced !== undefined) {
        if (moving === 'dir') {
          if (replaced !== 'dir') throw new Refused(ErrorCode.NOT_DIRECTORY);
          if (hasChildren(state, dstPath)) throw new Refused(ErrorCode.NOT_EMPTY);
        } else if (replaced === 'dir') {
          throw new Refused(ErrorCode.IS_DIRECTORY);
        }
      }
      const next = new Map<string, EntryKind>();
      for (const [path, kind] of state) {
        if (path === dstPath) continue; // replaced: a file or an empty directory
        if (path === srcPath || path.startsWith(srcPath + '/')) next.set(dstPath + path.slice(srcPath.length), kind);
        else next.set(path, kind);
      }
      return ok(next);
    }
  }
}

/** Runs one op on a state: the state after it and what the master would answer. */
export function applyNamespaceOp(state: NamespaceState, input: NamespaceInput): Outcome {
  return state.apply(input);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((name, i) => name === y[i]);
}

/** Whether what a client saw agrees with what the model answers. */
function agrees(expected: NamespaceOutput, seen: NamespaceOutput): boolean {
  if (!expected.ok || !seen.ok) return !expected.ok && !seen.ok && expected.code === seen.code;
  if (seen.kind !== undefined && seen.kind !== expected.kind) return false;
  if (seen.names !== undefined && (expected.names === undefined || !sameNames(expected.names, seen.names))) return false;
  return true;
}

function describeOutput(output: NamespaceOutput | undefined): string {
  if (output === undefined) return '?';
  if (!output.ok) return output.code;
  if (output.names !== undefined) return `[${output.names.join(', ')}]`;
  return output.kind ?? 'ok';
}

/** The model from a given namespace (entries whose parents are among them, as directories). */
export function namespaceModelFrom(initial: Iterable<[string, EntryKind]>): Model<NamespaceState, NamespaceInput, NamespaceOutput> {
  const entries = [...initial];
  return {
    init: () => NamespaceState.of(entries),
    step(state, input, output) {
      const outcome = state.apply(input);
      if (output !== undefined && !agrees(outcome.output, output)) return { ok: false, state };
      return { ok: true, state: outcome.state };
    },
    key: (state) => state.key,
    // A refused op changes nothing, and is only accepted where it is refused.
    readOnly: (input, output) => !output.ok || input.op === 'stat' || input.op === 'list',
    describe(input, output) {
      const args = input.op === 'rename' ? `${input.src} ${input.dst}` : input.path;
      return `${input.op} ${args} -> ${describeOutput(output)}`;
    },
  };
}

/** The model from an empty namespace. */
export const namespaceModel = namespaceModelFrom([]);
