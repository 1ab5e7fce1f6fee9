// Entry point of `npm start` (compiled to dist/main.js).
import "reflect-metadata";
import { runMain } from "./main/run-main.js";

await runMain();
