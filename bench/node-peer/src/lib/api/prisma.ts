// Prisma client singleton (the usual Next.js pattern), Prisma 7 with the
// better-sqlite3 driver adapter (Rust-free client; no query engine binary).
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../../generated/prisma/client";

const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

function createClient(): PrismaClient {
  const adapter = new PrismaBetterSqlite3({
    url: process.env.DATABASE_URL ?? "file:./dev.db",
  });
  const client = new PrismaClient({ adapter });
  // Not the seed's: the benchmark's upper bound for this peer, with SQLite
  // writing without waiting for the disk (the seed runs SQLite's defaults:
  // a rollback journal, synchronous=FULL).
  if (process.env.PEER_NO_FSYNC === "1") {
    // A Prisma query runs only once something waits for it.
    client.$queryRawUnsafe("PRAGMA synchronous = OFF").catch((err) => console.error("PRAGMA synchronous failed", err));
  }
  return client;
}

export const prisma = globalForPrisma.prisma ?? createClient();

if (process.env.NODE_ENV !== "production") globalForPrisma.prisma = prisma;
