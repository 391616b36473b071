// The MailCodec port (src/app/ports.ts) over this adapter: what the replay needs of MIME.
import type { MailCodec } from "../../app/ports.js";
import { splitMbox } from "./mbox.js";
import { parseEml } from "./parse-eml.js";
import { toSentItemsShape } from "./sent-items.js";

export const mailCodec: MailCodec = { parseEml: (source) => parseEml(source), splitMbox, toSentItemsShape };
