// What the admin API's handlers use: the app's use cases and stores. The composition root
// (src/host/services.ts) provides them; tests can provide their own.
import type { Alerts } from "../app/alerts.js";
import type { HealthAdmin } from "../app/health-admin.js";
import type { MailboxAdmin } from "../app/mailbox-admin.js";
import type { OrganizationAdmin } from "../app/organization.js";
import type { ActivityAdmin } from "../app/activities.js";
import type { OutgoingEmailService } from "../app/outgoing-email.js";
import type { LiveTrackingStore, TrackingStore } from "../app/ports.js";
import type { RecordAdmin } from "../app/records.js";
import type { WhatIf } from "../app/what-if.js";

export interface ApiServices {
  store: TrackingStore;
  live: LiveTrackingStore;
  organization: OrganizationAdmin;
  mailboxAdmin: MailboxAdmin;
  records: RecordAdmin;
  activities: ActivityAdmin;
  outgoing: OutgoingEmailService;
  alerts: Alerts;
  healthAdmin: HealthAdmin;
  whatIf: WhatIf;
  clock(): Date;
}
