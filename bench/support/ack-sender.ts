/**
 * Sends signed slash commands one after another and prints each ack's timing as JSON. It runs as its
 * own process so that the time measured is the bot's: in the benchmark's process the fake Slack is
 * busy receiving the scans' answers, and its event loop would add its own delays to every ack.
 * Input on stdin: { target, requests: [{ text, user, channel, responseUrl }] }.
 */
import {
  sendSlashCommand,
  type BotTarget,
  type SlashCommandInput,
} from "../../test/support/fake-slack/bot-client.js";

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
  target: BotTarget;
  requests: SlashCommandInput[];
};
const acks: Array<{ startedAt: number; endedAt: number; ms: number; status: number }> = [];
for (const r of input.requests) {
  const startedAt = Date.now();
  const res = await sendSlashCommand(input.target, r);
  acks.push({ startedAt, endedAt: Date.now(), ms: res.ms, status: res.status });
}
process.stdout.write(JSON.stringify(acks));
