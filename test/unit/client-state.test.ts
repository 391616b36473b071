import { describe, expect, it } from "vitest";
import { createClientStates, sameSecretString, subscriptionTag } from "../../src/app/client-state.js";

const CURRENT = "current-app-secret-0123456789abcdef";
const PREVIOUS = "previous-app-secret-0123456789abcdef";

describe("per-subscription client states", () => {
  it("issues a different state for every subscription, within Graph's 128 characters", () => {
    const states = createClientStates([CURRENT]);
    const issued = Array.from({ length: 50 }, () => states.issue());
    expect(new Set(issued.map((s) => s.clientState)).size).toBe(50);
    for (const state of issued) {
      expect(state.clientState.length).toBeLessThanOrEqual(128);
      expect(state.clientState).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      expect(state.clientState.startsWith(`${state.nonce}.`)).toBe(true);
      expect(state.clientState).not.toContain(CURRENT);
      expect(states.verify(state.clientState)).toEqual({ nonce: state.nonce, keyId: states.currentKeyId });
    }
  });

  it("verifies states of the current and the previous secret, and says which", () => {
    const before = createClientStates([PREVIOUS]);
    const old = before.issue();
    const rotated = createClientStates([CURRENT, PREVIOUS]);
    expect(rotated.verify(old.clientState)).toEqual({ nonce: old.nonce, keyId: before.currentKeyId });
    expect(rotated.currentKeyId).not.toBe(before.currentKeyId);
    // Once the previous secret is removed, its states no longer pass.
    expect(createClientStates([CURRENT]).verify(old.clientState)).toBeUndefined();
  });

  it.each([
    { name: "not a string", value: 42 },
    { name: "undefined", value: undefined },
    { name: "empty", value: "" },
    { name: "the secret itself", value: CURRENT },
    { name: "no dot", value: "a".repeat(66) },
    { name: "a lone surrogate", value: "\ud800" },
    { name: "a too long MAC", value: `${"a".repeat(22)}.${"b".repeat(44)}` },
    { name: "a zero MAC", value: `${"a".repeat(22)}.${"A".repeat(43)}` },
    { name: "129 characters", value: "x".repeat(129) },
  ])("refuses $name", ({ value }) => {
    expect(createClientStates([CURRENT]).verify(value)).toBeUndefined();
  });

  it("refuses a state whose nonce was changed", () => {
    const states = createClientStates([CURRENT]);
    const { clientState } = states.issue();
    const tampered = (clientState[0] === "A" ? "B" : "A") + clientState.slice(1);
    expect(states.verify(tampered)).toBeUndefined();
  });

  it("needs a secret", () => {
    expect(() => createClientStates([""])).toThrow(TypeError);
  });

  it("compares strings in constant time, by value", () => {
    expect(sameSecretString("abc", "abc")).toBe(true);
    expect(sameSecretString("abc", "abd")).toBe(false);
    expect(sameSecretString("abc", "abcd")).toBe(false);
  });

  it("tags a subscription for logs without showing its id", () => {
    const id = "0f6c2a4e-8d1b-4c3a-9e5f-7a2b1c0d9e8f";
    expect(subscriptionTag(id)).toMatch(/^subscription#[A-Za-z0-9_-]{8}$/);
    expect(subscriptionTag(id)).not.toContain(id.slice(0, 8));
    expect(subscriptionTag(id)).toBe(subscriptionTag(id));
  });
});
