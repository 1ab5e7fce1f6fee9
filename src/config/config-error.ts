import { AppError } from "../shared/app-error.js";

/** Bad configuration: the process must not start. `problems` holds one line per problem. */
export class ConfigError extends AppError<"CONFIG_INVALID"> {
  readonly code = "CONFIG_INVALID";
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`, {
      retryable: false,
    });
  }
}
