import type { Command } from 'commander';
// placeholder while the import module is written (replaced in the same session)
export function registerImportExportCommands(_program: Command) {}
