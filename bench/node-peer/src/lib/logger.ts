// A small structured logger as a typical `@/lib/logger`: one JSON line per call
// on stdout (the serve script sends stdout to DATA_DIR/peer.log).
type Fields = Record<string, unknown>;
type Level = "debug" | "info" | "warn" | "error";

function write(level: Level, message: string, fields?: Fields): void {
  const line = JSON.stringify({
    level,
    message,
    time: new Date().toISOString(), // not "timestamp": the seed logs a payload field of that name
    ...fields,
  });
  process.stdout.write(line + "\n");
}

export const logger = {
  debug: (message: string, fields?: Fields) => write("debug", message, fields),
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
