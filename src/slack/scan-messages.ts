import { errorReply } from "./error-reply.js";
import type { ScanMessages } from "../scan/scan-messages.js";
import { renderCertAlert, renderUnreachableAlert } from "./blocks/render-alert.js";
import { renderCertsAnswer, renderMultiClusterAnswer } from "./blocks/render-certs-answer.js";
import { renderDailyReport } from "./blocks/render-daily-report.js";
import { renderInviteNeeded } from "./blocks/render-notice.js";
import { ChatError } from "./chat-error.js";

/** The scan, report and alert messages in Block Kit; ChatError says whether a failed post needs an invite. */
export const slackScanMessages: ScanMessages = {
  certsAnswer(results, node, renewalWindowDays) {
    const inputs = results.map(({ scan, report }) => ({ report, scan, node, renewalWindowDays }));
    if (inputs.length === 1) return renderCertsAnswer(inputs[0]!);
    return renderMultiClusterAnswer(inputs);
  },
  scanFailed: (err) => errorReply(err, "scanning"),
  dailyReport: (report, date, o) => renderDailyReport(report, date, o),
  certAlert: (a) => renderCertAlert(a),
  unreachableAlert: (a) => renderUnreachableAlert(a),
  inviteNeeded: (channel, what) => renderInviteNeeded(channel, what),
  chatFailure(err) {
    if (!(err instanceof ChatError)) return undefined;
    return { needsInvite: err.needsInvite };
  },
};
