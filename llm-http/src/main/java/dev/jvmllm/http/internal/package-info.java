/**
 * Implementation of the HTTP server: routing, request parsing, response and Server-Sent Event
 * writing. Not an API: types here change without notice.
 */
package dev.jvmllm.http.internal;
