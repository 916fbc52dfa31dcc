package io.cairn.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * etcd 3.6's gateway marshaler (grpc-gateway v2 JSONPb: protojson UseProtoNames, EmitUnpopulated
 * false, DiscardUnknown). JsonFormat already matches protojson on what matters here: it prints
 * 64-bit integers as strings, bytes as padded standard base64 and enums by name, and it parses
 * proto or lowerCamel names, numbers or strings for integers, enum names or numbers, and
 * padded/unpadded standard/URL-safe base64.
 */
final class JsonCodec {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private JsonCodec() {}

  /** Decodes one request; a blank body is the empty request, as grpc-gateway treats io.EOF. */
  static Message parse(byte[] json, Message prototype) throws BadJsonException {
    String text = utf8(json);
    if (text.isBlank()) {
      return prototype;
    }
    Message.Builder builder = prototype.newBuilderForType();
    try {
      PARSER.merge(text, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new BadJsonException(e.getMessage());
    } catch (RuntimeException | StackOverflowError e) {
      // JsonFormat and Gson signal some malformed inputs with unchecked exceptions: still bad input
      throw new BadJsonException(String.valueOf(e.getMessage()));
    }
    return builder.build();
  }

  static String print(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      // only Any with an unknown type can fail, and etcd's protos have no Any
      throw new IllegalStateException(e);
    }
  }

  private static String utf8(byte[] bytes) throws BadJsonException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadJsonException("request body is not valid UTF-8");
    }
  }

  /** A request body that is not a JSON encoding of the route's request message. */
  static final class BadJsonException extends Exception {
    BadJsonException(String message) {
      super(message, null, false, false);
    }
  }
}
