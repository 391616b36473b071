import { generateMailbox, writeMailbox } from "../bench/synthetic-mailbox.ts";
import { writeFile } from "node:fs/promises";
const mb = generateMailbox({ messages: 3000, seed: 5 });
const w = await writeMailbox(mb, "/tmp/prof");
await writeFile("/tmp/prof/settings.json", JSON.stringify({ organization: { useSmartMatching: true, autoTrackSentFolderItems: true, skipAutomatedEmail: true }, mailbox: { address: "dana.reyes@northwind.example.com", kind: "user", incomingEmailFilter: "fromLeadsContactsAccounts" } }));
console.log(w);
