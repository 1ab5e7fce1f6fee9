/**
 * Listeners one operation's abort signal may carry before Node warns of a leak: one per SSH command
 * in flight, so up to the inventory's ssh.maxConcurrency (and the open connections' own). Node's
 * default of 10 is only a leak heuristic; a real leak would still pass this bound quickly.
 */
export const MAX_SIGNAL_LISTENERS = 1024;
