/**
 * Every CLI command, each a function that adds itself to the program. Command modules keep
 * their heavy imports inside the action, so `--help` stays fast.
 */
import type { Command } from 'commander';
import { cprCommand } from './cpr.js';
import { datasetCommand } from './dataset.js';
import { demoCommand } from './demo.js';
import { deployCommand } from './deploy.js';
import { modelCommand } from './model.js';
import { optimizeCommand } from './optimize.js';
import { packageCommand } from './package.js';
import { pingCommand } from './ping.js';
import { planCommand } from './plan.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { resultsCommand } from './results.js';
import { runJobCommand } from './run.js';
import { serveFunctionCommand } from './serve-function.js';
import { simulateCommand } from './simulate.js';
import { traceCommand } from './trace.js';
import { undeployCommand } from './undeploy.js';

export type CommandDefinition = (program: Command) => void;

export const commandDefinitions: CommandDefinition[] = [
  modelCommand,
  datasetCommand,
  planCommand,
  cprCommand,
  optimizeCommand,
  traceCommand,
  simulateCommand,
  replayCommand,
  runJobCommand,
  reportCommand,
  resultsCommand,
  demoCommand,
  serveFunctionCommand,
  packageCommand,
  deployCommand,
  pingCommand,
  undeployCommand,
];
