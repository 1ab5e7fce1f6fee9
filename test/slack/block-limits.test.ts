import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import {
  actions,
  button,
  context,
  fieldsSection,
  fitBlocks,
  header,
  packLines,
  section,
} from "../../src/slack/blocks/block-kit.js";
import { checkMessageLimits, LIMITS } from "../../src/slack/blocks/limits.js";

const long = (n: number) => "x".repeat(n);

describe("Block Kit builders trim to Slack's limits", () => {
  it("clip every text to its limit, with an ellipsis", () => {
    const h = header(long(500));
    expect(h.text.text).toHaveLength(LIMITS.headerText);
    expect(h.text.text.endsWith("…")).toBe(true);
    expect(section(long(5000)).text?.text).toHaveLength(LIMITS.sectionText);
    const f = fieldsSection(Array.from({ length: 14 }, () => long(2500)));
    expect(f.fields).toHaveLength(LIMITS.fieldsPerSection);
    expect(f.fields!.every((x) => x.text.length === LIMITS.fieldText)).toBe(true);
    expect(context(...Array.from({ length: 12 }, () => "c")).elements).toHaveLength(LIMITS.contextElements);
    const many = Array.from({ length: 30 }, (_, i) =>
      button({ text: long(100), actionId: `a${i}`, value: "v" }),
    );
    const a = actions(many);
    expect(a.elements).toHaveLength(LIMITS.actionsElements);
    expect(many[0]!.text.text).toHaveLength(LIMITS.buttonText);
    expect(checkMessageLimits({ text: "t", blocks: [h, section(long(5000)), f, a] })).toEqual([]);
  });

  it("packLines fills sections up to 3000 characters and never splits a line", () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${i}:${long(98)}`);
    const packed = packLines(lines);
    expect(packed.every((p) => p.length <= LIMITS.sectionText)).toBe(true);
    expect(packed.join("\n").split("\n")).toEqual(lines);
    expect(packLines([long(4000)])).toEqual([`${long(LIMITS.sectionText - 1)}…`]);
  });

  it("fitBlocks keeps head and tail and says how many body blocks it left out", () => {
    const body = Array.from({ length: 80 }, (_, i) => section(`b${i}`));
    const out = fitBlocks([header("h")], body, [context("t")], (n) => `${n} left out`);
    expect(out).toHaveLength(LIMITS.blocksPerMessage);
    expect(out[0]!.type).toBe("header");
    expect(out.at(-1)!.type).toBe("context");
    // 48 places between head and tail: 47 body blocks and the note for the other 33.
    expect(out.at(-2)).toEqual(section("33 left out"));
  });
});

describe("checkMessageLimits names every limit a message breaks", () => {
  it("reports over-long texts, too many blocks, elements and fields, and a mrkdwn header", () => {
    // Hand-built blocks, bypassing the builders, as a renderer that forgot them would produce.
    const blocks: KnownBlock[] = [
      { type: "header", text: { type: "plain_text", text: long(151) } },
      { type: "section", text: { type: "mrkdwn", text: long(3001) } },
      { type: "section", fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn" as const, text: "f" })) },
      { type: "section" },
      {
        type: "context",
        elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn" as const, text: "c" })),
      },
      {
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: long(76) }, value: long(2001) }],
      },
      { type: "image", image_url: "https://example.test/x.png", alt_text: "x" },
    ];
    const padded = [...blocks, ...Array.from({ length: 44 }, () => ({ type: "divider" as const }))];
    expect(checkMessageLimits({ text: long(40_001), blocks: padded })).toEqual([
      "text: 40001 > 40000 characters",
      "51 blocks > 50",
      "blocks[0].text: 151 > 150",
      "blocks[1].text: 3001 > 3000",
      "blocks[2].fields: 11 > 10",
      "blocks[3]: section needs text or fields",
      "blocks[4].elements: 11 > 10",
      "blocks[5].elements[0].text: 76 > 75",
      "blocks[5].elements[0].value: too long",
      "blocks[6]: unexpected block type image",
    ]);
    // A payload parsed back from the wire can carry what the types forbid.
    const wire = JSON.parse('[{"type":"header","text":{"type":"mrkdwn","text":"*h*"}}]') as KnownBlock[];
    expect(checkMessageLimits({ text: "t", blocks: wire })).toEqual([
      "blocks[0].text: header text must be plain_text",
    ]);
    expect(checkMessageLimits({ text: "" })).toEqual(["message has neither text nor blocks"]);
  });
});
