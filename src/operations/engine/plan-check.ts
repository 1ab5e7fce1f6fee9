import { stepOf, type OperationDefinition } from "./definition.js";
import type { PlannedPhase } from "./records.js";

/** Every phase and step a plan names must exist in the definition, else the run would fail midway. */
export function planProblems(def: OperationDefinition, planned: readonly PlannedPhase[]): string[] {
  const problems: string[] = [];
  for (const p of planned) {
    const phase = def.phases.find((d) => d.id === p.id);
    if (!phase) {
      problems.push(`${def.kind}: the plan names phase "${p.id}", which the definition does not have`);
      continue;
    }
    const missing = new Set(p.items.flatMap((i) => i.steps).filter((s) => !stepOf(phase, s)));
    for (const s of missing)
      problems.push(
        `${def.kind}: the plan names step "${s}" in phase "${p.id}", which the definition does not have`,
      );
  }
  return problems;
}
