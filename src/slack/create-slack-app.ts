import { App, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import type { Server } from "node:http";
import type { Env } from "../config/env.js";
import type { BotMetrics } from "../observability/metrics.js";
import { toBoltLogger } from "./bolt-logger.js";
import { toChatError } from "./describe-slack-error.js";
import { closeServer, createHttpServer, listen, type Routes } from "./http/serve-http.js";
import type { ListenerDeps } from "./listeners/command-deps.js";
import { registerListeners } from "./listeners/register-listeners.js";
import { webClientOptions } from "./web-client-options.js";
import { startupSlackFailure } from "./startup-slack-failure.js";

export type SlackEnv = Pick<
  Env,
  "SLACK_BOT_TOKEN" | "SLACK_SIGNING_SECRET" | "SLACK_APP_TOKEN" | "SLACK_API_URL" | "PORT"
>;

export interface SlackAppDeps extends ListenerDeps {
  env: SlackEnv;
  metrics: BotMetrics;
  /** Served on PORT next to Slack's endpoint: GET /healthz, GET /metrics. */
  routes: Routes;
  fetch?: typeof fetch;
  /** Interface to bind; all interfaces when absent. */
  host?: string;
}

export interface SlackApp {
  app: App;
  mode: "http" | "socket";
  /** auth.test (a bad token fails here, clearly), then listen on PORT and, in Socket Mode, connect. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/**
 * The Bolt app. HTTP mode: Bolt's HTTPReceiver checks signatures and the 5-minute timestamp window
 * at POST /slack/events. Socket Mode (SLACK_APP_TOKEN set): Bolt's SocketModeReceiver, whose
 * apps.connections.open goes through SLACK_API_URL like every other call.
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const { env } = deps;
  const logger = toBoltLogger(deps.logger, "bolt");
  const clientOptions = webClientOptions({
    slackApiUrl: env.SLACK_API_URL,
    metrics: deps.metrics,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const socket = Boolean(env.SLACK_APP_TOKEN);
  const httpReceiver = socket
    ? undefined
    : new HTTPReceiver({ signingSecret: env.SLACK_SIGNING_SECRET ?? "", endpoints: "/slack/events", logger });
  const receiver =
    httpReceiver ??
    new SocketModeReceiver({
      appToken: env.SLACK_APP_TOKEN ?? "",
      logger: toBoltLogger(deps.logger, "socket-mode"),
      // Reconnects call apps.connections.open again: give them a patient retry policy.
      installerOptions: {
        clientOptions: { ...clientOptions, retryConfig: { retries: 30, factor: 1.5, maxTimeout: 30_000 } },
      },
    });
  const app = new App({
    token: env.SLACK_BOT_TOKEN,
    receiver,
    socketMode: socket,
    logger,
    clientOptions,
    deferInitialization: true,
    ignoreSelf: true,
    convoStore: false,
  });
  app.error(async (err) => {
    deps.logger.error({ code: (err as { code?: string }).code, err }, "unhandled error in a Slack listener");
  });
  registerListeners(app, deps);

  let server: Server | undefined;
  return {
    app,
    mode: socket ? "socket" : "http",
    async start() {
      try {
        await app.init();
      } catch (err) {
        const e = toChatError(err, "auth.test");
        throw startupSlackFailure(deps.logger, e, err);
      }
      server = createHttpServer({
        routes: deps.routes,
        logger: deps.logger,
        ...(httpReceiver ? { fallback: httpReceiver.requestListener } : {}),
      });
      const port = await listen(server, env.PORT, deps.host);
      if (socket) await app.start();
      deps.logger.info({ mode: socket ? "socket" : "http", port }, "Slack app started");
      return { port };
    },
    async stop() {
      if (socket) await app.stop().catch(() => undefined);
      if (server) await closeServer(server);
    },
  };
}
