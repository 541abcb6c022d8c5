// run.cjs opens a DuckDB file with one installed @duckdb/node-api client and
// runs SQL statements on it, one JSON line per statement on stdout.
//
//   node compat/run.cjs CLIENT_DIR DB_FILE [rw] < statements.json
//
// CLIENT_DIR is an npm prefix holding node_modules/@duckdb/node-api (as made
// by `npm install --prefix CLIENT_DIR @duckdb/node-api@VERSION`); DB_FILE is
// opened READ_ONLY unless the third argument is "rw". statements.json is a
// JSON array of SQL strings. The first line is {"open":true,"version":...} or
// {"open":false,"error":...}; then {"i":N,"ok":true,"rows":R} or
// {"i":N,"ok":false,"error":"..."} for statement N (from 0). Only row counts
// are printed, never values.
'use strict';
const path = require('path');
const fs = require('fs');

async function main() {
  const [clientDir, dbFile, mode] = process.argv.slice(2);
  if (!clientDir || !dbFile) {
    console.error('usage: node run.cjs CLIENT_DIR DB_FILE [rw] < statements.json');
    process.exit(2);
  }
  const api = require(path.resolve(clientDir, 'node_modules', '@duckdb', 'node-api'));
  const stmts = JSON.parse(fs.readFileSync(0, 'utf8'));
  let conn;
  try {
    const opts = mode === 'rw' ? {} : { access_mode: 'READ_ONLY' };
    const db = await api.DuckDBInstance.create(dbFile, opts);
    conn = await db.connect();
    const v = await conn.runAndReadAll('SELECT version()');
    console.log(JSON.stringify({ open: true, version: String(v.getRows()[0][0]) }));
  } catch (e) {
    console.log(JSON.stringify({ open: false, error: String(e && e.message || e) }));
    return;
  }
  for (let i = 0; i < stmts.length; i++) {
    try {
      const r = await conn.runAndReadAll(stmts[i]);
      console.log(JSON.stringify({ i, ok: true, rows: r.getRows().length }));
    } catch (e) {
      console.log(JSON.stringify({ i, ok: false, error: String(e && e.message || e) }));
    }
  }
}

main().catch((e) => {
  console.error(String(e && e.stack || e));
  process.exit(1);
});
