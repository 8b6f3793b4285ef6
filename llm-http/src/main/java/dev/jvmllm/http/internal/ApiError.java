package dev.jvmllm.http.internal;

import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.SchedulerClosedException;

/**
 * An HTTP error answer in the OpenAI shape {@code {"error": {"message", "type", "param", "code"}}}.
 * Thrown anywhere below the {@link ApiHandler}, which writes it; every status the server can
 * answer with besides 200 has a factory here, so the mapping lives in one place.
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Seconds a client should wait before retrying a request refused for a full queue. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final String headerName;
    private final String headerValue;

    private ApiError(int status, String type, String code, String param, String message,
                     String headerName, String headerValue) {
        super(message, null, false, false); // an expected answer, not a bug: no stack trace to fill
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headerName = headerName;
        this.headerValue = headerValue;
    }

    private ApiError(int status, String type, String code, String param, String message) {
        this(status, type, code, param, message, null, null);
    }

    static ApiError malformedJson(String detail) {
        return new ApiError(400, "invalid_request_error", "invalid_json", null, "malformed JSON: " + detail);
    }

    static ApiError notAnObject() {
        return new ApiError(400, "invalid_request_error", "invalid_json", null, "the request body must be a JSON object");
    }

    static ApiError wrongType(String param, String expected) {
        return new ApiError(400, "invalid_request_error", "invalid_type", param, "'" + param + "' must be " + expected);
    }

    static ApiError invalidValue(String param, String message) {
        return new ApiError(400, "invalid_request_error", "invalid_value", param, message);
    }

    /** A field this server knows but cannot honour: refused rather than ignored, so the client learns it at once. */
    static ApiError unsupportedField(String param, String why) {
        return new ApiError(400, "invalid_request_error", "unsupported_parameter", param,
                "'" + param + "' is not supported: " + why);
    }

    /** A field no endpoint knows (OpenAI's answer to one too). */
    static ApiError unknownField(String param) {
        return new ApiError(400, "invalid_request_error", "unknown_parameter", param,
                "unrecognized request argument supplied: '" + param + "'");
    }

    static ApiError missing(String param) {
        return new ApiError(400, "invalid_request_error", "missing_required_parameter", param,
                "'" + param + "' is required");
    }

    static ApiError missingApiKey() {
        return new ApiError(401, "invalid_request_error", "invalid_api_key", null,
                "missing API key: send the header 'Authorization: Bearer <key>'", "WWW-Authenticate", "Bearer");
    }

    static ApiError wrongApiKey() {
        return new ApiError(401, "invalid_request_error", "invalid_api_key", null, "invalid API key",
                "WWW-Authenticate", "Bearer");
    }

    static ApiError unknownPath(String method, String path) {
        return new ApiError(404, "invalid_request_error", "unknown_url", null, "no endpoint " + method + " " + path);
    }

    static ApiError modelNotFound(String requested, String served) {
        return new ApiError(404, "invalid_request_error", "model_not_found", "model",
                "the model '" + requested + "' does not exist; this server serves '" + served + "'");
    }

    /** An endpoint that this server's models cannot answer (llama-server's answer too). */
    static ApiError notSupported(String message) {
        return new ApiError(501, "not_supported_error", "not_supported", null, message);
    }

    static ApiError methodNotAllowed(String method, String path, String allowed) {
        return new ApiError(405, "invalid_request_error", "method_not_allowed", null,
                method + " is not allowed on " + path + "; use " + allowed, "Allow", allowed);
    }

    static ApiError bodyTooLarge(long maxBytes) {
        return new ApiError(413, "invalid_request_error", "request_too_large", null,
                "the request body is larger than the limit of " + maxBytes + " bytes");
    }

    /** A request the transport cannot read as HTTP/1.1 (it never reaches an endpoint). */
    static ApiError badHttp(int status, String message) {
        return new ApiError(status, "invalid_request_error", "bad_http_request", null, message);
    }

    /** A connection past the server's cap on open connections; its answer closes it. */
    static ApiError tooManyConnections() {
        return new ApiError(503, "server_error", "too_many_connections",
                null, "the server has as many connections open as it allows; retry later or reuse a connection", null, null);
    }

    static ApiError shuttingDown() {
        // Connection: close, so that a keep-alive client does not come back on a server about to stop
        return new ApiError(503, "server_error", "shutting_down", null, "the server is shutting down",
                "Connection", "close");
    }

    /**
     * A request whose generation the server's shutdown cancelled when the grace ran out: 503, or,
     * after a stream began, its last event. Retrying it elsewhere runs the generation again.
     */
    static ApiError cutByShutdown() {
        return new ApiError(503, "server_error", "shutting_down", null,
                "the server shut down before the generation finished", "Connection", "close");
    }

    static ApiError internal(String message) {
        return new ApiError(500, "server_error", "internal_error", null, message);
    }

    /** The answer to an exception of the library: what the scheduler or model refused, and why. */
    static ApiError from(LlmException e) {
        return switch (e) {
            case InvalidRequestException invalid ->
                    new ApiError(400, "invalid_request_error", "invalid_value", null, invalid.getMessage());
            case QueueFullException full -> new ApiError(429, "rate_limit_error", "queue_full", null,
                    full.getMessage(), "Retry-After", RETRY_AFTER_SECONDS);
            case SchedulerClosedException closed ->
                    new ApiError(503, "server_error", "shutting_down", null, closed.getMessage());
            default -> internal(e.getMessage());
        };
    }

    /** The HTTP status. */
    int status() {
        return status;
    }

    /** The OpenAI error {@code type}. */
    String type() {
        return type;
    }

    /** The machine-readable {@code code}. */
    String code() {
        return code;
    }

    /** The request field at fault, or null. */
    String param() {
        return param;
    }

    /** The name of a header the answer carries ({@code Retry-After}, {@code Allow}, ...), or null. */
    String headerName() {
        return headerName;
    }

    String headerValue() {
        return headerValue;
    }
}
