// The local Azurite (local/azurite.ts through local/azurite-queue.cjs): messages sent side by side
// are appended side by side (more than one extent file in use) and none is lost doing so.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type LocalAzurite } from "../../local/azurite.js";

let azurite: LocalAzurite;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.close();
});

describe("local Azurite", () => {
  it("appends concurrent messages to several extent files and keeps every one", async () => {
    const queue = new QueueClient(azurite.connectionString, "appends");
    await queue.create();
    const texts = Array.from({ length: 64 }, (_, n) => Buffer.from(`message ${n}`).toString("base64"));
    await Promise.all(texts.map((text) => queue.sendMessage(text)));

    // With Azurite's default of one append slot every message lands in one extent file.
    const extents = await readdir(path.join(azurite.location, "__queuestorage__"));
    expect(extents.length).toBeGreaterThan(1);

    const received: string[] = [];
    for (let round = 0; round < 10 && received.length < texts.length; round++) {
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
      received.push(...receivedMessageItems.map((item) => item.messageText));
    }
    expect(received.sort()).toEqual([...texts].sort());
  });
});
