// A tracking decision's explanation for people: the engine's one-sentence answer (explainDecision,
// the same text the replay and the API give) and then what each rule found, step by step, from the
// decision trace (src/domain/trace.ts). Shared by the Activities and What-if pages.
import { html, nothing, type TemplateResult } from "lit";
import { recordLabel } from "../../src/domain/explain.js";
import type { AddressResolution, CorrelationStep, DecisionTrace, GateStep, ResolutionRule } from "../../src/domain/trace.js";
import type { RecordRef } from "../../src/domain/types.js";

const GATE_LABELS: Record<string, string> = {
  mailboxConfigured: "Mailbox configured",
  mailboxEnabled: "Mailbox enabled",
  mailboxApproved: "Mailbox approved",
  incomingSync: "Incoming synchronization",
  startDate: "Processing start date",
  draft: "Not a draft",
  manualTracking: "Tracked by a user",
  trackedFolder: "Tracked folder",
  trackingCategory: "Tracking category",
  folderTracked: "Folder tracked",
  sentItems: "Sent Items",
  automatedEmail: "Automated email",
};

const OUTCOME_LABELS: Record<GateStep["outcome"], string> = { pass: "passed", fail: "stopped it", bypass: "tracked it without the filter" };

const RULE_LABELS: Record<ResolutionRule, string> = {
  noRecords: "no record has the address",
  onlyInactive: "only inactive records have it",
  single: "exactly one active record",
  typePrecedence: "record type precedence",
  mailboxOwner: "the one the mailbox's owner owns",
  firstCreated: "the first created",
  allMatches: "every active record",
  ambiguousUnresolved: "several matched; left unresolved",
  tooManyMatches: "too many matches; left unresolved",
};

const STEP_LABELS: Record<CorrelationStep["outcome"], string> = { matched: "matched", noEntry: "no tracked email", self: "only this email itself" };

/** Narrows the API's `unknown` trace to the shape the engine writes (version 1). */
export function asTrace(value: unknown): DecisionTrace | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const trace = value as Partial<DecisionTrace>;
  return trace.version === 1 && Array.isArray(trace.gates) && Array.isArray(trace.addresses) && Array.isArray(trace.correlation)
    ? (trace as DecisionTrace)
    : undefined;
}

/** `type/id` → name, from the records the trace names (the stored parties carry ids only). */
export function recordNames(trace: DecisionTrace | undefined): Map<string, string> {
  const names = new Map<string, string>();
  const add = (record: { type: string; id: string; name?: string } | undefined) => {
    if (record?.name) names.set(`${record.type}/${record.id}`, record.name);
  };
  for (const resolution of trace?.addresses ?? []) [...resolution.found, ...resolution.chosen].forEach(add);
  add(trace?.mailboxOwner?.owner);
  add(trace?.acceptance?.acceptingEntity);
  return names;
}

export function refText(ref: RecordRef | undefined, names?: ReadonlyMap<string, string>): string {
  if (!ref) return "—";
  const name = names?.get(`${ref.type}/${ref.id}`);
  return recordLabel(name ? { ...ref, name } : ref);
}

