/** A `/rke2 certs` request: what to scan, and where the answer goes. */
export interface ScanJobData {
  cluster?: string;
  node?: string;
  /** The slash command's response_url (valid 30 minutes, 5 uses). */
  responseUrl?: string;
  channelId?: string;
  userId?: string;
  requestedAt: string;
}

/** What became of a request: queued a scan, joined the one running, over the user's budget, or Redis down. */
export type ScanAdmission =
  | { kind: "queued" | "joined"; jobId: string }
  | { kind: "limited"; retryAfterSeconds: number }
  | { kind: "unavailable" };

/** What the Slack layer gets: ask for a scan, nothing else of BullMQ (adapter: queue/scan-queue.ts). */
export interface ScanRequests {
  enqueue(data: ScanJobData): Promise<ScanAdmission>;
}
