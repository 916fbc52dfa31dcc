package io.cairn.gateway;

import io.grpc.Status;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * gRPC status → HTTP status and JSON error bodies, as grpc-gateway v2 writes them (etcd 3.6):
 * unary {@code {"code":3,"message":"..."}}, streams {@code {"error":{...}}}. The body is
 * google.rpc.Status through etcd's marshaler (protojson, EmitUnpopulated false), so the empty
 * {@code details} list is omitted, as etcd 3.4's {@code {"error":..,"message":..,"code":..}} omits it.
 */
final class GrpcErrors {
  private GrpcErrors() {}

  /** grpc-gateway v2 runtime.HTTPStatusFromCode. */
  static HttpResponseStatus httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> HttpResponseStatus.OK;
      case CANCELLED -> new HttpResponseStatus(499, "Client Closed Request");
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
      case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      case UNKNOWN, INTERNAL, DATA_LOSS -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
    };
  }

  /** The message a Go client would see: the status description, else the cause's message. */
  static String message(Status status) {
    if (status.getDescription() != null) {
      return status.getDescription();
    }
    Throwable cause = status.getCause();
    return cause != null && cause.getMessage() != null ? cause.getMessage() : "";
  }

  /** google.rpc.Status in JSON, as the unary error body (no details: they are never set). */
  static String statusJson(Status.Code code, String message) {
    StringBuilder sb = new StringBuilder(64 + message.length());
    sb.append("{\"code\":").append(code.value()).append(",\"message\":");
    appendQuoted(sb, message);
    return sb.append('}').toString();
  }

  /** A stream's error chunk, without the trailing newline. */
  static String streamErrorJson(Status.Code code, String message) {
    return "{\"error\":" + statusJson(code, message) + "}";
  }

  static void appendQuoted(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          // also escape <, >, & like Go's encoding/json, so bodies are safe to embed in HTML
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
