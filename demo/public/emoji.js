// Slack emoji shortcodes the bot uses (and a few common ones), as Unicode characters.
export const EMOJI = {
  warning: "⚠️",
  white_check_mark: "✅",
  heavy_check_mark: "✔️",
  no_entry: "⛔",
  no_entry_sign: "🚫",
  x: "❌",
  grey_question: "❔",
  question: "❓",
  twisted_rightwards_arrows: "🔀",
  rotating_light: "🚨",
  red_circle: "🔴",
  large_orange_circle: "🟠",
  large_yellow_circle: "🟡",
  large_green_circle: "🟢",
  white_circle: "⚪",
  mag: "🔍",
  hourglass: "⌛",
  hourglass_flowing_sand: "⏳",
  construction: "🚧",
  lock: "🔒",
  key: "🔑",
  wrench: "🔧",
  gear: "⚙️",
  information_source: "ℹ️",
  bulb: "💡",
  tada: "🎉",
  rocket: "🚀",
  calendar: "📅",
  clipboard: "📋",
  package: "📦",
  arrows_counterclockwise: "🔄",
  stopwatch: "⏱️",
  thumbsup: "👍",
  "+1": "👍",
  eyes: "👀",
  fire: "🔥",
};

/** Replaces :shortcode: with its character; unknown codes (and times such as 10:30:00) stay as they are. */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] ?? all);
}
