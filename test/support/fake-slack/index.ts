export {
  startFakeSlack,
  type FakeSlack,
  type FakeSlackOptions,
  type Failure,
  type ApiCall,
  type ResponsePost,
  type ExtraRoutes,
} from "./server.js";
export { SlackModel, type FakeMessage, type ChannelView } from "./model.js";
export { signSlackRequest } from "./sign.js";
export {
  sendSlashCommand,
  sendButtonClick,
  slashCommandPayload,
  blockActionsPayload,
  type BotTarget,
  type SignedResult,
} from "./bot-client.js";
