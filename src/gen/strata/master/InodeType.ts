// Original file: proto/master.proto

export const InodeType = {
  INODE_TYPE_UNSPECIFIED: 'INODE_TYPE_UNSPECIFIED',
  DIRECTORY: 'DIRECTORY',
  FILE: 'FILE',
  SYMLINK: 'SYMLINK',
} as const;

export type InodeType =
  | 'INODE_TYPE_UNSPECIFIED'
  | 0
  | 'DIRECTORY'
  | 1
  | 'FILE'
  | 2
  | 'SYMLINK'
  | 3

export type InodeType__Output = typeof InodeType[keyof typeof InodeType]
