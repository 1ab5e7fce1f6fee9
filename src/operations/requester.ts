/** Who asked, as the Slack layer saw it (user id verified by the request signature). */
export interface CommandRequester {
  userId: string;
  userName?: string;
  channelId?: string;
}
