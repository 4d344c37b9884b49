import type { NextConfig } from "next";

// better-sqlite3 (native addon) and the Prisma client stay external to the
// server bundle (both are on Next's default external list; listed for clarity).
const nextConfig: NextConfig = {
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3"],
};

export default nextConfig;
