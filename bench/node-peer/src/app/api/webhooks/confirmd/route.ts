// The seed's webhook endpoint (000, "Step 2: Implement Webhook Handler"),
// plus the GET health check of seed 001 ("Testing" / "Health Check").
import { NextRequest, NextResponse } from "next/server";
import { logger } from "@/lib/logger";
import { processWebhookEvent } from "@/lib/api/connection-service";
import { ConfirmdWebhookPayload } from "@/lib/api/types";

export async function POST(request: NextRequest) {
  try {
    // Validate webhook authentication
    const apiKey = request.headers.get("x-api-key");
    const expectedKey = process.env.WEBHOOK_SECRET;

    if (apiKey !== expectedKey) {
      logger.warn("Invalid webhook API key");
      return NextResponse.json({ error: "Unauthorized" }, { status: 401 });
    }

    // Parse webhook payload (FLAT structure, not nested!)
    const payload: ConfirmdWebhookPayload = await request.json();

    logger.info("Received webhook from Confirmd Platform", {
      type: payload.type,
      connectionId: payload.connectionId,
      state: payload.state,
      theirLabel: payload.theirLabel,
      orgId: payload.orgId,
      timestamp: payload.timestamp,
    });

    // Process the webhook
    await processWebhookEvent(payload);

    return NextResponse.json({
      received: true,
      connectionId: payload.connectionId,
      state: payload.state,
      timestamp: new Date().toISOString(),
    });
  } catch (error: any) {
    logger.error("Error processing webhook", {
      error: error.message,
      stack: error.stack,
    });

    // Return 200 to prevent ConfirmD from retrying
    return NextResponse.json(
      { received: false, error: "Internal processing error" },
      { status: 200 }
    );
  }
}

// Health check (seed 001: "Expected response").
export async function GET() {
  return NextResponse.json({
    status: "ok",
    message: "Confirmd webhook endpoint is active",
    timestamp: new Date().toISOString(),
  });
}
