// The PouchDB side of bench/sync_bench.py: the same records replicated the way Medic's CHT does it,
// PouchDB on the device and a CouchDB-compatible server (express-pouchdb) over HTTP. Not a test.
//
//   node pouchdb_side.js server PORT DIR        serve DIR's databases on 127.0.0.1:PORT ("ready" when up)
//   node pouchdb_side.js push URL NDJSON DIR     load the records into a local PouchDB in DIR, replicate to URL
//   node pouchdb_side.js pull URL DIR            replicate URL into a new local PouchDB in DIR
//
// push and pull print one JSON line: records, seconds, CPU seconds, and the process's peak memory. sync_bench.py
// installs pouchdb, express-pouchdb and express into a temporary folder and runs this from there.
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");

const PouchDB = require("pouchdb");

function peakRssKib() {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const line = status.split("\n").find((l) => l.startsWith("VmHWM:"));
  return line ? parseInt(line.split(/\s+/)[1], 10) : 0;
}

function cpuSeconds(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

async function server(port, dir) {
  const express = require("express");
  const Local = PouchDB.defaults({ prefix: dir.endsWith("/") ? dir : dir + "/" });
  const app = express();
  app.use("/", require("express-pouchdb")(Local, { mode: "minimumForPouchDB", logPath: path.join(dir, "log.txt") }));
  app.listen(port, "127.0.0.1", () => console.log("ready"));
}

async function push(url, ndjson, dir) {
  const db = new PouchDB(path.join(dir, "kiosk"));
  let loadStart = process.hrtime.bigint();
  let chunk = [];
  let loaded = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(ndjson), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const r = JSON.parse(line);
    r._id = r.id;
    delete r.id;
    chunk.push(r);
    if (chunk.length === 1000) {
      await db.bulkDocs(chunk);
      loaded += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length) {
    await db.bulkDocs(chunk);
    loaded += chunk.length;
  }
  const loadS = Number(process.hrtime.bigint() - loadStart) / 1e9;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const info = await db.replicate.to(url);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ loaded, load_s: loadS, seconds, cpu_s: cpuSeconds(cpu), records: info.docs_written,
                               ok: info.ok, peak_rss_kib: peakRssKib() }));
}

async function pull(url, dir) {
  const db = new PouchDB(path.join(dir, "kiosk"));
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const info = await db.replicate.from(url);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ seconds, cpu_s: cpuSeconds(cpu), records: info.docs_written, ok: info.ok,
                               peak_rss_kib: peakRssKib() }));
}

const [mode, ...args] = process.argv.slice(2);
const run = { server: () => server(parseInt(args[0], 10), args[1]), push: () => push(args[0], args[1], args[2]),
              pull: () => pull(args[0], args[1]) }[mode];
if (!run) {
  console.error("usage: node pouchdb_side.js server PORT DIR | push URL NDJSON DIR | pull URL DIR");
  process.exit(2);
}
run().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
