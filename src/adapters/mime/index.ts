export { CATEGORIES_HEADER, parseEml } from "./parse-eml.js";
export type { ParseEmlOptions, ParseEmlResult } from "./parse-eml.js";
export { SENT_ITEMS_PROPERTIES, toSentItemsShape } from "./sent-items.js";
export { splitMbox } from "./mbox.js";
export { mailCodec } from "./codec.js";
