import { sh, type RemoteCommand } from "../ssh/shell-quote.js";
import { ADMIN_KUBECONFIG, KUBECTL } from "./paths.js";

/** Remote command builders. Values are validated by their callers and always quoted here. */
export type Service = "rke2-server" | "rke2-agent";

export const systemctl = (verb: "start" | "stop" | "restart" | "is-active", svc: Service): RemoteCommand =>
  sh`systemctl ${verb} ${svc}`;

export const certificateCheckTable = (): RemoteCommand => sh`rke2 certificate check --output table`;
export const certificateRotate = (): RemoteCommand => sh`rke2 certificate rotate`;
export const rke2Version = (): RemoteCommand => sh`rke2 --version`;
export const etcdSnapshotSave = (name: string): RemoteCommand => sh`rke2 etcd-snapshot save --name ${name}`;

/** kubectl against the server's local API with the admin kubeconfig (servers only). */
export const kubectl = (...args: string[]): RemoteCommand =>
  sh`${KUBECTL} --kubeconfig ${ADMIN_KUBECONFIG} ${args}`;
