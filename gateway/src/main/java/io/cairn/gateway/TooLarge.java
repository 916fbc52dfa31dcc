package io.cairn.gateway;

import io.grpc.Status;

/** The refusal for a body over the limit; code 8 is what gRPC itself uses for an oversized message. */
final class TooLarge {
  private TooLarge() {}

  static String message() {
    return "grpc: received message larger than max";
  }

  static String body() {
    return GrpcErrors.statusJson(Status.Code.RESOURCE_EXHAUSTED, message());
  }
}