/** The explanation: why (one sentence), then each rule's finding. `id` keeps headings unique on the page. */
export function renderExplanation(options: { why: string | undefined; trace: DecisionTrace | undefined; id: string; headingLevel?: 2 | 3 }): TemplateResult {
  const { why, trace, id } = options;
  const heading = (text: string, suffix: string) =>
    options.headingLevel === 3 ? html`<h4 id="${id}-${suffix}">${text}</h4>` : html`<h3 id="${id}-${suffix}">${text}</h3>`;
  return html`<div class="explanation" data-testid="explanation">
    <p class="explanation__why" data-testid="explanation-why">${why ?? "No explanation was stored with this decision (it was tracked before explanations were kept)."}</p>
    ${trace
      ? html`<section aria-labelledby="${id}-rules">
          ${heading("What each rule found", "rules")}
          <dl class="rules">
            <dt>Checks</dt>
            <dd>
              <ol class="rule-list">
                ${trace.gates.map(
                  (gate) => html`<li class="gate gate--${gate.outcome}">${GATE_LABELS[gate.gate] ?? gate.gate}: <strong>${OUTCOME_LABELS[gate.outcome]}</strong>${gate.detail ? html` (${gate.detail})` : nothing}</li>`,
                )}
              </ol>
            </dd>
            ${trace.mailboxOwner
              ? html`<dt>Mailbox owner</dt>
                  <dd>${trace.mailboxOwner.owner ? refText(trace.mailboxOwner.owner) : "no record"} (${trace.mailboxOwner.rule}, ${trace.mailboxOwner.candidates} candidates)</dd>`
              : nothing}
            <dt>Addresses resolved</dt>
            <dd>${trace.addresses.length === 0 ? "none" : html`<ul class="rule-list">${trace.addresses.map(renderResolution)}</ul>`}</dd>
            <dt>Correlation</dt>
            <dd>
              ${trace.correlation.length === 0
                ? "nothing to correlate by"
                : html`<ol class="rule-list">${trace.correlation.map(
                    (step) => html`<li>${step.method} <code>${step.key}</code>: <strong>${STEP_LABELS[step.outcome]}</strong>${step.candidate
                      ? html` — '${step.candidate.subject ?? step.candidate.internetMessageId}'${step.candidate.regarding ? html`, regarding ${refText(step.candidate.regarding)}` : nothing}`
                      : nothing}</li>`,
                  )}</ol>`}
              ${trace.smartMatching
                ? html`<p class="rule-note">Smart matching: ${trace.smartMatching.skipped
                    ? `not tried (${trace.smartMatching.skipped})`
                    : trace.smartMatching.matched
                      ? `matched '${trace.smartMatching.matched.subject ?? trace.smartMatching.matched.internetMessageId}' (${trace.smartMatching.matched.sharedAddresses} shared addresses)`
                      : `${trace.smartMatching.candidates} candidates, none matched`}</p>`
                : nothing}
              <p class="rule-note">Linked by: <strong>${trace.correlatedBy}</strong></p>
            </dd>
            <dt>Regarding</dt>
            <dd>${trace.regarding ? html`${refText(trace.regarding.record)} (from ${trace.regarding.from})` : "none"}</dd>
            ${trace.acceptance
              ? html`<dt>Acceptance</dt>
                  <dd>
                    ${trace.acceptance.accepted ? "accepted" : "not accepted"} by ${trace.acceptance.rule === "bypass" ? `bypass (${trace.acceptance.bypass ?? ""})` : "the incoming email filter"}
                    <ul class="rule-list">
                      ${trace.acceptance.judged.map((judged) => html`<li>${judged.mailbox} (${judged.filter}): <strong>${judged.outcome}</strong></li>`)}
                    </ul>
                    ${trace.acceptance.acceptingEntity ? html`Accepting entity: ${refText(trace.acceptance.acceptingEntity)}` : nothing}
                  </dd>`
              : nothing}
            <dt>Outcome</dt>
            <dd><strong>${trace.outcome.tracked ? "tracked" : "not tracked"}</strong> (${trace.outcome.reason})</dd>
          </dl>
        </section>`
      : nothing}
  </div>`;
}

function renderResolution(resolution: AddressResolution): TemplateResult {
  return html`<li>
    ${resolution.role} ${resolution.address}:
    ${resolution.chosen.length > 0 ? html`<strong>${resolution.chosen.map((r) => refText(r)).join(", ")}</strong>` : html`<strong>unresolved</strong>`}
    (${RULE_LABELS[resolution.rule] ?? resolution.rule}${resolution.found.length > 1 ? `; ${resolution.found.length} found` : ""}${resolution.inactive > 0 ? `; ${resolution.inactive} inactive` : ""})
  </li>`;
}
