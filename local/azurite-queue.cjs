// Starts Azurite's queue service (azurite-queue, same arguments) with concurrent appends: its
// file extent store writes every message through one append slot (DEFAULT_QUEUE_PERSISTENCE_ARRAY
// maxConcurrency 1: a write and an fdatasync per message, one message at a time), so the local
// queue took at most ~100–200 enqueues/s whatever the callers' concurrency, which capped the
// webhook's ack rate. The blob service of the same release uses 50 slots
// (DEFAULT_WRITE_CONCURRENCY_PER_LOCATION); this gives the queue the same before Azurite reads
// the array. CommonJS because Azurite is: the one constants module main.js loads is patched.
// Local code only (docs/benchmarks-live.md, "The local queue's one append slot").
"use strict";
const azuriteQueueConstants = require("azurite/dist/src/queue/utils/constants");
const { DEFAULT_WRITE_CONCURRENCY_PER_LOCATION } = require("azurite/dist/src/blob/utils/constants");

for (const location of azuriteQueueConstants.DEFAULT_QUEUE_PERSISTENCE_ARRAY) {
  location.maxConcurrency = DEFAULT_WRITE_CONCURRENCY_PER_LOCATION;
}
require("azurite/dist/src/queue/main");
