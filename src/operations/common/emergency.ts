/**
 * op.params.emergency: a break-glass rotation of a cluster whose Kubernetes API is dark (expired
 * certificates). The health gate and the backup read it; the plan said what changes.
 */
export const isEmergency = (params: Readonly<Record<string, unknown>>): boolean => params.emergency === true;
