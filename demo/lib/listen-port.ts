// The channel view's port: the one asked for when it is free, else any free one.
import { createServer } from "node:net";

export function portIsFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** 0 means "any". Returns the port to listen on (0 when the wanted one is taken). */
export async function choosePort(wanted: number): Promise<number> {
  if (wanted === 0) return 0;
  return (await portIsFree(wanted)) ? wanted : 0;
}
