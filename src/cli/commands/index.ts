/**
 * Every CLI command, each a function that adds itself to the program. Command modules keep
 * their heavy imports inside the action, so `--help` stays fast.
 */
import type { Command } from 'commander';
import { datasetCommand } from './dataset.js';
import { modelCommand } from './model.js';

export type CommandDefinition = (program: Command) => void;

export const commandDefinitions: CommandDefinition[] = [modelCommand, datasetCommand];
