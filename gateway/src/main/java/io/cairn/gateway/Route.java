package io.cairn.gateway;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;

/** One POST path of the gateway: the gRPC method it calls and the request message it decodes. */
record Route(String path, MethodDescriptor<Message, Message> method, Message requestPrototype) {

  MethodDescriptor.MethodType type() {
    return method.getType();
  }

  /** Watch and LeaseKeepAlive: the body is a sequence of request objects, not a single one. */
  boolean clientStreaming() {
    return !method.getType().clientSendsOneMessage();
  }

  boolean serverStreaming() {
    return !method.getType().serverSendsOneMessage();
  }
}
