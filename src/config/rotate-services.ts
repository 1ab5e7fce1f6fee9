/**
 * The services `rke2 certificate rotate --service` accepts (rke2-reference.md §3; anything else is
 * "service X is not recognized"), which Rancher passes on from rotateCertificates.services.
 */
export const ROTATE_SERVICES = [
  "admin",
  "api-server",
  "auth-proxy",
  "cloud-controller",
  "controller-manager",
  "etcd",
  "kube-proxy",
  "kubelet",
  "rke2-controller",
  "rke2-server",
  "scheduler",
  "supervisor",
] as const;

export type RotateService = (typeof ROTATE_SERVICES)[number];
