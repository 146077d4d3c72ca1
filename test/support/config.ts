// Test configs are plain objects in the shape of the YAML file. They reach the code either
// through the real schema and checks (resolveConfig, for services built in-process) or as YAML
// written by the `yaml` package (for the real app and CLI, which read ROUTEOPS_CONFIG).
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { resolveConfig, type Config } from '../../src/config/load.js';
import type { configFileSchema } from '../../src/config/schema.js';

/** The config file as written by a user (before defaults), e.g. `{ timezone: 'UTC', budgets: { daily: 10 } }`. */
export type ConfigObject = z.input<typeof configFileSchema>;

/** Validates and resolves a config object exactly as start-up does with a parsed file. */
export function testConfig(config: ConfigObject = {}, source = 'test config'): Config {
  return resolveConfig(config, source);
}

/** The config object as YAML text. */
export function configYaml(config: ConfigObject): string {
  return stringify(config);
}

/** Writes the config object as a YAML file at `path`; returns `path`. */
export function writeConfig(path: string, config: ConfigObject): string {
  writeFileSync(path, configYaml(config));
  return path;
}

/** A "billion laughs" file: nine levels of nine aliases each, 9^9 strings once expanded. */
export const ALIAS_BOMB_YAML = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...[...'bcdefghi'].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]!}`).join(',')}]`),
].join('\n');
