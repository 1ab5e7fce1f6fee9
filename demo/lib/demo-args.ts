// `npm run demo -- [--port N] [--log-level debug|info|warn|error]`.
export const DEFAULT_VIEW_PORT = 8377;

export const USAGE = [
  "usage: npm run demo -- [--port N] [--log-level LEVEL]",
  `  --port N           channel view port (default ${DEFAULT_VIEW_PORT}, or DEMO_PORT; 0 = any free port)`,
  "  --log-level LEVEL  the bot's LOG_LEVEL: debug, info (default), warn, error",
].join("\n");

export type DemoArgs = { port: number; logLevel: string } | { help: true } | { error: string };

export function parseDemoArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DemoArgs {
  let port = env.DEMO_PORT ? Number(env.DEMO_PORT) : DEFAULT_VIEW_PORT;
  let logLevel = "info";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a];
    const value = () => inline ?? argv[++i];
    if (flag === "-h" || flag === "--help") return { help: true };
    else if (flag === "--port") port = Number(value());
    else if (flag === "--log-level") logLevel = value() ?? "";
    else return { error: `unknown argument: ${a}` };
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { error: "--port: expected 0-65535" };
  if (!["debug", "info", "warn", "error"].includes(logLevel))
    return { error: "--log-level: expected debug, info, warn or error" };
  return { port, logLevel };
}
