// Preloaded into a bot process by tests (node --import): SIGUSR2 leaves a promise rejection
// unhandled, SIGWINCH throws from an event handler, so the process failure policy can be observed.
process.on("SIGUSR2", () => void Promise.reject(new Error("injected unhandled rejection")));
process.on("SIGWINCH", () => {
  throw new Error("injected uncaught exception");
});
