// Creates the two tables of prisma/schema.prisma in a fresh SQLite file, with
// the SQL that `prisma migrate` writes for SQLite (same table, column and index
// names). Used instead of `prisma db push`, whose schema-engine binary cannot be
// downloaded on this machine.  Usage: node setup-db.mjs /path/to/file.db
import Database from "better-sqlite3";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const file = process.argv[2];
if (!file) {
  console.error("usage: node setup-db.mjs DB_FILE");
  process.exit(2);
}
for (const f of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
const sql = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "prisma", "init.sql"), "utf8");
const db = new Database(file);
db.exec(sql);
db.close();
