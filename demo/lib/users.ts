// The people of the demo workspace: one requester and two approvers, so four-eyes approval can be tried.

export interface DemoUser {
  id: string;
  name: string;
  role: "requester" | "approver";
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: "U0ALICE", name: "Alice", role: "requester" },
  { id: "U0BOB", name: "Bob", role: "approver" },
  { id: "U0CAROL", name: "Carol", role: "approver" },
];

export const APPROVER_IDS = DEMO_USERS.filter((u) => u.role === "approver").map((u) => u.id);

export const isDemoUser = (id: unknown): id is string => DEMO_USERS.some((u) => u.id === id);
