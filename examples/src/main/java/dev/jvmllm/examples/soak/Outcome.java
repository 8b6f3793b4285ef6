package dev.jvmllm.examples.soak;

/** What became of one soak request. */
sealed interface Outcome {
    /** 200 with a whole answer: JSON with a finish reason, or an SSE stream that ends in {@code data: [DONE]}. */
    record Succeeded() implements Outcome {
    }

    /** An expected refusal: 400 or 404 for a bad request, 429 or 503 (with Retry-After) under load; in the error shape. */
    record Refused(int status) implements Outcome {
    }

    /** Its client closed the connection on purpose before the answer ended. */
    record Cancelled() implements Outcome {
    }

    /** Anything else: an unexpected status or body, an I/O error, no answer within the hang timeout. */
    record Lost(String reason, String detail) implements Outcome {
    }

    Outcome SUCCEEDED = new Succeeded();
    Outcome CANCELLED = new Cancelled();
}
