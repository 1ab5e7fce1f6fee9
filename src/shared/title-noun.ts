/** An operation's title as a noun mid-sentence: "Renewal by restart" → "renewal by restart"; "RKE2 upgrade" kept. */
export const titleNoun = (title: string): string =>
  /^[A-Z][a-z]/.test(title) ? title[0]!.toLowerCase() + title.slice(1) : title;
