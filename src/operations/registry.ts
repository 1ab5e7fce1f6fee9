import type { ArgSchema, CommandSpec, OperationDefinition } from "./engine/definition.js";
import type { OperationKind } from "./operations-api.js";
import { rancherRotationDefinition } from "./rancher-rotation/rancher-rotation-definition.js";
import { renewDefinition } from "./renew/renew-definition.js";
import { rotationDefinition } from "./rotation/rotation-definition.js";
import { sucUpgradeDefinition } from "./suc-upgrade/suc-definition.js";
import { upgradeDefinition } from "./upgrade/upgrade-definition.js";

/** The built-in operations. Adding one = its folder plus one line here. */
export const builtInDefinitions: readonly OperationDefinition[] = [
  rotationDefinition,
  upgradeDefinition,
  renewDefinition,
  rancherRotationDefinition,
  sucUpgradeDefinition,
];

/** One `/rke2` subcommand that requests an operation: its spec and every argument form it accepts. */
export interface OperationCommand {
  kind: OperationKind;
  spec: CommandSpec;
  /** The base definition's schema first, then each variant's. */
  argForms: ArgSchema[];
}

/** A registry that cannot work (duplicate kind, id prefix, subcommand, step; dangling variant). */
export class RegistryError extends Error {
  override name = "RegistryError";
}

declare const checked: unique symbol;
/** The map checkRegistry returns: only it can make one, so the core cannot be handed an unchecked registry. */
export type CheckedRegistry = ReadonlyMap<OperationKind, OperationDefinition> & { readonly [checked]: true };

/** Check the definitions once at startup; the map the engine and the service look kinds up in. */
export function checkRegistry(definitions: readonly OperationDefinition[]): CheckedRegistry {
  const byKind = new Map<OperationKind, OperationDefinition>();
  const unique = (seen: Set<string>, value: string, what: string) => {
    if (seen.has(value)) throw new RegistryError(`operation registry: duplicate ${what}`);
    seen.add(value);
  };
  const prefixes = new Set<string>();
  const names = new Set<string>();
  for (const d of definitions) {
    if (byKind.has(d.kind)) throw new RegistryError(`operation registry: duplicate kind "${d.kind}"`);
    byKind.set(d.kind, d);
    if (!/^[a-z][a-z0-9]{1,7}$/.test(d.idPrefix))
      throw new RegistryError(
        `operation registry: ${d.kind}: id prefix "${d.idPrefix}" is not 2-8 lowercase letters/digits`,
      );
    unique(prefixes, d.idPrefix, `id prefix "${d.idPrefix}" (${d.kind})`);
    if (d.variantOf && d.command)
      throw new RegistryError(
        `operation registry: ${d.kind} is a variant of ${d.variantOf.kind}: it runs under that subcommand and may not declare its own`,
      );
    if (!d.variantOf && !d.command)
      throw new RegistryError(`operation registry: ${d.kind} has no command (name, usage, summary)`);
    if (d.command) unique(names, d.command.name, `subcommand "${d.command.name}" (${d.kind})`);
    checkSteps(d);
  }
  for (const d of definitions)
    if (d.variantOf && byKind.get(d.variantOf.kind)?.command === undefined)
      throw new RegistryError(
        `operation registry: ${d.kind} is a variant of "${d.variantOf.kind}", which is no registered command`,
      );
  return byKind as ReadonlyMap<OperationKind, OperationDefinition> as CheckedRegistry;
}

function checkSteps(d: OperationDefinition): void {
  const phases = new Set<string>();
  for (const p of d.phases) {
    if (phases.has(p.id)) throw new RegistryError(`operation registry: ${d.kind}: duplicate phase "${p.id}"`);
    phases.add(p.id);
    const ids = new Set<string>();
    for (const s of p.steps) {
      if (ids.has(s.id))
        throw new RegistryError(`operation registry: ${d.kind}: duplicate step "${s.id}" in phase "${p.id}"`);
      ids.add(s.id);
    }
    for (const s of p.steps)
      if (s.retryFrom !== undefined && !ids.has(s.retryFrom))
        throw new RegistryError(
          `operation registry: ${d.kind}: step "${s.id}" retries from unknown step "${s.retryFrom}"`,
        );
  }
}

/** The subcommands that request operations, in registry order, each with its variants' argument forms. */
export function operationCommands(definitions: readonly OperationDefinition[]): OperationCommand[] {
  checkRegistry(definitions);
  return definitions.flatMap((d) =>
    d.command
      ? [
          {
            kind: d.kind,
            spec: d.command,
            argForms: [d.args, ...definitions.filter((v) => v.variantOf?.kind === d.kind).map((v) => v.args)],
          },
        ]
      : [],
  );
}

/** The built-in subcommands, checked once when first asked for. */
let builtIn: OperationCommand[] | undefined;
export const builtInCommands = (): OperationCommand[] => (builtIn ??= operationCommands(builtInDefinitions));
