// Prisma 7 CLI configuration (prisma generate). No dotenv: the URL comes from
// the environment, with a local default so `prisma generate` needs nothing set.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  datasource: {
    url: process.env.DATABASE_URL ?? "file:./dev.db",
  },
});
