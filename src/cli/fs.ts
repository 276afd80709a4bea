import { Command } from 'commander';
export function fsCommand(): Command {
  return new Command('fs');
}
